using Parley.Dialogs.Core;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs;

/// <summary>
/// <c>validate_dialog</c>, <c>fix_route_dialog</c> (manual §1.7.3–1.7.4), the table queries <c>get_dialog_info</c>, <c>get_dialog_vals</c>,
/// <c>get_dialogs_by_val</c>, <c>get_dialogs_by_profile</c> (§1.7.5–1.7.8) and <c>load_dialog_ctx</c> /
/// <c>unload_dialog_ctx</c> (§1.7.9–1.7.10).
/// </summary>
public sealed partial class DialogModule
{
    private void RegisterQueries(ScriptRegistry registry)
    {
        Add(registry, "validate_dialog", 0, 0, RouteMask.Request, _ => ctx => Manager.ValidateDialog(ctx));
        Add(registry, "fix_route_dialog", 0, 0, RouteMask.Request, _ => ctx => Manager.FixRouteDialog(ctx));
        Add(registry, "get_dialog_info", 5, 5, RouteMask.All, BindDialogInfo);
        Add(registry, "get_dialog_vals", 3, 3, RouteMask.All, BindDialogVals);
        Add(registry, "get_dialogs_by_val", 4, 4, RouteMask.All, BindDialogsByValue);
        Add(registry, "get_dialogs_by_profile", 3, 4, RouteMask.All, BindDialogsByProfile);
        Add(registry, "load_dialog_ctx", 1, 2, RouteMask.All, BindLoadContext);
        Add(registry, "unload_dialog_ctx", 0, 0, RouteMask.All, _ => ctx => Manager.UnloadContext(ctx));
    }

    /// <summary>Pushes values onto an AVP (or sets a single-valued variable to the last one).</summary>
    private static void Push(ScriptContext ctx, PvAccessor target, ScriptValue value) => (target.Add ?? target.Set)!(ctx, value);

    private ScriptFunctionBody? BindDialogInfo(FunctionBinder b)
    {
        var attribute = b.Argument(0);
        var output = b.WritableVariable(1);
        var key = b.Argument(2);
        var keyValue = b.Argument(3);
        var count = b.WritableVariable(4);
        if (attribute is null || output is null || key is null || keyValue is null || count is null)
        {
            return null;
        }

        return ctx =>
        {
            var values = new List<ScriptValue>();
            var n = Manager.GetDialogInfo(attribute.Evaluate(ctx).AsString(), key.Evaluate(ctx).AsString(), keyValue.Evaluate(ctx).AsString(), values);
            if (n == 0)
            {
                return -1;
            }

            foreach (var v in values)
            {
                Push(ctx, output, v);
            }

            count.Set!(ctx, ScriptValue.FromInt(n));
            return 1;
        };
    }

    private ScriptFunctionBody? BindDialogVals(FunctionBinder b)
    {
        var names = b.WritableVariable(0);
        var values = b.WritableVariable(1);
        var callId = b.Argument(2);
        if (names is null || values is null || callId is null)
        {
            return null;
        }

        return ctx =>
        {
            var n = new List<string>();
            var v = new List<ScriptValue>();
            if (!Manager.GetDialogValues(callId.Evaluate(ctx).AsString(), n, v))
            {
                return -1;
            }

            // Pushed oldest first, so index 0 of both AVPs is the dialog's newest value, as in OpenSIPS.
            for (var i = n.Count - 1; i >= 0; i--)
            {
                Push(ctx, names, ScriptValue.FromString(n[i]));
                Push(ctx, values, v[i]);
            }

            return 1;
        };
    }

    private ScriptFunctionBody? BindDialogsByValue(FunctionBinder b)
    {
        var name = b.Argument(0);
        var value = b.Argument(1);
        var output = b.WritableVariable(2);
        var count = b.WritableVariable(3);
        if (name is null || value is null || output is null || count is null)
        {
            return null;
        }

        return ctx =>
        {
            var jsons = new List<string>();
            var n = Manager.GetDialogsByValue(name.Evaluate(ctx).AsString(), value.Evaluate(ctx).AsString(), jsons);
            return Publish(ctx, jsons, n, output, count);
        };
    }

    private ScriptFunctionBody? BindDialogsByProfile(FunctionBinder b)
    {
        var profile = BindProfile(b);
        if (profile is null)
        {
            return null;
        }

        // get_dialogs_by_profile(name, [value], out_avp, out_dlg_no); three arguments leave the value out.
        var value = b.Count == 4 && !b.IsMissing(1) ? b.Argument(1) : null;
        var output = b.WritableVariable(b.Count - 2);
        var count = b.WritableVariable(b.Count - 1);
        if (output is null || count is null)
        {
            return null;
        }

        return ctx =>
        {
            var jsons = new List<string>();
            var text = value?.Evaluate(ctx) is { IsNull: false } v ? v.AsString() : null;
            var n = Manager.GetDialogsByProfile(profile, string.IsNullOrEmpty(text) ? null : text, jsons);
            return Publish(ctx, jsons, n, output, count);
        };
    }

    private static int Publish(ScriptContext ctx, List<string> jsons, int n, PvAccessor output, PvAccessor count)
    {
        count.Set!(ctx, ScriptValue.FromInt(n));
        if (n == 0)
        {
            return -1;
        }

        foreach (var json in jsons)
        {
            Push(ctx, output, ScriptValue.FromString(json));
        }

        return 1;
    }

    private ScriptFunctionBody? BindLoadContext(FunctionBinder b)
    {
        var id = b.Argument(0);
        if (id is null)
        {
            return null;
        }

        var byDid = false;
        if (!b.IsMissing(1))
        {
            if (!b.TryGetConstantString(1, out var type))
            {
                return null;
            }

            if (type.Equals("did", StringComparison.OrdinalIgnoreCase))
            {
                byDid = true;
            }
            else if (!type.Equals("callid", StringComparison.OrdinalIgnoreCase))
            {
                b.Error(1, $"unknown dialog id type '{type}' (known: callid, did)");
                return null;
            }
        }

        return ctx => Manager.LoadContext(ctx, id.Evaluate(ctx).AsString(), byDid);
    }
}
