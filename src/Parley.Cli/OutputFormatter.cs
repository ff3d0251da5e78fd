using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Parley.Cli;

/// <summary>How replies and errors are written: opensips-cli's texts, Parley's exit codes.</summary>
internal static class OutputFormatter
{
    private static readonly JsonWriterOptions PrettyOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = true,
        IndentSize = 4,
        NewLine = "\n",
    };

    private static readonly JsonWriterOptions CompactOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>The result as opensips-cli's default <c>pretty-print</c> output type shows it: Python's <c>json.dumps(result, indent=4)</c>.</summary>
    public static string Pretty(JsonElement value) => Write(value, PrettyOptions);

    /// <summary>The value on one line.</summary>
    public static string Compact(JsonElement value) => Write(value, CompactOptions);

    /// <summary>
    /// <c>get_statistics</c>' flat object as <c>group:name = value</c> lines, in the order the server returned them
    /// (the <c>opensipsctl fifo get_statistics</c> listing). A result that is not an object is shown pretty-printed.
    /// </summary>
    public static List<string> StatisticsLines(JsonElement result)
    {
        var lines = new List<string>();
        if (result.ValueKind != JsonValueKind.Object)
        {
            lines.Add(Pretty(result));
            return lines;
        }

        foreach (var stat in result.EnumerateObject())
        {
            string value = stat.Value.ValueKind == JsonValueKind.String ? stat.Value.GetString()! : Compact(stat.Value);
            lines.Add($"{stat.Name} = {value}");
        }

        return lines;
    }

    /// <summary>
    /// A JSON-RPC error as opensips-cli prints it (<c>comm.py</c> logging <c>JSONRPCError</c>):
    /// <c>ERROR: command 'get_statistics' returned: -32602: Invalid params (Named parameters do not match)</c>.
    /// </summary>
    public static string MiErrorLine(string method, MiReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var line = new StringBuilder()
            .Append("ERROR: command '").Append(method).Append("' returned: ")
            .Append(reply.ErrorCode).Append(": ").Append(reply.ErrorMessage);
        if (reply.ErrorData is not null)
        {
            line.Append(" (").Append(reply.ErrorData).Append(')');
        }

        return line.ToString();
    }

    /// <summary>A communication failure as opensips-cli reports a <c>JSONRPCException</c>, then its hint (with the URL).</summary>
    public static string[] FailureLines(string method, MiReply reply, Uri url)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return
        [
            $"ERROR: communication exception for '{method}' returned: {reply.FailureMessage}",
            $"ERROR: Is Parley running? (MI URL {url})",
        ];
    }

    /// <summary>Writes an error or failure reply to <paramref name="error"/> and returns the exit code for it.</summary>
    public static async Task<int> ReportAsync(TextWriter error, string method, MiReply reply, Uri url)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(reply);
        switch (reply.Kind)
        {
            case MiReplyKind.Error:
                await error.WriteLineAsync(MiErrorLine(method, reply)).ConfigureAwait(false);
                return ExitCodes.MiError;
            case MiReplyKind.Failure:
                foreach (var line in FailureLines(method, reply, url))
                {
                    await error.WriteLineAsync(line).ConfigureAwait(false);
                }

                return ExitCodes.CommunicationError;
            default:
                return ExitCodes.Success;
        }
    }

    private static string Write(JsonElement value, JsonWriterOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
