using System.Buffers.Text;
using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Modules.MaxFwd;

/// <summary>
/// OpenSIPS's <c>maxfwd</c> module: <c>mf_process_maxfwd_header(max)</c> and <c>is_maxfwd_lt(max)</c>, the script side of
/// RFC 3261 §16.3 step 3 and §16.6 step 3 (OpenSIPS's core does not touch Max-Forwards; the script does, through here).
/// </summary>
public sealed class MaxFwdModule : ScriptModule
{
    /// <summary>The largest value a script may give or <c>max_limit</c> may be (OpenSIPS's MAXFWD_UPPER_LIMIT).</summary>
    public const int UpperLimit = 256;

    private static readonly ContextSlot<MaxFwdState> StateSlot = new();

    public override string Name => "maxfwd";

    /// <summary><c>max_limit</c> (1–256, default 256): a larger Max-Forwards is lowered to this when processed.</summary>
    public int MaxLimit { get; set; } = UpperLimit;

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.Int("max_limit", v => MaxLimit = (int)v, 1, UpperLimit),
    ];

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddFunction(new ScriptFunctionDefinition("mf_process_maxfwd_header", 1, 1, RouteMask.Request, b => Bind(b, ProcessMaxForwards)) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("is_maxfwd_lt", 1, 1, RouteMask.Request | RouteMask.Failure | RouteMask.Branch, b => Bind(b, IsMaxForwardsLessThan)) { Module = Name });
    }

    /// <summary>
    /// <c>mf_process_maxfwd_header(max)</c>. Returns 2 when the request had no Max-Forwards and <c>Max-Forwards: max</c>
    /// was added; 1 when it was decremented (RFC 3261 §16.6 step 3), after lowering a value above
    /// <see cref="MaxLimit"/> to it; -1 when it is 0 (the script then answers 483, RFC 3261 §16.3 step 3); -2 when it
    /// is malformed or <paramref name="max"/> is out of range. The edit goes into <see cref="ScriptContext.Edits"/>. A
    /// second call for the same message changes nothing more and returns the first call's result.
    /// </summary>
    public int ProcessMaxForwards(ScriptContext context, int max)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(StateSlot);
        if (state.Processed)
        {
            return state.Result;
        }

        if (max is < 1 or > UpperLimit)
        {
            return -2;
        }

        var msg = context.Msg;
        var value = msg.MaxForwards;
        int result;
        Span<byte> digits = stackalloc byte[11];
        switch (value)
        {
            case -1:
                Utf8Formatter.TryFormat(max, digits, out var n);
                context.Edits.AddHeader("Max-Forwards"u8, digits[..n]);
                state.Value = max;
                result = 2;
                break;
            case < 0:
                result = -2;
                break;
            case 0:
                state.Value = 0;
                result = -1;
                break;
            default:
                // RFC 3261 §16.6 step 3: the proxy MUST decrement it by one (a value above max_limit is lowered first).
                value = Math.Min(value, MaxLimit + 1) - 1;
                Utf8Formatter.TryFormat(value, digits, out n);
                context.Edits.ReplaceHeaderValue(msg.IndexOf(HeaderKind.MaxForwards), digits[..n]);
                state.Value = value;
                result = 1;
                break;
        }

        state.Processed = true;
        state.Result = result;
        return result;
    }

    /// <summary>
    /// <c>is_maxfwd_lt(max)</c>: 1 when Max-Forwards (the value after <see cref="ProcessMaxForwards"/> when it ran,
    /// including one it added) is below <paramref name="max"/>; -1 when it is not; -2 when there is none; -3 when it is
    /// malformed.
    /// </summary>
    public int IsMaxForwardsLessThan(ScriptContext context, int max)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(StateSlot);
        var value = state.Value >= 0 ? state.Value : context.Msg.MaxForwards;
        return value switch
        {
            -1 => -2,
            < 0 => -3,
            _ when value >= max => -1,
            _ => 1,
        };
    }

    private ScriptFunctionBody? Bind(FunctionBinder binder, Func<ScriptContext, int, int> function)
    {
        var argument = binder.IntArgument(0);
        if (argument is null)
        {
            return null;
        }

        var compiled = binder.Argument(0)!;
        if (compiled.IsConstant)
        {
            var max = compiled.Constant.AsInt();
            if (max is < 1 or > UpperLimit)
            {
                binder.Error(0, $"{binder.FunctionName}(): {max} is out of range [1, {UpperLimit}]");
                return null;
            }

            if (max > MaxLimit)
            {
                binder.Error(0, $"{binder.FunctionName}(): {max} is above max_limit ({MaxLimit})");
                return null;
            }

            var constant = (int)max;
            return ctx => function(ctx, constant);
        }

        return ctx => argument(ctx).TryGetInt(out var v) && v is >= 1 and <= UpperLimit ? function(ctx, (int)v) : -2;
    }

    private sealed class MaxFwdState : IContextState
    {
        public bool Processed { get; set; }

        public int Result { get; set; }

        /// <summary>Max-Forwards as processed (decremented or added), -1 when not processed.</summary>
        public int Value { get; set; } = -1;

        public void Reset()
        {
            Processed = false;
            Result = 0;
            Value = -1;
        }
    }
}
