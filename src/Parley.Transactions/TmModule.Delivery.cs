using Microsoft.Extensions.Logging;
using Parley.Scripting.Runtime;
using Parley.Transactions.Proxy;
using Parley.Transactions.Timers;

namespace Parley.Transactions;

/// <summary>
/// The delivery side of tm's script interface: <c>t_replicate(uri[, flags])</c>, <c>t_write_req(info, fifo)</c>,
/// <c>t_write_unix(info, socket)</c> with the <c>tw_append</c> and <c>unix_tx_timeout</c> parameters, and the
/// <c>timer_partitions</c> wheels.
/// </summary>
public sealed partial class TmModule
{
    private readonly Dictionary<string, TwAppend> _appends = new(StringComparer.OrdinalIgnoreCase);
    private ILogger? _deliveryLogger;

    /// <summary>The timer partitions (tests advance them by hand).</summary>
    internal IReadOnlyList<TimerWheel> Wheels => _wheels;

    private void RegisterDelivery(ScriptRegistry registry)
    {
        const RouteMask Writers = RouteMask.Request | RouteMask.Failure | RouteMask.Branch;
        Add(registry, "t_replicate", 1, 2, RouteMask.Request, BindReplicate);
        Add(registry, "t_write_req", 2, 2, Writers, b => BindWrite(b, unix: false));
        Add(registry, "t_write_unix", 2, 2, Writers, b => BindWrite(b, unix: true));
    }

    /// <summary>Parses the <c>tw_append</c> definitions once every module has registered its variables.</summary>
    private string? InitializeDelivery(ScriptRegistry registry)
    {
        _deliveryLogger = _management.Loggers.CreateLogger("Parley.Tm");
        foreach (var text in _options.TwAppend)
        {
            if (TwAppend.Parse(text, registry, out var error) is not { } append)
            {
                return $"tw_append {error}";
            }

            if (!_appends.TryAdd(append.Name, append))
            {
                return $"tw_append: duplicated name '{append.Name}'";
            }
        }

        return null;
    }

    private TimerWheel[] CreateWheels()
    {
        var wheels = new TimerWheel[Math.Max(1, _options.TimerPartitions)];
        for (var i = 0; i < wheels.Length; i++)
        {
            wheels[i] = new TimerWheel(_management.Time, TimeSpan.FromMilliseconds(100));
        }

        return wheels;
    }

    private Task RunWheels(CancellationToken cancellationToken)
    {
        var runs = new Task[_wheels.Length];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = _wheels[i].RunAsync(cancellationToken);
        }

        return Task.WhenAll(runs);
    }

    private void DisposeWheels()
    {
        foreach (var wheel in _wheels)
        {
            wheel.Dispose();
        }
    }

    private ScriptFunctionBody? BindReplicate(FunctionBinder b)
    {
        var uri = b.Argument(0);
        if (uri is null)
        {
            return null;
        }

        var flags = RelayFlags.None;
        if (!b.IsMissing(1))
        {
            if (!b.TryGetConstantString(1, out var text))
            {
                return null;
            }

            if (ParseFlags(text, out var error) is not { } parsed)
            {
                b.Error(1, error!);
                return null;
            }

            flags = parsed & RelayFlags.NoDnsFailover; // the only t_relay flag t_replicate honours
        }

        return context => Core.Replicate(context, uri.Evaluate(context).AsString(), flags);
    }

    /// <summary><c>t_write_req</c>/<c>t_write_unix</c>: info is <c>action[/append_name]</c> (a tw_append name), fixed when bound.</summary>
    private ScriptFunctionBody? BindWrite(FunctionBinder b, bool unix)
    {
        if (!b.TryGetConstantString(0, out var info))
        {
            return null;
        }

        var action = info;
        TwAppend? append = null;
        var slash = info.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            action = info[..slash];
            var name = info[(slash + 1)..];
            if (action.Length == 0)
            {
                b.Error(0, "empty action name");
                return null;
            }

            if (name.Length == 0)
            {
                b.Error(0, "empty append name");
                return null;
            }

            if (!_appends.TryGetValue(name, out append))
            {
                b.Error(0, $"unknown append name '{name}' (define it with modparam(\"tm\", \"tw_append\", \"{name}:…\"))");
                return null;
            }
        }

        var path = b.Argument(1);
        if (path is null)
        {
            return null;
        }

        return context =>
        {
            // OpenSIPS needs the transaction (t_newtran) to name it in the hash:label line.
            if (context.GetState(TmCore.StateSlot).Transaction is not { } tx)
            {
                LogWriteFailed(_deliveryLogger!, unix ? "t_write_unix" : "t_write_req", "no transaction (call t_newtran first)");
                return -1;
            }

            var data = TransactionWriter.Assemble(context, tx, action, append, out var error);
            var target = path.Evaluate(context).AsString();
            error ??= unix
                ? TransactionWriter.WriteToUnixSocket(target, data!, TimeSpan.FromSeconds(_options.UnixTxTimeoutSeconds))
                : TransactionWriter.WriteToFifo(target, data!);
            if (error is not null)
            {
                LogWriteFailed(_deliveryLogger!, unix ? "t_write_unix" : "t_write_req", error);
                return -1;
            }

            // The application answers through the MI (t_reply); if it does not in time, the transaction ends with a 408.
            Core.AddBlindBranch(tx);
            return 1;
        };
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "tm: {Function} failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string function, string reason);
}
