using System.Globalization;
using Microsoft.Extensions.Logging;
using Parley.Management;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Matching;
using Parley.Transactions.Proxy;
using Parley.Transactions.Timers;

namespace Parley.Transactions;

/// <summary>
/// OpenSIPS's <c>tm</c> module: stateful proxying. This slice: <c>t_relay([flags[, proxy]])</c>, <c>t_reply</c>,
/// <c>t_newtran</c>, <c>t_check_trans</c>, <c>t_on_failure</c>/<c>t_on_reply</c>/<c>t_on_branch</c>,
/// <c>t_check_status</c>, <c>t_was_cancelled</c>, <c>t_add_cancel_reason</c>, <c>$T_reply_code</c>,
/// <c>$T_branch_idx</c>, <c>$T_id</c>, <c>$T_ruri</c>, every parameter, the <c>tm:</c> statistics, and stateful
/// replies for <c>send_reply</c>.
/// </summary>
public sealed partial class TmModule : ScriptModule, IReplyHandler, IStatefulReplier, IHostedModule, IDisposable
{
    private readonly ManagementServices _management;
    private readonly TmOptions _options = new();
    private TmCore? _core;
    private TimerWheel[] _wheels = [];
    private CancellationTokenSource? _running;
    private Task _wheelTask = Task.CompletedTask;
    private ScriptRegistry? _registry;
    private ILogger? _logger;

    public TmModule(ManagementServices management)
    {
        ArgumentNullException.ThrowIfNull(management);
        _management = management;
    }

    public override string Name => "tm";

    public override IReadOnlyList<ModuleParameter> Parameters => _options.Parameters;

    public TmOptions Options => _options;

