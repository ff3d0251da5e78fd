using System.Buffers;
using System.Text.Json;

namespace Parley.Management.Fifo;

/// <summary>
/// Re-prints compact JSON the way OpenSIPS's cJSON prints with formatting on (<c>lib/cJSON.c</c>, <c>print_object</c>/<c>print_array</c>),
/// which is what <c>modparam("mi_fifo", "pretty_printing", 1)</c> produces:
/// an object is <c>{\n</c>, one member per line indented with one tab per level as <c>"name":\tvalue</c>,
/// members separated by <c>,\n</c>, then <c>\n</c> and the closing brace indented to the object's own level;
/// an empty object is <c>{\n</c> + the object's indentation + <c>}</c>; arrays stay on one line with <c>", "</c> between items
/// and an empty array is <c>[]</c>. Strings and numbers keep their bytes. No new line at the end.
/// </summary>
internal static class CJsonPrettyPrinter
{
    public static byte[] Format(ReadOnlySpan<byte> json)
    {
        var output = new ArrayBufferWriter<byte>(json.Length * 2);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 512 });

        // Per open container: is it an object, and how many members/items were printed so far.
        var open = new List<(bool IsObject, int Count)>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                {
                    var (isObject, count) = open[^1];
                    if (count > 0)
                    {
                        Write(output, ",\n"u8);
                    }

                    Tabs(output, open.Count);
                    Write(output, "\""u8);
                    Write(output, reader.ValueSpan);
                    Write(output, "\":\t"u8);
                    open[^1] = (isObject, count + 1);
                    break;
                }

                case JsonTokenType.StartObject:
                    BeforeValue(output, open);
                    open.Add((true, 0));
                    Write(output, "{\n"u8);
                    break;
                case JsonTokenType.StartArray:
                    BeforeValue(output, open);
                    open.Add((false, 0));
                    Write(output, "["u8);
                    break;
                case JsonTokenType.EndObject:
                {
                    var (_, count) = open[^1];
                    open.RemoveAt(open.Count - 1);
                    if (count > 0)
                    {
                        Write(output, "\n"u8);
                    }

                    Tabs(output, open.Count);
                    Write(output, "}"u8);
                    break;
                }

                case JsonTokenType.EndArray:
                    open.RemoveAt(open.Count - 1);
                    Write(output, "]"u8);
                    break;
                case JsonTokenType.String:
                    BeforeValue(output, open);
                    Write(output, "\""u8);
                    Write(output, reader.ValueSpan);
                    Write(output, "\""u8);
                    break;
                default:
                    // Numbers, true, false, null: their bytes as they are.
                    BeforeValue(output, open);
                    Write(output, reader.ValueSpan);
                    break;
            }
        }

        return output.WrittenSpan.ToArray();
    }

    // A value in an array is preceded by ", " unless it is the first; object member values follow their name directly.
    private static void BeforeValue(ArrayBufferWriter<byte> output, List<(bool IsObject, int Count)> open)
    {
        if (open.Count == 0)
        {
            return;
        }

        var (isObject, count) = open[^1];
        if (isObject)
        {
            return;
        }

        if (count > 0)
        {
            Write(output, ", "u8);
        }

        open[^1] = (false, count + 1);
    }

    private static void Tabs(ArrayBufferWriter<byte> output, int depth)
    {
        var span = output.GetSpan(depth);
        span[..depth].Fill((byte)'\t');
        output.Advance(depth);
    }

    private static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);
}
