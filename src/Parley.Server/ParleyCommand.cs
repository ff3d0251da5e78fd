using System.CommandLine;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Parley.Management;
using Parley.Server.Configuration;

namespace Parley.Server;

/// <summary>The <c>parley</c> command line, shaped like <c>opensips</c>'s: <c>-f FILE</c>, <c>-c</c>, <c>-V</c>.</summary>
internal static class ParleyCommand
{
    public const string DefaultConfig = "examples/parley.cfg";

    public static RootCommand Build()
    {
        var file = new Option<FileInfo>("--config-file", "-f")
        {
            Description = "The configuration file (opensips.cfg syntax).",
            DefaultValueFactory = _ => new FileInfo(DefaultConfig),
            HelpName = "FILE",
        };
        var check = new Option<bool>("--check", "-c")
        {
            Description = "Check the configuration file, print every error as file:line:column, and exit (non-zero on errors).",
        };

        var root = new RootCommand("Parley: a stateful, dialog-aware SIP proxy that runs OpenSIPS-style routing scripts.")
        {
            file,
            check,
        };

        // opensips -V prints the version; keep --version too.
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Aliases.Add("-V");
            }
        }

        root.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!.FullName;

            // The loggers and the management plane exist before the script loads: modules register their MI
            // commands, statistics and events while it compiles, and MI log_level changes the level at run time.
            var levels = new LogLevelSwitch();
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .SetMinimumLevel(LogLevel.Trace)
                .AddFilter((_, level) => levels.IsEnabled(level))
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                }));
            var miHost = new ServerMiHost(levels, Environment.GetCommandLineArgs(), TimeProvider.System);
            await using var management = new ManagementServices(miHost, loggerFactory);
            var (config, script, errors) = ConfigLoader.LoadFile(path, Configuration.Modules.CreateCatalog(management));
            if (parse.GetValue(check))
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }

                await Console.Out.WriteLineAsync(errors.Count == 0
                    ? $"{path}: configuration OK"
                    : $"{path}: {errors.Count} error(s)").ConfigureAwait(false);
                return errors.Count == 0 ? 0 : 1;
            }

            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }

                await Console.Error.WriteLineAsync($"parley: not started, {errors.Count} error(s) in {path}").ConfigureAwait(false);
                return 1;
            }

            levels.Level = config.LogLevel;
            return await ParleyServer.RunAsync(new ServerParts(config, script, management, loggerFactory, miHost), cancellationToken).ConfigureAwait(false);
        });
        return root;
    }

    public static string Version =>
        typeof(ParleyCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
