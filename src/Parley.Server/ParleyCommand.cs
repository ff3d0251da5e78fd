using System.CommandLine;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Parley.Dialogs;
using Parley.Dialogs.Persistence;
using Parley.Management;
using Parley.Persistence;
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

        root.Subcommands.Add(BuildDb());

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

    /// <summary><c>parley db init [-f FILE] [--db-url URL]</c>: creates the dialog table (version 12) where db_url points.</summary>
    private static Command BuildDb()
    {
        var file = new Option<FileInfo>("--config-file", "-f")
        {
            Description = "The configuration file whose dialog module gives db_url, table_name and the *_column names.",
            DefaultValueFactory = _ => new FileInfo(DefaultConfig),
            HelpName = "FILE",
        };
        var url = new Option<string?>("--db-url")
        {
            Description = "The database to prepare, instead of the configuration's db_url (sqlite:///path/parley.db, postgres://user:pass@host[:port]/db).",
            HelpName = "URL",
        };
        var init = new Command("init", "Create what is missing of the dialog persistence schema (the version table, the dialog table and its version row).")
        {
            file,
            url,
        };
        init.SetAction((parse, cancellationToken) => DbInit.RunAsync(
            parse.GetValue(file)!.FullName, parse.GetResult(file) is { Implicit: false }, parse.GetValue(url), Console.Out, Console.Error,
            cancellationToken));
        return new Command("db", "Database tools for dialog persistence (db_mode 1-3).") { init };
    }

    public static string Version =>
        typeof(ParleyCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}

/// <summary><c>parley db init</c>: the schema an operator prepares before a server database is used (issue 7).</summary>
internal static class DbInit
{
    /// <param name="configPath">The configuration file.</param>
    /// <param name="configGiven">True when <c>-f</c> was on the command line (a missing file is then an error even with --db-url).</param>
    /// <param name="urlOverride">--db-url, replacing the dialog module's db_url.</param>
    public static async Task<int> RunAsync(string configPath, bool configGiven, string? urlOverride, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var schema = DialogTableSchema.Default;
        var url = urlOverride;
        if (configGiven || urlOverride is null || File.Exists(configPath))
        {
            var (_, script, errors) = ConfigLoader.LoadFile(configPath, Configuration.Modules.CreateCatalog());
            if (errors.Count > 0 || script is null)
            {
                foreach (var problem in errors)
                {
                    await error.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
                }

                await error.WriteLineAsync($"parley db init: {errors.Count} error(s) in {configPath}").ConfigureAwait(false);
                return 1;
            }

            DialogModule? dialog = null;
            foreach (var module in script.Registry.Modules)
            {
                dialog ??= module as DialogModule;
            }

            if (dialog is not null)
            {
                schema = new DialogTableSchema(dialog.Options.TableName, dialog.Options.Columns);
                url ??= dialog.Options.DbUrl;
            }
            else if (url is null)
            {
                await error.WriteLineAsync($"parley db init: {configPath} does not load the dialog module; load it (with modparam(\"dialog\", \"db_url\", …)) or give --db-url").ConfigureAwait(false);
                return 1;
            }
        }

        var factory = new DialogStoreFactory();
        if (factory.Check(url!) is { } badUrl)
        {
            await error.WriteLineAsync("parley db init: db_url: " + badUrl).ConfigureAwait(false);
            return 1;
        }

        var store = factory.Open(url!, schema);
        await using (store.ConfigureAwait(false))
        {
            try
            {
                await store.CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
                var version = await store.GetTableVersionAsync(cancellationToken).ConfigureAwait(false);
                if (version != DialogTableSchema.Version)
                {
                    await error.WriteLineAsync($"parley db init: {schema.TableName} table in {store.Description} has version {version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, this build needs {DialogTableSchema.Version}; migrate or drop it").ConfigureAwait(false);
                    return 1;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await error.WriteLineAsync($"parley db init: cannot prepare {store.Description}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await output.WriteLineAsync($"{schema.TableName} table version {DialogTableSchema.Version} ready in {store.Description}").ConfigureAwait(false);
            return 0;
        }
    }
}
