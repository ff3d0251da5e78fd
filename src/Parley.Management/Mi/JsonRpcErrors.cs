namespace Parley.Management.Mi;

/// <summary>JSON-RPC 2.0 error codes and the exact texts OpenSIPS's MI uses.</summary>
public static class JsonRpcErrors
{
    public const int ParseErrorCode = -32700;
    public const string ParseErrorMessage = "Parse error";
    public const int InvalidRequestCode = -32600;
    public const string InvalidRequestMessage = "Invalid Request";
    public const int MethodNotFoundCode = -32601;
    public const string MethodNotFoundMessage = "Method not found";
    public const int InvalidParamsCode = -32602;
    public const string InvalidParamsMessage = "Invalid params";
    public const int InternalErrorCode = -32603;
    public const string InternalErrorMessage = "Internal error";
    public const int ServerErrorCode = -32000;
    public const string ServerErrorMessage = "Server error";

    /// <summary>Positional params sent to a named-only command.</summary>
    public const string NamedOnlyData = "Command only supports named parameters";
    /// <summary>No recipe has as many parameters as were sent.</summary>
    public const string CountMismatchData = "Too few or too many parameters";
    /// <summary>A recipe has the right count but the names differ.</summary>
    public const string NamesMismatchData = "Named parameters do not match";
    /// <summary>Several recipes take as many positional parameters as were sent.</summary>
    public const string AmbiguousData = "Ambiguous call, use named parameters instead";
}
