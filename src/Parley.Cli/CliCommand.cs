using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Parley.Cli;

/// <summary>
/// The <c>parley-cli</c> command line: <c>mi</c> (opensips-cli's <c>-x mi</c>), <c>stats</c> and <c>events</c>, all
/// talking JSON-RPC to the server's MI over HTTP.
/// </summary>
internal static class CliCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8888/mi";
    public const string UrlVariable = "PARLEY_MI_URL";
    public const int DefaultTimeoutSeconds = 30;

    private const string ExitCodesHelp =
        "Exit codes: 0 success, 1 the MI answered with an error, 2 the MI could not be reached or did not answer JSON-RPC, " +
        "64 bad command line.";

    public static string Version =>
        typeof(CliCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>Arguments such as <c>@alice</c> are values, not response files.</summary>
    public static ParserConfiguration ParserConfiguration => new() { ResponseFileTokenReplacer = null };

    /// <summary>Parses and runs a command line; the exit code. Parse errors go to the configuration's error writer.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, InvocationConfiguration configuration,
        Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var parse = Build(environment).Parse(args, ParserConfiguration);
        if (parse.Action is ParseErrorAction)
        {
            var error = configuration.Error;
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"ERROR: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Try 'parley-cli --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    public static RootCommand Build(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var url = new Option<string>("--url")
        {
            Description = $"MI JSON-RPC endpoint (OpenSIPS mi_http). Default: ${UrlVariable}, else {DefaultUrl}.",
            DefaultValueFactory = _ => environment(UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultUrl,
            HelpName = "URL",
            Recursive = true,
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for each MI reply.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
            HelpName = "SECONDS",
            Recursive = true,
        };

        var root = new RootCommand(
            "parley-cli: talk to a running Parley through its MI (JSON-RPC over HTTP), like opensips-cli. " + ExitCodesHelp)
        {
            url,
            timeout,
        };
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                // The default prints the entry assembly's version, which is the test host's when run in-process.
                version.Action = new PrintVersionAction();
            }
        }

        var options = new Connection(url, timeout);
        root.Subcommands.Add(BuildMi(options));
        root.Subcommands.Add(BuildStats(options));
        root.Subcommands.Add(BuildEvents(options));
        return root;
    }

    private static Command BuildMi(Connection connection)
    {
        var name = new Argument<string>("command") { Description = "MI command, e.g. version, which, get_statistics, dlg_list." };
        var parameters = new Argument<string[]>("params")
        {
            Description =
                "Parameters: all name=value (named, sent as an object) or all plain values (positional, sent as an array); " +
                "values are sent as strings. get_/list_/reset_statistics (and the other commands opensips-cli knows take an " +
                "array) gather positional values into one array, and split a named array value on spaces " +
                "(statistics=\"dialog: tm:\"). Put -- before values that start with '-'.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var raw = new Option<bool>("--raw")
        {
            Description = "Print the whole JSON-RPC response body as received (errors included; the exit code still tells them apart).",
        };
        var mi = new Command("mi", "Run an MI command and print its result as indented JSON (opensips-cli -x mi <command> [params…]).")
        {
            name,
            parameters,
            raw,
        };
        mi.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            string command = parse.GetValue(name)!;
            JsonNode parameterNode;
            try
            {
                parameterNode = MiParams.Build(command, parse.GetValue(parameters) ?? []);
            }
            catch (CliUsageException ex)
            {
                await error.WriteLineAsync($"ERROR: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            using var client = connection.CreateClient(parse, out string? problem);
            if (client is null)
            {
                await error.WriteLineAsync($"ERROR: {problem}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var reply = await client.CallAsync(command, parameterNode, cancellationToken).ConfigureAwait(false);
            if (reply.Kind == MiReplyKind.Failure)
            {
                return await OutputFormatter.ReportAsync(error, command, reply, client.Url).ConfigureAwait(false);
            }

            if (parse.GetValue(raw))
            {
                await output.WriteLineAsync(reply.Body).ConfigureAwait(false);
                return reply.Kind == MiReplyKind.Result ? ExitCodes.Success : ExitCodes.MiError;
            }

            if (reply.Kind == MiReplyKind.Error)
            {
                return await OutputFormatter.ReportAsync(error, command, reply, client.Url).ConfigureAwait(false);
            }

            await output.WriteLineAsync(OutputFormatter.Pretty(reply.Result)).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return mi;
    }

    private static Command BuildStats(Connection connection)
    {
        var items = new Argument<string[]>("statistics")
        {
            Description = "What to show: all (the default), a group (core:, tm:, dialog:…) or a statistic name (with or without its group).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var stats = new Command("stats", "Show statistics as 'group:name = value' lines, in the server's order (MI get_statistics).")
        {
            items,
        };
        stats.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            string[] wanted = parse.GetValue(items) is { Length: > 0 } given ? given : ["all"];
            var list = new JsonArray();
            foreach (var item in wanted)
            {
                list.Add(JsonValue.Create(item));
            }

            using var client = connection.CreateClient(parse, out string? problem);
            if (client is null)
            {
                await error.WriteLineAsync($"ERROR: {problem}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            const string method = "get_statistics";
            var reply = await client.CallAsync(method, new JsonObject { ["statistics"] = list }, cancellationToken).ConfigureAwait(false);
            if (reply.Kind != MiReplyKind.Result)
            {
                return await OutputFormatter.ReportAsync(error, method, reply, client.Url).ConfigureAwait(false);
            }

            foreach (var line in OutputFormatter.StatisticsLines(reply.Result))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return stats;
    }

    private static Command BuildEvents(Connection connection)
    {
        var name = new Argument<string>("event") { Description = "Event name, e.g. E_CORE_THRESHOLD, E_DLG_STATE_CHANGED." };
        var expire = new Option<int>("--expire")
        {
            Description = "Subscription lifetime in seconds; renewed before it runs out.",
            DefaultValueFactory = _ => EventSubscriber.DefaultExpire,
            HelpName = "SECONDS",
        };
        var listen = new Option<string>("--listen")
        {
            Description = "Local UDP address (and port) the server sends the events to; port 0 or none picks a free one.",
            DefaultValueFactory = _ => "127.0.0.1",
            HelpName = "IP[:PORT]",
        };
        var count = new Option<int?>("--count")
        {
            Description = "Stop after this many events (default: run until Ctrl-C or SIGTERM).",
            HelpName = "N",
        };
        var events = new Command("events",
            "Subscribe to an event (MI event_subscribe with a udp: socket) and print each notification as one JSON line; " +
            "unsubscribes on Ctrl-C, SIGTERM or after --count events.")
        {
            name,
            expire,
            listen,
            count,
        };
        events.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            int lifetime = parse.GetValue(expire);
            int? limit = parse.GetValue(count);
            System.Net.IPEndPoint endpoint;
            try
            {
                if (lifetime < 1)
                {
                    throw new CliUsageException($"--expire must be at least 1 second (0 would unsubscribe), not {lifetime}");
                }

                if (limit is < 1)
                {
                    throw new CliUsageException($"--count must be at least 1, not {limit}");
                }

                endpoint = EventSubscriber.ParseListen(parse.GetValue(listen)!);
            }
            catch (CliUsageException ex)
            {
                await error.WriteLineAsync($"ERROR: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            using var client = connection.CreateClient(parse, out string? problem);
            if (client is null)
            {
                await error.WriteLineAsync($"ERROR: {problem}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var subscriber = new EventSubscriber(client, parse.GetValue(name)!, endpoint, lifetime, limit,
                parse.InvocationConfiguration.Output, error);
            return await subscriber.RunAsync(cancellationToken).ConfigureAwait(false);
        });
        return events;
    }

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return ExitCodes.Success;
        }
    }

    /// <summary>The options every command shares to reach the MI.</summary>
    private sealed record Connection(Option<string> Url, Option<double> Timeout)
    {
        public MiClient? CreateClient(ParseResult parse, out string? problem)
        {
            string text = parse.GetValue(Url)!;
            double seconds = parse.GetValue(Timeout);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problem = $"--url '{text}' is not an http:// or https:// URL";
                return null;
            }

            if (!(seconds > 0) || seconds > int.MaxValue / 1000)
            {
                problem = $"--timeout must be a positive number of seconds, not {seconds}";
                return null;
            }

            problem = null;
            return new MiClient(uri, TimeSpan.FromSeconds(seconds));
        }
    }
}
