using System.Text.Json.Nodes;

namespace Parley.Management.Mi;

/// <summary>Outcome of a MI command: a JSON result, or an error (code, message, optional data).</summary>
public sealed class MiResult
{
    private MiResult(JsonNode? value, bool isError, int code, string? message, string? data)
    {
        Value = value;
        IsError = isError;
        ErrorCode = code;
        ErrorMessage = message;
        ErrorData = data;
    }

    /// <summary>The result value (null is written as JSON null) when not an error.</summary>
    public JsonNode? Value { get; }

    public bool IsError { get; }

    public int ErrorCode { get; }

    public string? ErrorMessage { get; }

    public string? ErrorData { get; }

    /// <summary>The plain <c>"OK"</c> result of commands without data.</summary>
    public static MiResult Ok() => new(JsonValue.Create("OK"), false, 0, null, null);

    public static MiResult Success(JsonNode? value) => new(value, false, 0, null, null);

    /// <summary>A command-level error such as <c>404 "No such dialog"</c>.</summary>
    public static MiResult Error(int code, string message, string? data = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(null, true, code, message, data);
    }

    /// <summary>A -32602 "Invalid params" error with <paramref name="data"/> as details.</summary>
    public static MiResult InvalidParams(string data) =>
        Error(JsonRpcErrors.InvalidParamsCode, JsonRpcErrors.InvalidParamsMessage, data);
}
