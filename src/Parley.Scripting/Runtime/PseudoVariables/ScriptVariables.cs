using System.Globalization;
using System.Text;
using Parley.Protocol.Uri;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// Variables of the script itself: <c>$var(name)</c> (per worker, kept across messages), <c>$avp(name)</c> (a stack
/// per message), <c>$retcode</c>/<c>$rc</c>, the destination URI <c>$du</c> with <c>$dd $dp $dP</c>, the flags
/// <c>$mf $bf</c>, times <c>$Ts $Tf $TS $TF</c> and <c>$pp</c>.
/// </summary>
internal static class ScriptVariables
{
    public static void Register(ScriptRegistry registry)
    {
        registry.AddPseudoVariable("var", BindVar);
        registry.AddPseudoVariable("avp", BindAvp);

        CorePseudoVariables.AddSimple(registry, "retcode", static ctx => ScriptValue.FromInt(ctx.ReturnCode));
        CorePseudoVariables.AddSimple(registry, "rc", static ctx => ScriptValue.FromInt(ctx.ReturnCode));

        CorePseudoVariables.AddSimple(registry, "du", static ctx => ScriptValue.FromString(ctx.DestinationUri), SetDestination);
        CorePseudoVariables.AddSimple(registry, "dd", static ctx => TryDestination(ctx, out var state) ? UriParts.Get(state.DuWhole, state.DuUri, UriPart.Host) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "dp", static ctx => TryDestination(ctx, out var state) ? UriParts.PortOrDefault(state.DuUri) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "dP", static ctx => TryDestination(ctx, out var state) ? UriParts.TransportOrDefault(state.DuWhole, state.DuUri) : ScriptValue.Null);

        registry.AddPseudoVariable("mf", request => CorePseudoVariables.NoArgumentNoIndex(request)
            ? new PvAccessor(request.Text, ctx => FlagNames(ctx, request.Registry, branch: false))
            : null);
        registry.AddPseudoVariable("bf", request => CorePseudoVariables.NoArgumentNoIndex(request)
            ? new PvAccessor(request.Text, ctx => FlagNames(ctx, request.Registry, branch: true))
            : null);

        CorePseudoVariables.AddSimple(registry, "Ts", static ctx => ScriptValue.FromInt(CachedSeconds(ctx)));
        CorePseudoVariables.AddSimple(registry, "Tf", CachedFormattedTime);
        CorePseudoVariables.AddSimple(registry, "TF", static ctx => ScriptValue.FromString(FormatTime(ctx.Time.GetLocalNow())));
        var startup = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        CorePseudoVariables.AddSimple(registry, "TS", _ => ScriptValue.FromInt(startup));
        CorePseudoVariables.AddSimple(registry, "pp", static _ => ScriptValue.FromInt(Environment.ProcessId));
    }

    private static PvAccessor? BindVar(PvBindRequest request)
    {
        var name = CorePseudoVariables.RequiredArgument(request, "a name");
        if (name is null || !CorePseudoVariables.NoIndex(request))
        {
            return null;
        }

        var slot = request.Registry.VariableSlot(name);
        return new PvAccessor(request.Text, ctx => ctx.GetVar(slot), (ctx, value) => ctx.SetVar(slot, value));
    }

