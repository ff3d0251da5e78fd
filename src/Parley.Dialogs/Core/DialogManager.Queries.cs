using Parley.Dialogs.Management;
using Parley.Dialogs.Profiles;
using Parley.Protocol;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>
/// <c>validate_dialog</c> (opensips-behaviour.md §3.7), the table queries <c>get_dialog_info</c>, <c>get_dialog_vals</c>,
/// <c>get_dialogs_by_val</c>, <c>get_dialogs_by_profile</c> (manual §1.7.5–1.7.8) and <c>load_dialog_ctx</c> /
/// <c>unload_dialog_ctx</c> (§1.7.9–1.7.10).
/// </summary>
public sealed partial class DialogManager
{
    /// <summary>
    /// <c>validate_dialog()</c>: 1 when the request fits the dialog; -1 bad CSeq, -2 bad remote target, -3 bad route set,
    /// -4 no dialog / no destination leg / unparsable message. Checks run in OpenSIPS's order (§3.7).
    /// </summary>
    public int ValidateDialog(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var msg = context.Message;
        if (Current(context) is not { } dialog || msg is not { IsRequest: true })
        {
            return -4;
        }

        var legIndex = DestinationLeg(context);
        if (!msg.TryGetCSeq(out var cseq) || (cseq.Number == 0 && cseq.Method == SipMethod.Unknown))
        {
            return -4;
        }

        byte[]? contact;
        byte[]? routeSet;
        lock (dialog.Bucket.Gate)
        {
            if (!dialog.HasLeg(legIndex))
            {
                return -4;
            }

            var leg = dialog.Leg(legIndex);
            if (msg.Method == SipMethod.Ack)
            {
                // The ACK repeats the CSeq of the INVITE it acknowledges (RFC 3261 §17.1.1.3): the source leg's inv_cseq.
                var source = dialog.Leg(legIndex == 0 ? dialog.CalleeIndex : 0);
                if (cseq.Number != source.InviteCSeq)
                {
                    return -1;
                }
            }
            else
            {
                // RFC 3261 §12.2.2: in-dialog CSeqs MUST grow; the matcher already moved the last one to prev_cseq.
                var last = leg.HasPreviousCSeq ? leg.PreviousCSeq : leg.RequestCSeq;
                if (cseq.Number <= last)
                {
                    return -1;
                }
            }

            if (Rr is null || dialog.State <= DialogState.Early)
            {
                return 1;
            }

            contact = leg.Contact;
            routeSet = leg.RouteSet;
        }

        if (contact is not null)
        {
            // The remote target: the Request-URI after loose_route (which also handles the strict-router case).
            var target = context.RequestUriText;
            if (!SipUri.TryParse(target, out var targetUri, out _))
            {
                return -4;
            }

            if (!SipUri.TryParse(contact, out var contactUri, out _) || !SipUri.Equivalent(target, targetUri, contact, contactUri))
            {
                return -2;
            }
        }

        return ValidateRouteSet(context, msg, routeSet);
    }

    /// <summary>§3.7 step 5: the Route URIs loose_route did not consume must be the leg's route set, one by one.</summary>
    private static int ValidateRouteSet(ScriptContext context, SipMessage msg, byte[]? routeSet)
    {
        var routes = msg.Routes;
        if (!routes.MoveNext())
        {
            return routes.Failed ? -4 : routeSet is null ? 1 : -3;
        }

        Span<ByteRange> stored = stackalloc ByteRange[DialogValidator.MaxRoutes];
        var storedCount = routeSet is null ? 0 : DialogValidator.SplitRouteSet(routeSet, stored);
        if (storedCount < 0)
        {
            return -4;
        }

        Span<ByteRange> received = stackalloc ByteRange[DialogValidator.MaxRoutes];
        var receivedCount = DialogValidator.UnconsumedRoutes(context, msg, received);
        if (receivedCount < 0)
        {
            return -4;
        }

        if (receivedCount != storedCount)
        {
            return -3;
        }

        for (var i = 0; i < receivedCount; i++)
        {
            var a = msg[received[i]];
            var b = routeSet.AsSpan(stored[i].Start, stored[i].Length);
            if (!SipUri.TryParse(a, out var ua, out _) || !SipUri.TryParse(b, out var ub, out _) || !SipUri.Equivalent(a, ua, b, ub))
            {
                return -3;
            }
        }

        return 1;
    }

