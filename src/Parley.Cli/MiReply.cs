using System.Text.Json;

namespace Parley.Cli;

/// <summary>What an MI call came back with.</summary>
internal enum MiReplyKind
{
    /// <summary>A JSON-RPC <c>result</c>.</summary>
    Result,

    /// <summary>A JSON-RPC <c>error</c> (or a reply with neither member, which opensips-cli reports as -32603).</summary>
    Error,

    /// <summary>No JSON-RPC reply at all: connection failure, HTTP status, a body that is not a JSON object.</summary>
    Failure,
}

/// <summary>
/// One MI reply, read as opensips-cli's <c>opensipscli/communication/jsonrpc_helper.py</c> (<c>get_reply</c>) reads it:
/// an <c>error</c> object wins (code defaults to 500), then <c>result</c>, and a reply with neither is
/// <c>-32603 Internal error</c>.
/// </summary>
internal sealed class MiReply
{
    private MiReply(MiReplyKind kind, string body)
    {
        Kind = kind;
        Body = body;
    }

    public MiReplyKind Kind { get; }

    /// <summary>The response body as received (empty when there was none).</summary>
    public string Body { get; }

    /// <summary>The <c>result</c> member (when <see cref="Kind"/> is <see cref="MiReplyKind.Result"/>).</summary>
    public JsonElement Result { get; private init; }

    /// <summary>The error code as text (a JSON number is kept as written).</summary>
    public string ErrorCode { get; private init; } = string.Empty;

    public string ErrorMessage { get; private init; } = string.Empty;

    /// <summary>The error's <c>data</c>, or null when absent or empty.</summary>
    public string? ErrorData { get; private init; }

    /// <summary>Why there is no JSON-RPC reply (when <see cref="Kind"/> is <see cref="MiReplyKind.Failure"/>).</summary>
    public string FailureMessage { get; private init; } = string.Empty;

    public static MiReply Failure(string message, string body = "") =>
        new(MiReplyKind.Failure, body) { FailureMessage = message };

    /// <summary>Reads an HTTP 200 response body.</summary>
    public static MiReply Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Failure($"could not decode json: '{Shorten(body)}'", body);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return Failure($"not a JSON-RPC reply: '{Shorten(body)}'", body);
        }

        // Python's json.loads keeps the last of repeated members.
        JsonElement error = default;
        JsonElement result = default;
        bool hasResult = false;
        foreach (var member in root.EnumerateObject())
        {
            if (member.NameEquals("error"))
            {
                error = member.Value;
            }
            else if (member.NameEquals("result"))
            {
                result = member.Value;
                hasResult = true;
            }
        }

        if (error.ValueKind == JsonValueKind.Object)
        {
            string code = "500";
            string message = "None";
            string? data = null;
            foreach (var member in error.EnumerateObject())
            {
                if (member.NameEquals("code"))
                {
                    code = Text(member.Value);
                }
                else if (member.NameEquals("message"))
                {
                    message = Text(member.Value);
                }
                else if (member.NameEquals("data"))
                {
                    data = IsEmpty(member.Value) ? null : Text(member.Value);
                }
            }

            return new MiReply(MiReplyKind.Error, body) { ErrorCode = code, ErrorMessage = message, ErrorData = data };
        }

        if (!hasResult)
        {
            return new MiReply(MiReplyKind.Error, body) { ErrorCode = "-32603", ErrorMessage = "Internal error" };
        }

        return new MiReply(MiReplyKind.Result, body) { Result = result };
    }

    private static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Null => "None",
        _ => e.GetRawText(),
    };

    /// <summary>Python's truthiness, which opensips-cli uses to decide whether to print <c>data</c>.</summary>
    private static bool IsEmpty(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined => true,
        JsonValueKind.String => e.GetString()!.Length == 0,
        JsonValueKind.Number => e.GetDouble() == 0,
        JsonValueKind.Array => e.GetArrayLength() == 0,
        JsonValueKind.Object => !e.EnumerateObject().MoveNext(),
        _ => false,
    };

    private static string Shorten(string body) => body.Length <= 200 ? body : string.Concat(body.AsSpan(0, 200), "…");
}
