using System.Text.RegularExpressions;
using Parley.Protocol.Text;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Rr;

/// <summary>The flow direction of an in-dialog request, relative to the request that created the dialog.</summary>
public enum RrDirection
{
    /// <summary>From the caller (UAC of the initial request) to the callee.</summary>
    Downstream,

    /// <summary>From the callee back to the caller.</summary>
    Upstream,
}

/// <summary>
/// OpenSIPS's <c>rr</c> module: Record-Route insertion (<c>record_route</c>, <c>record_route_preset</c>,
/// <c>add_rr_param</c>) and Route processing (<c>loose_route</c>, RFC 3261 §16.4, §16.6 step 6, §16.12), with the
/// dialog helpers <c>check_route_param</c>, <c>is_direction</c> and <c>$rr_params</c>. Every script function has a
/// typed method here, for tests and for other modules (dialog registers a loose-route callback).
/// </summary>
public sealed partial class RrModule : ScriptModule, ITransactionStateCarrier
{
    private static readonly ContextSlot<RrState> StateSlot = new();

    private readonly List<Action<ScriptContext, ReadOnlyMemory<byte>>> _looseRouteCallbacks = [];

    public override string Name => "rr";

    /// <summary><c>enable_double_rr</c> (default on): two Record-Routes when the request leaves by another interface.</summary>
    public bool EnableDoubleRr { get; set; } = true;

    /// <summary><c>append_fromtag</c> (default on): <c>;ftag=</c> with the From tag in our Record-Route.</summary>
    public bool AppendFromTag { get; set; } = true;

    /// <summary><c>add_username</c> (default off): the Request-URI's user part in our Record-Route URI.</summary>
    public bool AddUsername { get; set; }

    /// <summary><c>enable_full_lr</c> (default off): <c>;lr=on</c> instead of <c>;lr</c>, for user agents that drop a bare <c>lr</c>.</summary>
    public bool EnableFullLr { get; set; }

