using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management.Events;
using Parley.Management.Http;
using Parley.Management.Mi;
using Parley.Management.Statistics;

namespace Parley.Management;

/// <summary>
/// The management plane of one running configuration: the MI command registry and its JSON-RPC dispatcher, the
/// statistics registry, the event bus, and the settings the management modules (<c>httpd</c>, <c>mi_http</c>,
/// <c>mi_fifo</c>, <c>prometheus</c>) collect from the script. Every module that owns data (tm, dialog) registers its
/// commands, statistics and events here, once, and every transport serves them.
/// </summary>
public sealed class ManagementServices : IAsyncDisposable
{
    /// <summary>
    /// Creates the registries and registers the core commands in OpenSIPS's order (statistics, then the core
    /// commands over <paramref name="coreHost"/> when given, then the event commands).
    /// </summary>
    public ManagementServices(ICoreMiHost? coreHost = null, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        Loggers = loggers ?? NullLoggerFactory.Instance;
        Time = time ?? TimeProvider.System;
        Statistics = new StatisticsRegistry();
        Commands = new MiCommandRegistry();
        Dispatcher = new JsonRpcDispatcher(Commands);
        Events = new EventBus(Statistics, Time, Loggers);
        StatisticsMiCommands.Register(Commands, Statistics);
        if (coreHost is not null)
        {
            CoreMiCommands.Register(Commands, coreHost);
        }

        EventMiCommands.Register(Commands, Events);
    }

    public ILoggerFactory Loggers { get; }

    public TimeProvider Time { get; }

    public MiCommandRegistry Commands { get; }

    public JsonRpcDispatcher Dispatcher { get; }

    public StatisticsRegistry Statistics { get; }

    public EventBus Events { get; }

    /// <summary>What <c>httpd</c>, <c>mi_http</c> and <c>prometheus</c> set; <see cref="HttpSettings.Enabled"/> once httpd is loaded.</summary>
    public HttpSettings Http { get; } = new();

    /// <summary>What <c>mi_fifo</c> set, or null when it is not loaded.</summary>
    public Fifo.MiFifoOptions? Fifo { get; set; }

    public ValueTask DisposeAsync()
    {
        Statistics.Dispose();
        return Events.DisposeAsync();
    }
}