    internal TmCore Core => _core ?? throw new InvalidOperationException("tm is not initialized");

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        const RouteMask RequestOrFailure = RouteMask.Request | RouteMask.Failure;
        const RouteMask Transactional = RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.OnReply;
        Add(registry, "t_relay", 0, 2, RequestOrFailure, BindRelay);
        Add(registry, "t_reply", 2, 2, RequestOrFailure, BindReply);
        Add(registry, "t_newtran", 0, 0, RouteMask.Request, _ => c => Core.NewTransaction(c) switch { 1 => 1, 0 => 0, _ => -1 });
        Add(registry, "t_check_trans", 0, 0, RouteMask.Request | RouteMask.Branch | RouteMask.Failure, _ => c => Core.CheckTransaction(c));
        Add(registry, "t_on_failure", 1, 1, Transactional, b => BindRoute(b, RouteType.Failure, (s, r) => s.FailureRoute = r));
        Add(registry, "t_on_reply", 1, 1, Transactional, b => BindRoute(b, RouteType.OnReply, (s, r) => s.ReplyRoute = r));
        Add(registry, "t_on_branch", 1, 1, Transactional, b => BindRoute(b, RouteType.Branch, (s, r) => s.BranchRoute = r));
        Add(registry, "t_check_status", 1, 1, Transactional, BindCheckStatus);
        Add(registry, "t_was_cancelled", 0, 0, RouteMask.Failure | RouteMask.OnReply | RouteMask.Branch, _ => WasCancelled);
        Add(registry, "t_add_cancel_reason", 1, 1, RouteMask.Request, BindCancelReason);
        Add(registry, "t_anycast_replicate", 0, 0, RouteMask.Request, _ => AnycastReplicate);
        RegisterUac(registry);
        RegisterDelivery(registry);
        registry.AddPseudoVariable("T_reply_code", _ => new PvAccessor("$T_reply_code", ReplyCode));
        registry.AddPseudoVariable("T_branch_idx", _ => new PvAccessor("$T_branch_idx", c =>
            c.GetState(TmCore.StateSlot) is { BranchIndex: >= 0 } s ? ScriptValue.FromInt(s.BranchIndex) : ScriptValue.Null));
        registry.AddPseudoVariable("T_id", _ => new PvAccessor("$T_id", c =>
            c.GetState(TmCore.StateSlot).Transaction is { } t ? ScriptValue.FromString(BranchId.TransactionId(t.Bucket, t.Label)) : ScriptValue.Null));
        registry.AddPseudoVariable("T_ruri", _ => new PvAccessor("$T_ruri", c =>
            c.GetState(TmCore.StateSlot) is { Transaction: { } t, BranchIndex: >= 0 } s && s.BranchIndex < t.Branches.Count
                ? ScriptValue.FromString(t.Branches[s.BranchIndex].Uri)
                : c.RequestUriValue));
        RegisterBranchControl(registry);
    }

    public override string? Initialize(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (_options.Validate() is { } problem)
        {
            return problem;
        }

        _registry = registry;
        if (InitializeDelivery(registry) is { } deliveryProblem)
        {
            return deliveryProblem;
        }

        registry.StatefulReplier = this;
        _wheels = CreateWheels();
        TmCore? core = null;
        var statisticsRegistry = _options.EnableStats ? _management.Statistics : new Management.Statistics.StatisticsRegistry();
        var statistics = new TmStatistics(statisticsRegistry, () => core?.Table.Count ?? 0);
        core = new TmCore(_options, statistics, _wheels, _management.Loggers.CreateLogger("Parley.Tm"));
        if (_options.MinorBranchFlag is { } minor)
        {
            var bit = registry.FlagBit(minor, branchFlag: true);
            if (bit < 0)
            {
                return $"minor_branch_flag '{minor}' is not a usable branch flag";
            }

            core.MinorBranchBit = bit;
        }

        _core = core;
        OnCoreCreated(core);
        return null;
    }

    public void Start(ProxyHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Core.Attach(host, _registry!);
        _running = new CancellationTokenSource();
        _wheelTask = RunWheels(_running.Token);
    }

    public async ValueTask StopAsync()
    {
        if (_running is { } running)
        {
            await running.CancelAsync().ConfigureAwait(false);
            await _wheelTask.ConfigureAwait(false);
            running.Dispose();
            _running = null;
        }

        DisposeWheels();
    }

    public void Dispose()
    {
        _running?.Dispose();
        DisposeWheels();
    }

    bool IReplyHandler.HandleReply(ScriptContext context, SipMessageEditor editor, out bool relayed) =>
        Core.HandleReply(context, editor, out relayed);

    bool IStatefulReplier.TryReply(ScriptContext context, int code, string reason) =>
        context.GetState(TmCore.StateSlot).Transaction is not null && Core.Reply(context, code, reason) > 0;

    /// <summary>Parses t_relay's flags: a CSV of names or the legacy number; null with an error for unknown names.</summary>
    internal static RelayFlags? ParseFlags(string text, out string? error)
    {
        error = null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var numeric))
        {
            return (RelayFlags)numeric & (RelayFlags.NoAuto477 | RelayFlags.NoDnsFailover | RelayFlags.PassReasonHeader | RelayFlags.AllowNoCancel);
        }

        var flags = RelayFlags.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part)
            {
                case "no-auto-477": flags |= RelayFlags.NoAuto477; break;
                case "no-dns-failover": flags |= RelayFlags.NoDnsFailover; break;
                case "pass-reason-hdr": flags |= RelayFlags.PassReasonHeader; break;
                case "allow-no-cancel": flags |= RelayFlags.AllowNoCancel; break;
                default:
                    error = $"unknown t_relay flag '{part}' (known: no-auto-477, no-dns-failover, pass-reason-hdr, allow-no-cancel)";
                    return null;
            }
        }

        return flags;
    }

    private void Add(ScriptRegistry registry, string name, int min, int max, RouteMask mask, Func<FunctionBinder, ScriptFunctionBody?> bind) =>
        registry.AddFunction(new ScriptFunctionDefinition(name, min, max, mask, bind) { Module = Name });

    private ScriptFunctionBody? BindRelay(FunctionBinder b)
    {
        var flags = RelayFlags.None;
        if (!b.IsMissing(0))
        {
            if (!b.TryGetConstantString(0, out var text))
            {
                return null;
            }

            if (ParseFlags(text, out var error) is not { } parsed)
            {
                b.Error(0, error!);
                return null;
            }

            flags = parsed;
        }

        string? proxy = null;
        if (!b.IsMissing(1))
        {
            if (!b.TryGetConstantString(1, out proxy))
            {
                return null;
            }

            if (!NextHop.TryParse(proxy, out _))
            {
                b.Error(1, $"'{proxy}' is not an outbound proxy such as udp:10.0.0.1:5060");
                return null;
            }
        }

        return context =>
        {
            var saved = context.DestinationUri;
            if (proxy is not null)
            {
                context.DestinationUri = proxy;
            }

            try
            {
                return Core.Relay(context, flags);
            }
            finally
            {
                if (proxy is not null)
                {
                    context.DestinationUri = saved;
                }
            }
        };
    }

    private ScriptFunctionBody? BindReply(FunctionBinder b)
    {
        var code = b.IntArgument(0);
        var reason = b.Argument(1);
        if (code is null || reason is null)
        {
            return null;
        }

        return context => Core.Reply(context, (int)code(context).AsInt(), reason.Evaluate(context).AsString());
    }

    private static ScriptFunctionBody? BindRoute(FunctionBinder b, RouteType type, Action<TmState, RouteHandle> set)
    {
        var route = b.RouteReference(0, type);
        if (route is null)
        {
            return null;
        }

        return context =>
        {
            var st = context.GetState(TmCore.StateSlot);
            set(st, route);

            // Armed once the transaction exists (request route after t_newtran, failure and onreply routes): applies to
            // it directly, as OpenSIPS's t_on_* do with a current T; a branch route's t_on_reply stays per branch.
            if (st.Transaction is { } tx && context.RouteType is RouteType.Failure or RouteType.OnReply or RouteType.Request)
            {
                lock (tx.Gate)
                {
                    if (type == RouteType.Failure)
                    {
                        tx.FailureRoute = route;
                    }
                    else if (type == RouteType.OnReply)
                    {
                        tx.ReplyRoute = route;
                    }
                    else
                    {
                        tx.BranchRoute = route;
                    }
                }
            }

            return 1;
        };
    }

    private static ScriptFunctionBody? BindCheckStatus(FunctionBinder b)
    {
        var regex = b.ConstantRegex(0);
        if (regex is null)
        {
            return null;
        }

        return context =>
        {
            var code = ReplyCode(context);
            if (code.IsNull)
            {
                return -1;
            }

            Span<char> digits = stackalloc char[3];
            ((int)code.AsInt()).TryFormat(digits, out var n, provider: CultureInfo.InvariantCulture);
            return ScriptRegex.IsMatch(context, regex, digits[..n]) ? 1 : -1;
        };
    }

    /// <summary>
    /// <c>t_anycast_replicate()</c>: broadcasting an unmatched CANCEL/ACK to the anycast cluster's other nodes needs the
    /// clusterer (the cluster issue). Until then there is no node to send to: -1, as OpenSIPS answers without a cluster.
    /// </summary>
    private int AnycastReplicate(ScriptContext context)
    {
        LogNoAnycastCluster(_logger ??= _management.Loggers.CreateLogger("Parley.Tm"), _options.TmReplicationCluster);
        return -1;
    }

    [LoggerMessage(EventId = 5020, Level = LogLevel.Debug,
        Message = "tm: t_anycast_replicate: no anycast cluster to replicate to (tm_replication_cluster {Cluster}; clustering is not implemented yet)")]
    private static partial void LogNoAnycastCluster(ILogger logger, int cluster);

    private static int WasCancelled(ScriptContext context) =>
        context.GetState(TmCore.StateSlot).Transaction is { Cancelled: true } ? 1 : -1;

    private static ScriptFunctionBody? BindCancelReason(FunctionBinder b)
    {
        var reason = b.Argument(0);
        if (reason is null)
        {
            return null;
        }

        return context =>
        {
            var text = reason.Evaluate(context).AsString();
            if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                return -1;
            }

            context.GetState(TmCore.StateSlot).CancelReason = System.Text.Encoding.UTF8.GetBytes(text);
            return 1;
        };
    }

    /// <summary><c>$T_reply_code</c>: reply routes the current reply, failure route the picked one, request route the last sent; NULL without a transaction.</summary>
    private static ScriptValue ReplyCode(ScriptContext context)
    {
        var st = context.GetState(TmCore.StateSlot);
        if (context.RouteType is RouteType.OnReply or RouteType.Failure && st.ReplyCode > 0)
        {
            return ScriptValue.FromInt(st.ReplyCode);
        }

        if (context.RouteType == RouteType.OnReply && context.Message is { IsResponse: true } reply)
        {
            return ScriptValue.FromInt(reply.StatusCode);
        }

        return st.Transaction is { } tx ? ScriptValue.FromInt(tx.LastStatus) : ScriptValue.Null;
    }
}
