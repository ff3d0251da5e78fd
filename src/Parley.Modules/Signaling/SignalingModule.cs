using Parley.Modules.Sl;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Signaling;

/// <summary>
/// OpenSIPS's <c>signaling</c> module: <c>send_reply(code, reason)</c> answers statefully when the request has a
/// transaction (tm's <see cref="IStatefulReplier"/>) and statelessly through <see cref="SlModule"/> otherwise, so a
/// script need not know which one applies.
/// </summary>
public sealed class SignalingModule : ScriptModule
{
    private const RouteMask SendReplyRoutes = RouteMask.Request | RouteMask.Error | RouteMask.Failure;

    private SlModule? _sl;
    private ScriptRegistry? _registry;

    /// <summary>Finds sl in the registry when the configuration is initialised.</summary>
    public SignalingModule()
    {
    }

    /// <summary>Uses <paramref name="sl"/> for stateless replies (composition without a registry, tests).</summary>
    public SignalingModule(SlModule sl)
    {
        ArgumentNullException.ThrowIfNull(sl);
        _sl = sl;
    }

    public override string Name => "signaling";

    public override IReadOnlyList<string> Dependencies => ["sl"];

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        registry.AddFunction(new ScriptFunctionDefinition("send_reply", 2, 2, SendReplyRoutes, Bind) { Module = Name });
    }

    public override string? Initialize(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _sl ??= registry.GetModule<SlModule>();
        return _sl is null ? "signaling needs the sl module: add loadmodule \"sl.so\"" : null;
    }

    /// <summary>
    /// Replies to the request being handled: within its transaction when tm has one (the replier is read at call time,
    /// since tm may register it after this module), else statelessly. Returns 1 when a reply went out, -1 otherwise.
    /// </summary>
    public int SendReply(ScriptContext context, int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(reason);
        if (code is < 100 or > 699)
        {
            return -1;
        }

        if (Replier(context) is { } replier && replier.TryReply(context, code, reason))
        {
            context.Replied = true;
            return 1;
        }

        return Sl.SendReply(context, code, reason);
    }

    /// <summary>tm's replier, from the running script's registry (or the one this module was registered in).</summary>
    private IStatefulReplier? Replier(ScriptContext context) => context.Registry.StatefulReplier ?? _registry?.StatefulReplier;

    private SlModule Sl => _sl ?? throw new InvalidOperationException("signaling was not initialised: sl is not loaded.");

    private ScriptFunctionBody? Bind(FunctionBinder binder)
    {
        var arguments = ReplyArguments.Bind(binder);
        if (arguments is null)
        {
            return null;
        }

        return context =>
        {
            if (!arguments.TryGetCode(context, out var code))
            {
                return -1;
            }

            // A stateful reply needs the reason as a string; without tm the bytes go straight to sl.
            return Replier(context) is null
                ? Sl.SendReply(context, code, arguments.ReasonBytes(context))
                : SendReply(context, code, arguments.ReasonString(context));
        };
    }
}