    /// <summary>Ongoing dialogs (not deleted) in table order; the queries of manual §1.7.5–1.7.8 look at these.</summary>
    private List<Dialog> Ongoing()
    {
        var all = Table.Snapshot();
        var n = 0;
        for (var i = 0; i < all.Count; i++)
        {
            var d = all[i];
            bool deleted;
            lock (d.Bucket.Gate)
            {
                deleted = d.State == DialogState.Deleted;
            }

            if (!deleted)
            {
                all[n++] = d;
            }
        }

        all.RemoveRange(n, all.Count - n);
        return all;
    }

    /// <summary>
    /// <c>get_dialog_info(attr, avp, key, key_val, no_dlgs)</c>: the <paramref name="attribute"/> value of every ongoing
    /// dialog whose <c>$dlg_val(key)</c> equals <paramref name="keyValue"/> (those without the attribute add nothing);
    /// returns how many dialogs have the key value.
    /// </summary>
    public int GetDialogInfo(string attribute, string key, string keyValue, List<ScriptValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var found = 0;
        foreach (var d in Ongoing())
        {
            if (TryGetValue(d, key, out var v) && v.AsString() == keyValue)
            {
                found++;
                if (TryGetValue(d, attribute, out var a))
                {
                    values.Add(a);
                }
            }
        }

        return found;
    }

    /// <summary><c>get_dialog_vals(names, vals, callid)</c>: every value of the dialog with this Call-ID; false when there is none.</summary>
    public bool GetDialogValues(string callId, List<string> names, List<ScriptValue> values)
    {
        ArgumentNullException.ThrowIfNull(callId);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        var dialog = Table.FindByCallId(System.Text.Encoding.UTF8.GetBytes(callId));
        if (dialog is null)
        {
            return false;
        }

        lock (dialog.Bucket.Gate)
        {
            if (dialog.State == DialogState.Deleted)
            {
                return false;
            }

            if (dialog.Values is { } list)
            {
                foreach (var v in list)
                {
                    names.Add(v.Name);
                    values.Add(v.Value);
                }
            }
        }

        return true;
    }

    /// <summary><c>get_dialogs_by_val(name, value, out, n)</c>: the <c>$DLG_ctx_json</c> of every ongoing dialog with <c>$dlg_val(name) == value</c>.</summary>
    public int GetDialogsByValue(string name, string value, List<string> jsons)
    {
        ArgumentNullException.ThrowIfNull(jsons);
        foreach (var d in Ongoing())
        {
            if (TryGetValue(d, name, out var v) && v.AsString() == value)
            {
                jsons.Add(DialogJson.Build(this, d, withContext: true).ToJsonString());
            }
        }

        return jsons.Count;
    }

    /// <summary><c>get_dialogs_by_profile(name, [value], out, n)</c>: the <c>$DLG_ctx_json</c> of every ongoing dialog in the profile (with that value, if given).</summary>
    public int GetDialogsByProfile(DialogProfile profile, string? value, List<string> jsons)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(jsons);
        foreach (var d in Ongoing())
        {
            if (IsInProfile(d, profile, profile.HasValue ? value : null))
            {
                jsons.Add(DialogJson.Build(this, d, withContext: true).ToJsonString());
            }
        }

        return jsons.Count;
    }

    /// <summary>
    /// <c>load_dialog_ctx(id[, id_type])</c>: makes the dialog with this Call-ID (or DID) the context's dialog until
    /// <see cref="UnloadContext"/>; -1 when none is found or one is loaded already (no nesting).
    /// </summary>
    public int LoadContext(ScriptContext context, string id, bool byDid)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(id);
        var state = context.GetState(DialogContextState.Slot);
        if (state.Owner == this && state.Loaded)
        {
            return -1;
        }

        var dialog = byDid ? FindByDid(id) : Table.FindByCallId(System.Text.Encoding.UTF8.GetBytes(id));
        if (dialog is null)
        {
            return -1;
        }

        var own = state.Owner == this;
        state.SavedDialog = own ? state.Dialog : null;
        state.SavedDestinationLeg = own ? state.DestinationLeg : -1;
        state.Owner = this;
        state.Loaded = true;
        state.Dialog = dialog;
        state.DestinationLeg = -1;
        return 1;
    }

    /// <summary><c>unload_dialog_ctx()</c>: brings back the dialog the context had before the load; -1 when nothing is loaded.</summary>
    public int UnloadContext(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(DialogContextState.Slot);
        if (state.Owner != this || !state.Loaded)
        {
            return -1;
        }

        state.Dialog = state.SavedDialog;
        state.DestinationLeg = state.SavedDestinationLeg;
        state.SavedDialog = null;
        state.Loaded = false;
        return 1;
    }
}
