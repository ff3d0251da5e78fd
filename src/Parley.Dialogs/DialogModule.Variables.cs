using Parley.Dialogs.Core;
using Parley.Dialogs.Management;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs;

/// <summary>The pseudo-variables (manual §1.10). Each reads the current dialog of the context; NULL without one.</summary>
public sealed partial class DialogModule
{
    private void RegisterVariables(ScriptRegistry registry)
    {
        registry.AddPseudoVariable("DLG_count", _ => new PvAccessor("$DLG_count", _ => ScriptValue.FromInt(Manager.Statistics.Active.Value)));
        registry.AddPseudoVariable("DLG_status", _ => new PvAccessor("$DLG_status", ctx =>
            Manager.Current(ctx) is { } d ? ScriptValue.FromInt((int)Read(d, static x => x.State)) : ScriptValue.Null));
        registry.AddPseudoVariable("DLG_lifetime", _ => new PvAccessor("$DLG_lifetime", ctx =>
        {
            if (Manager.Current(ctx) is not { } d)
            {
                return ScriptValue.Null;
            }

            var start = Read(d, static x => x.StartUnix);
            return ScriptValue.FromInt(start == 0 ? 0 : Math.Max(0, Manager.NowUnix - start));
        }));
        registry.AddPseudoVariable("DLG_flags", _ => new PvAccessor("$DLG_flags", ctx =>
            Manager.Current(ctx) is { } d ? ScriptValue.FromString(Manager.FlagNames(Manager.GetFlags(d))) : ScriptValue.Null));
        registry.AddPseudoVariable("DLG_dir", _ => new PvAccessor("$DLG_dir", DirectionValue));
        registry.AddPseudoVariable("DLG_did", _ => new PvAccessor("$DLG_did", ctx =>
            Manager.Current(ctx) is { } d ? ScriptValue.FromString(d.Did) : ScriptValue.Null));
        registry.AddPseudoVariable("DLG_end_reason", _ => new PvAccessor("$DLG_end_reason", ctx =>
            Manager.Current(ctx) is { } d && Read(d, static x => x.EndReason) is { } reason ? ScriptValue.FromString(reason) : ScriptValue.Null));
        registry.AddPseudoVariable("DLG_timeout", _ => new PvAccessor("$DLG_timeout", TimeoutValue, SetTimeoutValue));
        registry.AddPseudoVariable("DLG_del_delay", _ => new PvAccessor("$DLG_del_delay", ctx =>
        {
            if (Manager.Current(ctx) is not { } d)
            {
                return ScriptValue.Null;
            }

            var delay = Read(d, static x => x.DeleteDelaySeconds);
            return ScriptValue.FromInt(delay >= 0 ? delay : _options.DeleteDelaySeconds);
        }, (ctx, value) =>
        {
            if (Manager.Current(ctx) is { } d && value.TryGetInt(out var seconds) && seconds >= 0)
            {
                lock (d.Bucket.Gate)
                {
                    d.DeleteDelaySeconds = (int)Math.Min(seconds, int.MaxValue);
                }
            }
        }));
        registry.AddPseudoVariable("DLG_json", _ => new PvAccessor("$DLG_json", ctx =>
            Manager.Current(ctx) is { } d ? ScriptValue.FromString(DialogJson.Build(Manager, d, withContext: false).ToJsonString()) : ScriptValue.Null));
        registry.AddPseudoVariable("DLG_ctx_json", _ => new PvAccessor("$DLG_ctx_json", ctx =>
            Manager.Current(ctx) is { } d ? ScriptValue.FromString(DialogJson.Build(Manager, d, withContext: true).ToJsonString()) : ScriptValue.Null));
        registry.AddPseudoVariable("dlg_val", BindDialogValue);
    }

    private static T Read<T>(Dialog dialog, Func<Dialog, T> read)
    {
        lock (dialog.Bucket.Gate)
        {
            return read(dialog);
        }
    }

    /// <summary><c>$DLG_dir</c>: from the destination leg of the request — 0 (the caller) is upstream, a callee downstream.</summary>
    private ScriptValue DirectionValue(ScriptContext ctx)
    {
        if (Manager.Current(ctx) is null)
        {
            return ScriptValue.Null;
        }

        var leg = Manager.DestinationLeg(ctx);
        return leg < 0 ? ScriptValue.Null : ScriptValue.FromString(leg == 0 ? "upstream" : "downstream");
    }

    private ScriptValue TimeoutValue(ScriptContext ctx)
    {
        if (Manager.Current(ctx) is { } d)
        {
            return ScriptValue.FromInt(Manager.GetTimeout(d));
        }

        var state = ctx.GetState(DialogContextState.Slot);
        return state.Owner == Manager && state.Timeout > 0 ? ScriptValue.FromInt(state.Timeout) : ScriptValue.Null;
    }

    private void SetTimeoutValue(ScriptContext ctx, ScriptValue value)
    {
        if (!value.TryGetInt(out var seconds) || seconds <= 0)
        {
            return;
        }

        var timeout = (int)Math.Min(seconds, int.MaxValue);
        if (Manager.Current(ctx) is { } d)
        {
            Manager.SetTimeout(d, timeout);
            return;
        }

        // Before create_dialog: kept in the context and used as the new dialog's lifetime (§5.1).
        var state = ctx.GetState(DialogContextState.Slot);
        state.Owner = Manager;
        state.Timeout = timeout;
    }

    private PvAccessor? BindDialogValue(PvBindRequest request)
    {
        if (string.IsNullOrEmpty(request.Argument))
        {
            request.Error("$dlg_val needs a name: $dlg_val(name)");
            return null;
        }

        var name = request.Argument;
        if (name.StartsWith('$'))
        {
            return BindDynamicDialogValue(request, name);
        }

        return new PvAccessor($"$dlg_val({name})",
            ctx => Manager.Current(ctx) is { } d && Manager.TryGetValue(d, name, out var value) ? value : ScriptValue.Null,
            (ctx, value) =>
            {
                if (Manager.Current(ctx) is { } d)
                {
                    Manager.SetValue(d, name, value);
                }
            });
    }

    /// <summary>
    /// <c>$dlg_val($var(x))</c>, <c>$dlg_val($avp(name))</c>, <c>$dlg_val($fU)</c>…: the name is the value of another
    /// pseudo-variable, read each time (OpenSIPS's dynamic PV names, pv_parse_name). A NULL or empty name reads NULL and
    /// writes nothing.
    /// </summary>
    private PvAccessor? BindDynamicDialogValue(PvBindRequest request, string name)
    {
        var inner = request.Registry.BindPseudoVariable(name, out var error);
        if (inner is null)
        {
            request.Error($"$dlg_val({name}): the name must be a pseudo-variable ({error})");
            return null;
        }

        var key = inner.Get;
        return new PvAccessor($"$dlg_val({name})",
            ctx => Manager.Current(ctx) is { } d && key(ctx) is { IsNull: false } k && k.AsString() is { Length: > 0 } text
                && Manager.TryGetValue(d, text, out var value)
                ? value
                : ScriptValue.Null,
            (ctx, value) =>
            {
                if (Manager.Current(ctx) is { } d && key(ctx) is { IsNull: false } k && k.AsString() is { Length: > 0 } text)
                {
                    Manager.SetValue(d, text, value);
                }
            });
    }
}
