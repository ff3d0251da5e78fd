using System.Text.Json.Nodes;
using Parley.Dialogs.Core;
using Parley.Dialogs.Profiles;
using Parley.Management.Mi;

namespace Parley.Dialogs.Management;

/// <summary>
/// The dialog module's MI commands (manual §1.9, opensips-behaviour.md §7.2–7.4) with OpenSIPS 3.x names, registered in
/// OpenSIPS's order. The database and cluster commands (<c>dlg_db_sync</c>, <c>dlg_restore_db</c>,
/// <c>dlg_cluster_sync</c>) come with their issues; <c>dlg_send_sequential</c> is in <see cref="DialogSequentialMi"/>.
/// </summary>
internal static class DialogMiCommands
{
    private const string Module = "dialog";

    public static void Register(MiCommandRegistry registry, DialogManager manager)
    {
        MiRecipe[] listRecipes =
        [
            new(),
            new(MiParam.Str("callid")),
            new(MiParam.Str("callid"), MiParam.Str("from_tag")),
            new(MiParam.Int("index"), MiParam.Int("counter")),
        ];
        registry.Register(new MiCommand("dlg_list", "lists the dialogs (all, one by Call-ID [and From tag], or a page)", listRecipes,
            r => List(manager, r, withContext: false), Module, namedParamsOnly: true));
        registry.Register(new MiCommand("dlg_list_ctx", "lists the dialogs with their values and profiles", listRecipes,
            r => List(manager, r, withContext: true), Module, namedParamsOnly: true));
        registry.Register(new MiCommand("dlg_end_dlg", "ends a dialog: BYE both ways when confirmed, CANCEL when early",
            [new MiRecipe(MiParam.Str("dialog_id")), new MiRecipe(MiParam.Str("dialog_id"), MiParam.Str("extra_hdrs"))],
            r => EndDialog(manager, r), Module));
        MiRecipe[] profileRecipes = [new(MiParam.Str("profile")), new(MiParam.Str("profile"), MiParam.Str("value"))];
        registry.Register(new MiCommand("profile_get_size", "number of dialogs in a profile (with a value)", profileRecipes,
            r => ProfileSize(manager, r), Module));
        registry.Register(new MiCommand("profile_list_dlgs", "the dialogs of a profile (with a value)", profileRecipes,
            r => ProfileDialogs(manager, r), Module));
        registry.Register(new MiCommand("profile_get_values", "the values of a profile with their counts",
            [new MiRecipe(MiParam.Str("profile"))], r => ProfileValues(manager, r), Module));
        registry.Register(new MiCommand("list_all_profiles", "every profile and whether it has values", [new MiRecipe()],
            _ => AllProfiles(manager), Module));
        registry.Register(new MiCommand("profile_end_dlgs", "ends every dialog of a profile (with a value)", profileRecipes,
            r => ProfileEnd(manager, r), Module));
        registry.Register(new MiCommand("dlg_push_var", "sets a dialog value on dialogs given by DID or Call-ID",
            [new MiRecipe(MiParam.Str("dlg_val_name"), MiParam.Str("dlg_val_value"), MiParam.Arr("DID"))], r => PushVar(manager, r), Module));
        MiRecipe[] setRecipes =
        [
            new(MiParam.Str("dlg_id"), MiParam.Str("profile")),
            new(MiParam.Str("dlg_id"), MiParam.Str("profile"), MiParam.Str("value")),
            new(MiParam.Str("dlg_id"), MiParam.Str("profile"), MiParam.Str("value"), MiParam.Int("clear_values")),
        ];
        registry.Register(new MiCommand("dlg_set_profile", "puts a dialog (DID or Call-ID) into a profile", setRecipes,
            r => SetProfile(manager, r, set: true), Module));
        registry.Register(new MiCommand("dlg_unset_profile", "takes a dialog (DID or Call-ID) out of a profile", setRecipes[..2],
            r => SetProfile(manager, r, set: false), Module));
        DialogSequentialMi.Register(registry, manager);
    }

    private static MiResult List(DialogManager manager, MiRequest request, bool withContext)
    {
        if (request.Has("callid"))
        {
            var fromTag = request.Has("from_tag") ? request.GetString("from_tag") : null;
            var callId = System.Text.Encoding.UTF8.GetBytes(request.GetString("callid"));
            var found = manager.Table.FindByCallId(callId, fromTag is null ? default : System.Text.Encoding.UTF8.GetBytes(fromTag), anyTag: fromTag is null);
            if (found is null || found.State == DialogState.Deleted)
            {
                return MiResult.Error(404, "No such dialog");
            }

            return MiResult.Success(new JsonObject { ["Dialog"] = DialogJson.Build(manager, found, withContext) });
        }

        var index = 0;
        var counter = 0;
        if (request.Has("index"))
        {
            index = request.GetInt("index");
            counter = request.GetInt("counter");
            if (index < 0 || counter < 0)
            {
                return MiResult.Error(400, "Bad param");
            }
        }

        var all = manager.Table.Snapshot();
        var result = new JsonObject();
        if (counter > 0)
        {
            result["count"] = manager.Table.Count;
        }

        var array = new JsonArray();
        for (var i = counter > 0 ? index : 0; i < all.Count && (counter == 0 || i < index + counter); i++)
        {
            array.Add(DialogJson.Build(manager, all[i], withContext));
        }

        result["Dialogs"] = array;
        return MiResult.Success(result);
    }

