using System.Globalization;
using System.Text;

namespace Parley.Scripting.Runtime;

/// <summary>Conversions between script values and UTF-8 bytes, for pseudo-variables and transformations.</summary>
internal static class Utf8Values
{
    /// <summary>
    /// The UTF-8 bytes of a value: a byte view as it is; a string or an integer encoded into
    /// <paramref name="scratch"/> when it fits, else into a new array. NULL is empty.
    /// </summary>
    public static ReadOnlySpan<byte> Get(scoped in ScriptValue value, Span<byte> scratch)
    {
        switch (value.Kind)
        {
            case ScriptValueKind.Bytes:
                return value.Utf8Bytes;
            case ScriptValueKind.Int:
                value.Int.TryFormat(scratch, out var written, default, CultureInfo.InvariantCulture);
                return scratch[..written];
            case ScriptValueKind.String:
                var s = value.StringOrNull!;
                var count = Encoding.UTF8.GetByteCount(s);
                var destination = count <= scratch.Length ? scratch : new byte[count];
                return destination[..Encoding.UTF8.GetBytes(s, destination)];
            default:
                return default;
        }
    }

    /// <summary>
    /// The value as a byte view, so its parts can be returned as views too: byte views are returned as they are,
    /// strings and integers are encoded into a new array (owned by the result). NULL stays NULL.
    /// </summary>
    public static ScriptValue AsView(in ScriptValue value)
    {
        switch (value.Kind)
        {
            case ScriptValueKind.Bytes:
            case ScriptValueKind.Null:
                return value;
            case ScriptValueKind.Int:
                Span<byte> digits = stackalloc byte[24];
                value.Int.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
                return ScriptValue.FromBytes(digits[..n].ToArray(), 0, n);
            default:
                var bytes = Encoding.UTF8.GetBytes(value.StringOrNull!);
                return ScriptValue.FromBytes(bytes, 0, bytes.Length);
        }
    }

    /// <summary>A byte view over a new array holding <paramref name="bytes"/> (for results that are not part of the input).</summary>
    public static ScriptValue Copy(ReadOnlySpan<byte> bytes)
    {
        var array = bytes.ToArray();
        return ScriptValue.FromBytes(array, 0, array.Length);
    }
}
