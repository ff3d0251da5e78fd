namespace Parley.Cli;

/// <summary>The command line asks for something that cannot be sent (exit code <see cref="ExitCodes.Usage"/>).</summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