    private static MiResult EndDialog(DialogManager manager, MiRequest request)
    {
        var dialog = manager.FindByDidOrCallId(request.GetString("dialog_id"));
        if (dialog is null || dialog.State == DialogState.Deleted)
        {
            return MiResult.Error(404, "Requested Dialog not found");
        }

        var extra = request.Has("extra_hdrs") ? request.GetString("extra_hdrs") : null;
        return manager.EndDialog(dialog, "MI Termination", extra) ? MiResult.Ok() : MiResult.Error(500, "Operation failed");
    }

    private static MiResult ProfileSize(DialogManager manager, MiRequest request)
    {
        if (manager.Profiles.Find(request.GetString("profile")) is not { } profile)
        {
            return MiResult.Error(404, "Profile not found");
        }

        var value = profile.HasValue && request.Has("value") ? request.GetString("value") : null;
        return MiResult.Success(new JsonObject
        {
            ["Profile"] = new JsonObject
            {
                ["name"] = profile.Name,
                ["value"] = value is null ? null : JsonValue.Create(value),
                ["count"] = profile.Size(value),
                ["shared"] = profile.Shared ? "yes" : "no",
                ["replicated"] = profile.Replicated ? "yes" : "no",
            },
        });
    }

    private static MiResult ProfileDialogs(DialogManager manager, MiRequest request)
    {
        if (manager.Profiles.Find(request.GetString("profile")) is not { } profile)
        {
            return MiResult.Error(404, "Profile not found");
        }

        var value = profile.HasValue && request.Has("value") ? request.GetString("value") : null;
        var array = new JsonArray();
        foreach (var dialog in InProfile(manager, profile, value))
        {
            array.Add(DialogJson.Build(manager, dialog, withContext: false));
        }

        return MiResult.Success(new JsonObject { ["Dialogs"] = array });
    }

    private static MiResult ProfileValues(DialogManager manager, MiRequest request)
    {
        if (manager.Profiles.Find(request.GetString("profile")) is not { } profile)
        {
            return MiResult.Error(404, "Profile not found");
        }

        if (profile.Shared)
        {
            return MiResult.Error(405, "Unsupported command for shared profiles");
        }

        var array = new JsonArray();
        foreach (var (value, count) in profile.Values())
        {
            array.Add(new JsonObject { ["value"] = value is null ? null : JsonValue.Create(value), ["count"] = count });
        }

        return MiResult.Success(array);
    }

    private static MiResult AllProfiles(DialogManager manager)
    {
        var array = new JsonArray();
        foreach (var profile in manager.Profiles.Profiles)
        {
            array.Add(new JsonObject { ["name"] = profile.Name, ["has value"] = profile.HasValue });
        }

        return MiResult.Success(new JsonObject { ["Profiles"] = array });
    }

    private static MiResult ProfileEnd(DialogManager manager, MiRequest request)
    {
        if (manager.Profiles.Find(request.GetString("profile")) is not { } profile)
        {
            return MiResult.Error(404, "Profile not found");
        }

        var value = profile.HasValue && request.Has("value") ? request.GetString("value") : null;
        foreach (var dialog in InProfile(manager, profile, value))
        {
            manager.EndDialog(dialog, "MI Termination");
        }

        return MiResult.Ok();
    }

    private static MiResult PushVar(DialogManager manager, MiRequest request)
    {
        var name = request.GetString("dlg_val_name");
        var value = Scripting.Runtime.ScriptValue.FromString(request.GetString("dlg_val_value"));
        foreach (var id in request.GetStringArray("DID"))
        {
            if (manager.FindByDidOrCallId(id) is { } dialog)
            {
                manager.SetValue(dialog, name, value);
            }
        }

        return MiResult.Ok();
    }

    private static MiResult SetProfile(DialogManager manager, MiRequest request, bool set)
    {
        var dialog = manager.FindByDidOrCallId(request.GetString("dlg_id"));
        if (dialog is null)
        {
            return MiResult.Error(404, "Dialog Not Found");
        }

        if (manager.Profiles.Find(request.GetString("profile")) is not { } profile)
        {
            return MiResult.Error(400, "Bad param");
        }

        var value = request.Has("value") ? request.GetString("value") : null;
        int result;
        if (set)
        {
            if (profile.HasValue && value is null)
            {
                return MiResult.Error(400, "Bad param");
            }

            result = manager.SetProfile(dialog, profile, value, request.Has("clear_values") && request.GetInt("clear_values") != 0);
        }
        else
        {
            result = manager.UnsetProfile(dialog, profile, value);
        }

        return result > 0 ? MiResult.Ok() : MiResult.Error(403, "Dialog Error");
    }

    /// <summary>The dialogs with a membership in <paramref name="profile"/> (and <paramref name="value"/>), in table order.</summary>
    private static List<Dialog> InProfile(DialogManager manager, DialogProfile profile, string? value)
    {
        var result = new List<Dialog>();
        foreach (var dialog in manager.Table.Snapshot())
        {
            if (manager.IsInProfile(dialog, profile, value))
            {
                result.Add(dialog);
            }
        }

        return result;
    }
}