    /// <summary>
    /// <c>$avp(x)</c>: reads the newest value; <c>=</c> pushes (NULL deletes the newest), <c>:=</c> replaces all
    /// (NULL deletes all). <c>$(avp(x)[n])</c> reads or overwrites value n (0 newest, -1 oldest; NULL deletes it);
    /// <c>$(avp(x)[*])</c> reads all (joined) and NULL deletes all.
    /// </summary>
    private static PvAccessor? BindAvp(PvBindRequest request)
    {
        var name = CorePseudoVariables.RequiredArgument(request, "a name");
        if (name is null || !request.TryGetIndex(out var index, out var all))
        {
            return null;
        }

        var slot = request.Registry.AvpSlot(name);
        Action<ScriptContext, List<ScriptValue>> getAll = (ctx, list) => ctx.Avps.CopyTo(slot, list);
        if (all)
        {
            return new PvAccessor(
                request.Text,
                ctx =>
                {
                    var list = new List<ScriptValue>();
                    ctx.Avps.CopyTo(slot, list);
                    return CorePseudoVariables.Join(list, ", ");
                },
                (ctx, value) => ctx.Avps.Set(slot, value))
            {
                GetAll = getAll,
            };
        }

        if (request.Index is not null)
        {
            return new PvAccessor(request.Text, ctx => ctx.Avps.Get(slot, index), (ctx, value) => ctx.Avps.Replace(slot, index, value))
            {
                GetAll = getAll,
            };
        }

        return new PvAccessor(request.Text, ctx => ctx.Avps.Get(slot), (ctx, value) => ctx.Avps.Set(slot, value))
        {
            Add = (ctx, value) =>
            {
                if (value.IsNull)
                {
                    ctx.Avps.Delete(slot);
                }
                else
                {
                    ctx.Avps.Push(slot, value);
                }
            },
            GetAll = getAll,
        };
    }

    private static void SetDestination(ScriptContext ctx, ScriptValue value) =>
        ctx.DestinationUri = value.IsNullOrEmpty ? null : value.AsString();

    /// <summary>The parsed <c>$du</c>, re-parsed only when it changed.</summary>
    private static bool TryDestination(ScriptContext ctx, out PvState state)
    {
        state = ctx.GetState(PvState.Slot);
        var du = ctx.DestinationUri;
        if (du is null)
        {
            return false;
        }

        if (!ReferenceEquals(du, state.DuSource))
        {
            // A new array each time: views handed out for the previous $du stay valid.
            var bytes = Encoding.UTF8.GetBytes(du);
            state.DuSource = du;
            state.DuWhole = ScriptValue.FromBytes(bytes, 0, bytes.Length);
            state.DuValid = SipUri.TryParse(bytes, out state.DuUri, out _);
        }

        return state.DuValid;
    }

    private static ScriptValue FlagNames(ScriptContext ctx, ScriptRegistry registry, bool branch)
    {
        var flags = branch ? ctx.BranchFlags : ctx.Flags;
        if (flags == 0)
        {
            return ScriptValue.Null;
        }

        var state = ctx.GetState(PvState.Slot);
        ref var key = ref branch ? ref state.BranchFlagsKey : ref state.FlagsKey;
        ref var text = ref branch ? ref state.BranchFlagsText : ref state.FlagsText;
        if (key != flags || text is null)
        {
            var sb = new StringBuilder();
            for (var bit = 0; bit < 64; bit++)
            {
                if ((flags & (1UL << bit)) != 0)
                {
                    if (sb.Length > 0)
                    {
                        sb.Append(' ');
                    }

                    sb.Append(registry.FlagName(bit, branch));
                }
            }

            key = flags;
            text = sb.ToString();
        }

        return ScriptValue.FromString(text);
    }

    private static long CachedSeconds(ScriptContext ctx)
    {
        var state = ctx.GetState(PvState.Slot);
        if (state.TimeSeconds < 0)
        {
            state.TimeSeconds = ctx.Time.GetUtcNow().ToUnixTimeSeconds();
        }

        return state.TimeSeconds;
    }

    private static ScriptValue CachedFormattedTime(ScriptContext ctx)
    {
        var state = ctx.GetState(PvState.Slot);
        state.TimeFormatted ??= FormatTime(ctx.Time.GetLocalNow());
        return ScriptValue.FromString(state.TimeFormatted);
    }

    /// <summary>The C <c>ctime()</c> form OpenSIPS prints for <c>$Tf</c>: "Thu Jan  1 00:00:00 1970".</summary>
    internal static string FormatTime(DateTimeOffset time) =>
        string.Create(CultureInfo.InvariantCulture, $"{time:ddd MMM} {time.Day,2} {time:HH:mm:ss yyyy}");
}
