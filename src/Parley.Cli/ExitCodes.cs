namespace Parley.Cli;

/// <summary>
/// <c>parley-cli</c>'s exit codes. opensips-cli exits 255 (<c>sys.exit(-1)</c>) for every failure; Parley keeps
/// "non-zero on failure" and tells the kinds apart so scripts can react.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary>The server answered with a JSON-RPC error (unknown command, bad parameters, a command-level error).</summary>
    public const int MiError = 1;

    /// <summary>The server could not be asked: connection refused, timeout, HTTP status other than 200, a body that is not JSON-RPC.</summary>
    public const int CommunicationError = 2;

    /// <summary>The command line is wrong (parse errors, named and positional parameters mixed, a bad option value).</summary>
    public const int Usage = 64;
}
