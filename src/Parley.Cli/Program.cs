using System.CommandLine;
using Parley.Cli;

// Ctrl-C/SIGTERM cancel the running command; `events` then has time to unsubscribe.
return await CliCommand.RunAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) })
    .ConfigureAwait(false);
