using Parley.Dialogs.Core;
using Parley.Dialogs.Profiles;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Dialogs;

/// <summary>The script functions (manual §1.7).</summary>
public sealed partial class DialogModule
{
    /// <summary>Where the functions that act on the current dialog may be called (manual: request, branch, reply, failure routes).</summary>
    private const RouteMask DialogRoutes = RouteMask.Request | RouteMask.Branch | RouteMask.OnReply | RouteMask.Failure;

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Add(registry, "create_dialog", 0, 1, RouteMask.Request, BindCreateDialog);
        Add(registry, "match_dialog", 0, 1, RouteMask.Request, BindMatchDialog);
        Add(registry, "set_dlg_profile", 1, 3, DialogRoutes, BindSetProfile);
        Add(registry, "unset_dlg_profile", 1, 2, DialogRoutes, b => BindProfileCheck(b, unset: true));
        Add(registry, "is_in_profile", 1, 2, DialogRoutes, b => BindProfileCheck(b, unset: false));
        Add(registry, "get_profile_size", 2, 3, DialogRoutes, BindProfileSize);
        Add(registry, "set_dlg_flag", 1, 1, DialogRoutes, b => BindFlag(b, (m, d, bit) => { m.SetFlag(d, bit, true); return 1; }));
        Add(registry, "reset_dlg_flag", 1, 1, DialogRoutes, b => BindFlag(b, (m, d, bit) => { m.SetFlag(d, bit, false); return 1; }));
        Add(registry, "is_dlg_flag_set", 1, 1, DialogRoutes, b => BindFlag(b, (m, d, bit) => m.IsFlagSet(d, bit) ? 1 : -1));
        Add(registry, "test_and_set_dlg_flag", 2, 2, DialogRoutes, BindTestAndSetFlag);
        Add(registry, "store_dlg_value", 2, 2, DialogRoutes, BindStoreValue);
        Add(registry, "fetch_dlg_value", 2, 2, DialogRoutes, BindFetchValue);
        Add(registry, "set_dlg_sharing_tag", 1, 1, DialogRoutes, BindSharingTag);
        Add(registry, "dlg_on_answer", 0, 1, DialogRoutes, b => BindRoute(b, DialogRouteKind.Answer));
        Add(registry, "dlg_on_timeout", 0, 1, DialogRoutes, b => BindRoute(b, DialogRouteKind.Timeout));
        Add(registry, "dlg_on_hangup", 0, 1, DialogRoutes, b => BindRoute(b, DialogRouteKind.Hangup));
        RegisterSequential(registry);
        RegisterQueries(registry);
        RegisterVariables(registry);
    }

    private void Add(ScriptRegistry registry, string name, int min, int max, RouteMask mask, Func<FunctionBinder, ScriptFunctionBody?> bind) =>
        registry.AddFunction(new ScriptFunctionDefinition(name, min, max, mask, bind) { Module = Name });

    private ScriptFunctionBody? BindCreateDialog(FunctionBinder b)
    {
        if (b.IsMissing(0))
        {
            return ctx => Manager.CreateDialog(ctx, DialogCreateFlags.None, flagsGiven: false);
        }

        var argument = b.Argument(0)!;
        if (argument.IsConstant)
        {
            if (!DialogCreateFlagsParser.TryParse(argument.Constant.AsString(), out var flags, out var error))
            {
                b.Error(0, error!);
                return null;
            }

            return ctx => Manager.CreateDialog(ctx, flags, flagsGiven: true);
        }

        return ctx => DialogCreateFlagsParser.TryParse(ctx.GetChars(argument.Evaluate(ctx)), out var flags, out _)
            ? Manager.CreateDialog(ctx, flags, flagsGiven: true)
            : -1;
    }

    private ScriptFunctionBody? BindMatchDialog(FunctionBinder b)
    {
        if (b.IsMissing(0))
        {
            return ctx => Manager.MatchDialog(ctx, _options.MatchMode);
        }

        if (!b.TryGetConstantString(0, out var text))
        {
            return null;
        }

        DialogMatchMode mode;
        if (text.Equals("DID_ONLY", StringComparison.OrdinalIgnoreCase))
        {
            mode = DialogMatchMode.DidOnly;
        }
        else if (text.Equals("DID_FALLBACK", StringComparison.OrdinalIgnoreCase))
        {
            mode = DialogMatchMode.DidFallback;
        }
        else if (text.Equals("DID_NONE", StringComparison.OrdinalIgnoreCase))
        {
            mode = DialogMatchMode.DidNone;
        }
        else
        {
            b.Error(0, $"unknown dialog match mode '{text}' (known: DID_ONLY, DID_FALLBACK, DID_NONE)");
            return null;
        }

        return ctx => Manager.MatchDialog(ctx, mode);
    }

    /// <summary>A constant profile name that must be defined by <c>profiles_with_value</c>/<c>profiles_no_value</c>.</summary>
    private DialogProfile? BindProfile(FunctionBinder b)
    {
        if (!b.TryGetConstantString(0, out var name))
        {
            return null;
        }

        var profile = _profiles.Find(name);
        if (profile is null)
        {
            b.Error(0, $"dialog profile '{name}' is not defined (modparam \"profiles_with_value\" / \"profiles_no_value\")");
        }

        return profile;
    }

    private ScriptFunctionBody? BindSetProfile(FunctionBinder b)
    {
        var profile = BindProfile(b);
        if (profile is null)
        {
            return null;
        }

        var value = b.IsMissing(1) ? null : b.Argument(1);
        if (profile.HasValue && value is null)
        {
            b.Error($"set_dlg_profile(\"{profile.FullName}\") needs a value: the profile has values");
            return null;
        }

        var clear = b.IsMissing(2) ? null : b.IntArgument(2);
        if (!b.IsMissing(2) && clear is null)
        {
            return null;
        }

        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            var text = profile.HasValue ? value!.Evaluate(ctx).AsString() : null;
            return Manager.SetProfile(dialog, profile, text, clear is not null && clear(ctx).AsInt() != 0);
        };
    }

    private ScriptFunctionBody? BindProfileCheck(FunctionBinder b, bool unset)
    {
        var profile = BindProfile(b);
        if (profile is null)
        {
            return null;
        }

        var value = b.IsMissing(1) ? null : b.Argument(1);
        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            var text = value is not null && profile.HasValue ? value.Evaluate(ctx).AsString() : null;
            return unset ? Manager.UnsetProfile(dialog, profile, text) : Manager.IsInProfile(dialog, profile, text) ? 1 : -1;
        };
    }

    private ScriptFunctionBody? BindProfileSize(FunctionBinder b)
    {
        var profile = BindProfile(b);
        if (profile is null)
        {
            return null;
        }

        // get_profile_size(profile, size) or get_profile_size(profile, [value], size).
        var sizeIndex = b.Count - 1;
        var value = b.Count == 3 && !b.IsMissing(1) ? b.Argument(1) : null;
        var size = b.WritableVariable(sizeIndex);
        if (size is null)
        {
            return null;
        }

        return ctx =>
        {
            var text = value is not null && profile.HasValue ? value.Evaluate(ctx).AsString() : null;
            size.Set!(ctx, ScriptValue.FromInt(profile.Size(text)));
            return 1;
        };
    }

    private ScriptFunctionBody? BindFlag(FunctionBinder b, Func<Core.DialogManager, Dialog, int, int> body)
    {
        var bit = FlagArgument(b);
        if (bit < 0)
        {
            return null;
        }

        return ctx => Manager.Current(ctx) is { } dialog ? body(Manager, dialog, bit) : -1;
    }

    private ScriptFunctionBody? BindTestAndSetFlag(FunctionBinder b)
    {
        var bit = FlagArgument(b);
        if (bit < 0 || !b.TryGetConstantInt(1, out var value))
        {
            return null;
        }

        if (value is not (0 or 1))
        {
            b.Error(1, "test_and_set_dlg_flag() value must be 0 or 1");
            return null;
        }

        return ctx => Manager.Current(ctx) is { } dialog && Manager.TestAndSetFlag(dialog, bit, value == 1) ? 1 : -1;
    }

    /// <summary>A dialog flag given by name (OpenSIPS 3 names them); its bit is allocated now.</summary>
    private int FlagArgument(FunctionBinder b)
    {
        if (!b.TryGetConstantString(0, out var name))
        {
            return -1;
        }

        var bit = Manager.FlagBit(name);
        if (bit < 0)
        {
            b.Error(0, $"too many dialog flags: at most {DialogManager.MaxFlags} can be named");
        }

        return bit;
    }

    private ScriptFunctionBody? BindStoreValue(FunctionBinder b)
    {
        var name = b.Argument(0);
        var value = b.Argument(1);
        if (name is null || value is null)
        {
            return null;
        }

        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            Manager.SetValue(dialog, name.Evaluate(ctx).AsString(), value.Evaluate(ctx));
            return 1;
        };
    }

    private ScriptFunctionBody? BindFetchValue(FunctionBinder b)
    {
        var name = b.Argument(0);
        var target = b.WritableVariable(1);
        if (name is null || target is null)
        {
            return null;
        }

        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog || !Manager.TryGetValue(dialog, name.Evaluate(ctx).AsString(), out var value))
            {
                return -1;
            }

            target.Set!(ctx, value);
            return 1;
        };
    }

    private ScriptFunctionBody? BindSharingTag(FunctionBinder b)
    {
        var tag = b.Argument(0);
        if (tag is null)
        {
            return null;
        }

        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            var text = tag.Evaluate(ctx).AsString();
            lock (dialog.Bucket.Gate)
            {
                dialog.SharingTag = text;
            }

            return 1;
        };
    }

    private ScriptFunctionBody? BindRoute(FunctionBinder b, DialogRouteKind kind)
    {
        RouteHandle? route = null;
        if (!b.IsMissing(0))
        {
            route = b.RouteReference(0, RouteType.Request);
            if (route is null)
            {
                return null;
            }
        }

        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            DialogManager.SetRoute(dialog, kind, route);
            return 1;
        };
    }
}
