using Microsoft.Extensions.Logging;
using Parley.Management;
using Parley.Management.Fifo;
using Parley.Management.Http;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Server.Configuration;
using Parley.Server.Core;
using Parley.Protocol;
using Parley.Transport;

namespace Parley.Server;

/// <summary>What the command line hands the server: the loaded configuration and the parts built before it loaded.</summary>
internal sealed record ServerParts(ServerConfig Config, CompiledScript? Script, ManagementServices Management, ILoggerFactory Loggers, ServerMiHost MiHost);

/// <summary>The composition root: wires transport, core dispatch, the message pipeline and management, and runs until cancelled.</summary>
internal static partial class ParleyServer
{
    public static async Task<int> RunAsync(ServerParts parts, CancellationToken cancellationToken)
    {
        var (config, script, management, loggerFactory, miHost) = parts;
        var logger = loggerFactory.CreateLogger("Parley");

        var options = new SipTransportOptions
        {
            // One receive loop per UDP socket keeps the kernel's datagram order up to the Call-ID dispatch
            // (docs/ARCHITECTURE.md, invariant 5); the workers behind it use every core.
            UdpReceiveLoopsPerSocket = 1,
            MaxMessageSize = config.MaxMessageSize,
            TcpIdleTimeout = TimeSpan.FromSeconds(config.TcpConnectionLifetime),
        };
        foreach (var socket in config.Sockets)
        {
            if (!ListenAddress.TryParse(socket, out var address, out var error))
            {
                throw new InvalidOperationException(error); // validated at load; unreachable unless the loader and parser disagree
            }

            options.ListenAddresses.Add(address);
        }

        var statistics = new CoreStatistics(management.Statistics, management.Time);
        var slow = new SlowMessageMeter(config.ExecMsgThresholdMicroseconds, statistics, logger);
        SipTransportLayer? transport = null;
        var aliases = new List<HostAlias>();
        foreach (var alias in config.Aliases)
        {
            if (HostAlias.TryParse(alias) is { } parsed)
            {
                aliases.Add(parsed);
            }
        }

        var host = new ProxyHost(new ListenerView(() => transport!), new TransportSender(() => transport!, logger), loggerFactory, HostResolver(logger))
        {
            DisableDnsFailover = config.DisableDnsFailover,
            Aliases = aliases,
            ServerHeader = config.ServerHeader,
            UserAgentHeader = config.UserAgentHeader,
        };
        Func<int, IMessageProcessor> processors = script is null
            ? _ => new EmptyProcessor(statistics)
            : _ => new ScriptProcessor(new ScriptPipeline(script, host), statistics, slow, logger);
        var core = new SipCore(config.UdpWorkers, processors, new TransportReplySender(() => transport!), statistics, config.ServerHeader, logger);
        transport = new SipTransportLayer(options, core, loggerFactory);

        // Modules start before the sockets read anything: dialog loads its saved calls first, so the first in-dialog
        // request after a restart already finds its dialog.
        var hosted = new List<IHostedModule>();
        if (script is not null)
        {
            foreach (var module in script.Registry.Modules)
            {
                if (module is IHostedModule h)
                {
                    try
                    {
                        h.Start(host);
                    }
                    catch (InvalidOperationException e)
                    {
                        LogModuleStartFailed(logger, module.Name, e.Message);
                        await StopModulesAsync(hosted).ConfigureAwait(false);
                        await core.StopAsync().ConfigureAwait(false);
                        await transport.DisposeAsync().ConfigureAwait(false);
                        return 2;
                    }

                    hosted.Add(h);
                }
            }
        }

        try
        {
            transport.Start();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            LogBindFailed(logger, e.Message);
            await StopModulesAsync(hosted).ConfigureAwait(false);
            await core.StopAsync().ConfigureAwait(false);
            await transport.DisposeAsync().ConfigureAwait(false);
            return 2;
        }

        using var timers = new CancellationTokenSource();
        var timerTask = Task.CompletedTask;
        if (script is not null)
        {
            // startup_route and timer routes run on their own context, never on a worker's; event routes on another,
            // owned by the event delivery loop.
            var own = new ScriptPipeline(script, host);
            own.RunStartup();
            timerTask = ScriptTimers.RunAsync(script, own, logger, timers.Token);
            management.Events.ScriptSink = EventRoutes.CreateSink(script, new ScriptPipeline(script, host), logger);
            management.Events.ScriptSinkFilter = name => script.FindRoute(RouteType.Event, name) is not null;
        }

        management.Events.Start();
        var roles = new List<string> { "attendant" };
        foreach (var listener in transport.Listeners)
        {
            roles.Add($"{(listener.Transport == SipTransport.Udp ? "UDP receiver" : "TCP receiver")} {listener}");
        }

        for (var i = 0; i < config.UdpWorkers; i++)
        {
            roles.Add($"SIP worker {i}");
        }

        roles.Add("time_keeper");
        roles.Add("event delivery");
        // OpenSIPS refuses to run when httpd cannot bind or mi_fifo cannot create its FIFO; so does Parley.
        var failed = false;
        await using var http = management.Http.Enabled
            ? new ManagementHttpServer(management.Http, management.Dispatcher, management.Statistics, loggerFactory)
            : null;
        if (http is not null)
        {
            try
            {
                await http.StartAsync(cancellationToken).ConfigureAwait(false);
                roles.Add($"HTTPD {http.BoundEndPoint}");
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                LogHttpBindFailed(logger, management.Http.Ip, management.Http.Port, e);
                failed = true;
            }
        }

        await using var fifo = !failed && management.Fifo is { } fifoOptions
            ? new MiFifoServer(fifoOptions, management.Dispatcher, loggerFactory.CreateLogger("Parley.Management.Fifo"))
            : null;
        if (fifo is not null)
        {
            try
            {
                await fifo.StartAsync(cancellationToken).ConfigureAwait(false);
                roles.Add($"MI FIFO {fifo.FifoPath}");
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                LogFifoFailed(logger, fifo.FifoPath, e);
                failed = true;
            }
        }

        if (!failed)
        {
            miHost.SetRoles(roles);
            LogReady(logger, ParleyCommand.Version, config.UdpWorkers);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await timers.CancelAsync().ConfigureAwait(false);
        await timerTask.ConfigureAwait(false);

        LogStopping(logger);
        await StopModulesAsync(hosted).ConfigureAwait(false);

        await transport.StopAsync().ConfigureAwait(false);
        await core.StopAsync().ConfigureAwait(false);
        await transport.DisposeAsync().ConfigureAwait(false);
        if (failed)
        {
            return 2;
        }

        LogStopped(logger, statistics.RcvRequests, statistics.RcvReplies, statistics.ErrRequests, statistics.ErrReplies);
        return 0;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Parley ready (version {Version}, {Workers} workers)")]
    private static partial void LogReady(ILogger logger, string version, int workers);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Stopping")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Stopped: {Requests} requests, {Replies} replies received; {BadRequests} malformed requests refused, {BadReplies} malformed replies dropped")]
    private static partial void LogStopped(ILogger logger, long requests, long replies, long badRequests, long badReplies);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "mi_fifo cannot create {Fifo}")]
    private static partial void LogFifoFailed(ILogger logger, string fifo, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Critical, Message = "httpd cannot listen on {Ip}:{Port}")]
    private static partial void LogHttpBindFailed(ILogger logger, string ip, int port, Exception exception);

    private static async Task StopModulesAsync(List<IHostedModule> hosted)
    {
        foreach (var h in hosted)
        {
            await h.StopAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Critical, Message = "Not started: module {Module}: {Reason}")]
    private static partial void LogModuleStartFailed(ILogger logger, string module, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical, Message = "Cannot listen: {Reason}")]
    private static partial void LogBindFailed(ILogger logger, string reason);

    /// <summary>
    /// DNS, or, when the environment variable <see cref="HostsFileResolver.EnvironmentVariable"/> names a hosts-format
    /// file, that file's names first (tests give a name several addresses that way).
    /// </summary>
    private static IHostResolver? HostResolver(ILogger logger)
    {
        if (Environment.GetEnvironmentVariable(HostsFileResolver.EnvironmentVariable) is not { Length: > 0 } path)
        {
            return null;
        }

        try
        {
            var resolver = HostsFileResolver.Load(path, DnsHostResolver.Instance);
            LogHostsFile(logger, path);
            return resolver;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            LogHostsFileFailed(logger, path, e.Message);
            return null;
        }
    }

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Host names of {Path} are answered before DNS")]
    private static partial void LogHostsFile(ILogger logger, string path);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Cannot read the hosts file {Path}: {Reason}; using DNS only")]
    private static partial void LogHostsFileFailed(ILogger logger, string path, string reason);

    /// <summary>The transport's listeners, read when asked (they exist once the transport has started).</summary>
    private sealed class ListenerView(Func<SipTransportLayer> transport) : IReadOnlyList<SipListener>
    {
        public int Count => transport().Listeners.Count;

        public SipListener this[int index] => transport().Listeners[index];

        public IEnumerator<SipListener> GetEnumerator() => transport().Listeners.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
