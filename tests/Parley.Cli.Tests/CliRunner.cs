using System.CommandLine;

namespace Parley.Cli.Tests;

/// <summary>Runs the <c>parley-cli</c> entry point in-process with captured stdout/stderr and no environment.</summary>
internal static class CliRunner
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string[] args,
        Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            ProcessTerminationTimeout = null, // the test process's own signals stay alone
        };
        int exit = await CliCommand.RunAsync(args, configuration, environment ?? (_ => null), cancellationToken);
        return (exit, stdout.ToString()!, stderr.ToString());
    }
}
