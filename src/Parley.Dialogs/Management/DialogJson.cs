using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Parley.Dialogs.Core;

namespace Parley.Dialogs.Management;

/// <summary>
/// A dialog as OpenSIPS's MI prints it (opensips-behaviour.md §7.2, golden <c>dlg_list*.json</c>): flat <c>caller_*</c>
/// members, a <c>CALLEES</c> array with the CSeq labels swapped as OpenSIPS has them, optional members only when set,
/// and with <c>context</c> for <c>dlg_list_ctx</c> / <c>$DLG_ctx_json</c>. Built under the dialog's lock.
/// </summary>
internal static class DialogJson
{
    public static JsonObject Build(DialogManager manager, Dialog dialog, bool withContext)
    {
        var o = BuildLocked(manager, dialog, withContext);
        if (withContext && o["context"] is JsonObject context)
        {
            // DLGCB_MI_CONTEXT: modules add their members to "context" (outside the lock, as every callback runs).
            manager.RunMiContextCallbacks(dialog, context);
        }

        return o;
    }

    private static JsonObject BuildLocked(DialogManager manager, Dialog dialog, bool withContext)
    {
        var zone = manager.Time.LocalTimeZone;
        lock (dialog.Bucket.Gate)
        {
            var caller = dialog.Leg(0);
            var o = new JsonObject
            {
                ["ID"] = dialog.Did,
                ["db_id"] = dialog.DbId.ToString(CultureInfo.InvariantCulture),
                ["state"] = (int)dialog.State,
                ["user_flags"] = manager.FlagNames(dialog.UserFlags),
                ["timestart"] = dialog.StartUnix,
            };
            if (dialog.StartUnix != 0)
            {
                o["datestart"] = Date(dialog.StartUnix, zone);
            }

            o["timeout"] = dialog.ExpiresUnix;
            if (dialog.ExpiresUnix != 0)
            {
                o["dateout"] = Date(dialog.ExpiresUnix, zone);
            }

            o["callid"] = Text(dialog.CallId);
            o["from_uri"] = Text(dialog.FromUri);
            o["to_uri"] = Text(dialog.ToUri);
            o["caller_tag"] = Text(caller.Tag);
            o["caller_contact"] = Text(caller.Contact);

            // OpenSIPS labels the caller leg's r_cseq "callee_cseq" (and each callee's "caller_cseq"): kept for compatibility.
            o["callee_cseq"] = caller.RequestCSeq.ToString(CultureInfo.InvariantCulture);
            o["caller_route_set"] = Text(caller.RouteSet);
            o["caller_bind_addr"] = caller.BindAddress ?? string.Empty;
            if (caller.Sdp is { } callerSdp)
            {
                o["caller_sdp"] = Text(callerSdp);
            }

            var callees = new JsonArray();
            for (var i = 1; i < dialog.LegCount; i++)
            {
                var leg = dialog.Leg(i);
                var c = new JsonObject
                {
                    ["callee_tag"] = Text(leg.Tag),
                    ["callee_contact"] = Text(leg.Contact),
                    ["caller_cseq"] = leg.RequestCSeq.ToString(CultureInfo.InvariantCulture),
                    ["callee_route_set"] = Text(leg.RouteSet),
                    ["callee_bind_addr"] = leg.BindAddress is { } bind ? JsonValue.Create(bind) : null,
                };
                if (leg.Sdp is { } sdp)
                {
                    c["callee_sdp"] = Text(sdp);
                }

                callees.Add(c);
            }

            o["CALLEES"] = callees;
            if (withContext)
            {
                var context = new JsonObject();
                if (dialog.Values is { Count: > 0 } values)
                {
                    var array = new JsonArray();
                    foreach (var v in values)
                    {
                        array.Add(new JsonObject { [v.Name] = v.Value.IsInt ? JsonValue.Create(v.Value.Int) : JsonValue.Create(Escape(v.Value.AsString())) });
                    }

                    context["values"] = array;
                }

                if (dialog.Profiles is { Count: > 0 } links)
                {
                    var array = new JsonArray();
                    foreach (var link in links)
                    {
                        array.Add(new JsonObject { [link.Profile.Name] = link.Value ?? string.Empty });
                    }

                    context["profiles"] = array;
                }

                o["context"] = context;
            }

            return o;
        }
    }

    /// <summary>Local time as OpenSIPS prints it (<c>YYYY-MM-DD HH:MM:SS</c>).</summary>
    private static string Date(long unix, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(unix), zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Text(byte[]? bytes) => bytes is null ? string.Empty : DialogManager.Utf8(bytes);

    /// <summary>Dialog values as <c>dlg_list_ctx</c> prints them: bytes below 0x20 or above 0x7E escaped (<c>\n</c>, <c>\x00</c>…).</summary>
    internal static string Escape(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var clean = true;
        foreach (var b in bytes)
        {
            if (b is < 0x20 or >= 0x7F)
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return value;
        }

        var s = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes)
        {
            switch (b)
            {
                case 0x08: s.Append("\\b"); break;
                case 0x09: s.Append("\\t"); break;
                case 0x0A: s.Append("\\n"); break;
                case 0x0C: s.Append("\\f"); break;
                case 0x0D: s.Append("\\r"); break;
                case < 0x20 or >= 0x7F: s.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture)); break;
                default: s.Append((char)b); break;
            }
        }

        return s.ToString();
    }
}