    /// <summary><c>enable_socket_mismatch_warning</c> (default on): warn when a double-RR Route names no local socket.</summary>
    public bool EnableSocketMismatchWarning { get; set; } = true;

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.Int("enable_double_rr", v => EnableDoubleRr = v != 0),
        ModuleParameter.Int("append_fromtag", v => AppendFromTag = v != 0),
        ModuleParameter.Int("add_username", v => AddUsername = v != 0),
        ModuleParameter.Int("enable_full_lr", v => EnableFullLr = v != 0),
        ModuleParameter.Int("enable_socket_mismatch_warning", v => EnableSocketMismatchWarning = v != 0),
    ];

    /// <summary>The Record-Route intent of the message (record_route/record_route_preset/add_rr_param), for tm's later branches.</summary>
    public object? Capture(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(StateSlot);
        if (!state.RecordRouteDone && state.AddedParams.Length == 0)
        {
            return null;
        }

        return new RecordRouteSnapshot(state.RecordRouteDone, state.Preset, state.DoublePreset, state.Preset1.Span.ToArray(),
            state.Preset2.Span.ToArray(), state.RecordRouteParams.Span.ToArray(), state.AddedParams.Span.ToArray());
    }

    public void Restore(ScriptContext context, object snapshot)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (snapshot is not RecordRouteSnapshot s)
        {
            return;
        }

        var state = context.GetState(StateSlot);
        state.RecordRouteDone = s.Done;
        state.Preset = s.Preset;
        state.DoublePreset = s.DoublePreset;
        Set(state.Preset1, s.Preset1);
        Set(state.Preset2, s.Preset2);
        Set(state.RecordRouteParams, s.Params);
        Set(state.AddedParams, s.Added);

        static void Set(ByteBuffer buffer, byte[] bytes)
        {
            buffer.Clear();
            buffer.Append(bytes);
        }
    }

    private sealed record RecordRouteSnapshot(bool Done, bool Preset, bool DoublePreset, byte[] Preset1, byte[] Preset2, byte[] Params, byte[] Added);

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        const RouteMask recordRoutes = RouteMask.Request | RouteMask.Branch | RouteMask.Failure;
        registry.AddFunction(new ScriptFunctionDefinition("loose_route", 0, 0, RouteMask.Request, _ => LooseRoute) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("record_route", 0, 1, recordRoutes, BindRecordRoute) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("record_route_preset", 1, 2, recordRoutes, BindRecordRoutePreset) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("add_rr_param", 1, 1, recordRoutes, BindAddRrParam) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("check_route_param", 1, 1, RouteMask.Request, BindCheckRouteParam) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("is_direction", 1, 1, RouteMask.Request, BindIsDirection) { Module = Name });
        registry.AddPseudoVariable("rr_params", _ => new PvAccessor("$rr_params", RrParamsValue));
        registry.AddForwardHook(new RecordRouteHook(this));
    }

    /// <summary>
    /// Registers a callback run each time <see cref="LooseRoute"/> processes a Route set (OpenSIPS's <c>register_rrcb</c>;
    /// the dialog module matches sequential requests here). It gets the URI parameters of our Route that was consumed,
    /// without the leading ';' (<c>lr;ftag=a;did=b</c>), or an empty span when the top Route was not ours. The memory is
    /// valid only during the call. Register at start-up, not while messages are handled.
    /// </summary>
    public void RegisterLooseRouteCallback(Action<ScriptContext, ReadOnlyMemory<byte>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _looseRouteCallbacks.Add(callback);
    }

    /// <summary>
    /// The URI parameters of our Route consumed by <see cref="LooseRoute"/>, without the leading ';'
    /// (<c>lr;ftag=a;did=b</c>): OpenSIPS's <c>$rr_params</c>. Empty when loose_route found no Route of ours.
    /// </summary>
    public ReadOnlySpan<byte> GetRouteParameters(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(StateSlot);
        return state.HasRouteParams && state.RouteParams.Length > 1 ? state.RouteParams.Span[1..] : default;
    }

    /// <summary>
    /// Looks up one parameter of our consumed Route (OpenSIPS's <c>get_route_param</c>): true when present, with
    /// <paramref name="value"/> empty when it has no value. Names compare case-insensitively (RFC 3261 §19.1.4).
    /// </summary>
    public bool TryGetRouteParameter(ScriptContext context, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(context);
        value = default;
        var state = context.GetState(StateSlot);
        if (!state.HasRouteParams)
        {
            return false;
        }

        var parameters = state.RouteParams.Span;
        foreach (var p in new ParameterEnumerator(parameters, ParameterSyntax.Uri))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(parameters.Slice(p.Name.Start, p.Name.Length), name))
            {
                value = parameters.Slice(p.Value.Start, p.Value.Length);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>check_route_param(re)</c>: whether the parameters of our consumed Route, with their leading ';'
    /// (<c>;lr;ftag=a;nat=yes</c>), match <paramref name="regex"/>. False when loose_route consumed no Route of ours.
    /// </summary>
    public bool CheckRouteParam(ScriptContext context, Regex regex)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        var state = context.GetState(StateSlot);
        if (!state.HasRouteParams || state.RouteParams.Length == 0)
        {
            return false;
        }

        var bytes = state.RouteParams.Span;
        var count = System.Text.Encoding.UTF8.GetMaxCharCount(bytes.Length);
        if (state.Chars.Length < count)
        {
            state.Chars = new char[Math.Max(count, state.Chars.Length * 2)];
        }

        var n = System.Text.Encoding.UTF8.GetChars(bytes, state.Chars);
        return regex.IsMatch(state.Chars.AsSpan(0, n));
    }

    /// <summary>
    /// The direction of the request: upstream when the <c>ftag</c> of our consumed Route differs from the From tag,
    /// downstream otherwise (also when either tag is missing), as OpenSIPS's <c>is_direction</c>. Needs
    /// <see cref="AppendFromTag"/> when the dialog was record-routed.
    /// </summary>
    public RrDirection GetDirection(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TryGetRouteParameter(context, "ftag"u8, out var ftag) || ftag.IsEmpty)
        {
            return RrDirection.Downstream;
        }

        var msg = context.Msg;
        if (!msg.TryGetFrom(out var from) || !from.HasTag || from.Tag.IsEmpty)
        {
            return RrDirection.Downstream;
        }

        return msg[from.Tag].SequenceEqual(ftag) ? RrDirection.Downstream : RrDirection.Upstream;
    }

    /// <summary><c>is_direction(dir)</c>.</summary>
    public bool IsDirection(ScriptContext context, RrDirection direction) => GetDirection(context) == direction;

    private ScriptValue RrParamsValue(ScriptContext context)
    {
        var state = context.GetState(StateSlot);
        return state.HasRouteParams && state.RouteParams.Length > 1
            ? ScriptValue.FromBytes(state.RouteParams.Array, 1, state.RouteParams.Length - 1)
            : ScriptValue.Null;
    }

    private ScriptFunctionBody? BindRecordRoute(FunctionBinder binder)
    {
        if (binder.Count == 0 || binder.IsMissing(0))
        {
            return ctx => RecordRoute(ctx, ReadOnlySpan<byte>.Empty);
        }

        var argument = binder.Argument(0)!;
        if (argument.IsConstant)
        {
            var parameters = System.Text.Encoding.UTF8.GetBytes(argument.Constant.AsString());
            return ctx => RecordRoute(ctx, parameters);
        }

        return ctx =>
        {
            var value = argument.Evaluate(ctx);
            return value.Kind == ScriptValueKind.Bytes ? RecordRoute(ctx, value.Utf8Bytes) : RecordRoute(ctx, ctx.GetChars(value));
        };
    }

    private ScriptFunctionBody? BindRecordRoutePreset(FunctionBinder binder)
    {
        var first = binder.Argument(0);
        if (first is null)
        {
            binder.Error(0, "record_route_preset() needs the address to record");
            return null;
        }

        var second = binder.Count > 1 ? binder.Argument(1) : null;
        if (second is not null && !EnableDoubleRr)
        {
            binder.Error(1, "record_route_preset() with two addresses needs modparam(\"rr\", \"enable_double_rr\", 1)");
            return null;
        }

        return ctx =>
        {
            var state = ctx.GetState(StateSlot);
            if (state.RecordRouteDone)
            {
                return DoubleRecordRoute(ctx);
            }

            state.Preset1.Clear();
            state.Preset2.Clear();
            Append(ctx, state.Preset1, first.Evaluate(ctx), parameter: false);
            if (second is not null)
            {
                Append(ctx, state.Preset2, second.Evaluate(ctx), parameter: false);
            }

            return RecordRoutePresetCore(ctx, state, second is not null);
        };
    }

    private ScriptFunctionBody? BindAddRrParam(FunctionBinder binder)
    {
        var argument = binder.Argument(0);
        if (argument is null)
        {
            binder.Error(0, "add_rr_param() needs the parameter to add");
            return null;
        }

        return ctx =>
        {
            Append(ctx, ctx.GetState(StateSlot).AddedParams, argument.Evaluate(ctx), parameter: true);
            return 1;
        };
    }

    private ScriptFunctionBody? BindCheckRouteParam(FunctionBinder binder)
    {
        var regex = binder.ConstantRegex(0);
        return regex is null ? null : ctx => CheckRouteParam(ctx, regex) ? 1 : -1;
    }

    private ScriptFunctionBody? BindIsDirection(FunctionBinder binder)
    {
        if (!binder.TryGetConstantString(0, out var text))
        {
            return null;
        }

        RrDirection direction;
        if (text.Equals("downstream", StringComparison.OrdinalIgnoreCase))
        {
            direction = RrDirection.Downstream;
        }
        else if (text.Equals("upstream", StringComparison.OrdinalIgnoreCase))
        {
            direction = RrDirection.Upstream;
        }
        else
        {
            binder.Error(0, $"unknown direction '{text}' in is_direction(): expected \"downstream\" or \"upstream\"");
            return null;
        }

        if (!AppendFromTag)
        {
            binder.Error("is_direction() needs modparam(\"rr\", \"append_fromtag\", 1): the direction is read from the ftag Route parameter");
            return null;
        }

        return ctx => IsDirection(ctx, direction) ? 1 : -1;
    }

    private static void Append(ScriptContext ctx, ByteBuffer buffer, in ScriptValue value, bool parameter)
    {
        if (value.Kind == ScriptValueKind.Bytes)
        {
            if (parameter)
            {
                buffer.AppendParameter(value.Utf8Bytes);
            }
            else
            {
                buffer.Append(value.Utf8Bytes);
            }

            return;
        }

        var chars = ctx.GetChars(value);
        if (parameter)
        {
            buffer.AppendParameter(chars);
        }
        else
        {
            buffer.Append(chars);
        }
    }
}
