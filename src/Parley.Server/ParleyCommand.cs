using System.CommandLine;
using System.Reflection;
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
            var (config, script, errors) = ConfigLoader.LoadFile(path);
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

            return await ParleyServer.RunAsync(config, script, cancellationToken).ConfigureAwait(false);
        });
        return root;
    }

    public static string Version =>
        typeof(ParleyCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
