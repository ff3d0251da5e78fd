namespace Parley.Scripting.Syntax;

/// <summary>
/// Unwinds the recursive-descent parser to the nearest recovery point after a diagnostic has been
/// recorded. Never escapes <see cref="Parser"/>.
/// </summary>
internal sealed class ParseAbortException : Exception
{
    public ParseAbortException()
    {
    }

    public ParseAbortException(string message)
        : base(message)
    {
    }

    public ParseAbortException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
