using System.Globalization;
using System.Text;
using Parley.Dialogs.Persistence;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>
/// The dialog side of persistence (opensips-behaviour.md §6): which changes the database must learn (marked on the SIP
/// path under the dialog's lock, queued, never written there), the rows the background writer takes, and dialogs rebuilt
/// from rows at start-up and by <c>dlg_db_sync</c>.
/// </summary>
public sealed partial class DialogManager
{
    /// <summary>Value names under which the vars column carries the re-INVITE ping SDPs (OpenSIPS's <c>uCSDP</c>/<c>ucSDP</c>).</summary>
    private const string CallerSdpValue = "uCSDP";
    private const string CalleeSdpValue = "ucSDP";

    /// <summary>The writer of db_mode 1 and 2 (null with db_mode 0 and 3: nothing is written while the proxy runs).</summary>
    internal DialogPersistence? Persistence { get; set; }

    /// <summary>Marks database work for <paramref name="dialog"/> and queues it once. Caller holds the lock. Cheap: a flag and, at most once per write, a queue slot.</summary>
    internal void MarkDbLocked(Dialog dialog, DialogDbFlags bits)
    {
        if (Persistence is not { } writer)
        {
            return;
        }

        // Early dialogs never reach the database (§6.2): only confirmation starts a dialog's rows.
        if ((bits & DialogDbFlags.New) == 0 && (dialog.DbState & (DialogDbFlags.New | DialogDbFlags.InDb)) == 0)
        {
            return;
        }

        if ((bits & DialogDbFlags.ValuesChanged) != 0 && !Options.DbFlushValsProfiles)
        {
            bits &= ~DialogDbFlags.ValuesChanged;
            if (bits == DialogDbFlags.None)
            {
                return;
            }
        }

        dialog.DbState |= bits;
        if ((dialog.DbState & DialogDbFlags.Queued) == 0)
        {
            dialog.DbState |= DialogDbFlags.Queued;
            writer.Enqueue(dialog);
        }
    }

    /// <summary>Marks database work for a dialog whose lock the caller does not hold.</summary>
    internal void MarkDb(Dialog dialog, DialogDbFlags bits)
    {
        if (Persistence is null)
        {
            return;
        }

        lock (dialog.Bucket.Gate)
        {
            MarkDbLocked(dialog, bits);
        }
    }

    /// <summary>A state change as the database sees it: confirmation inserts, ACK updates, the end deletes.</summary>
    private void MarkDbTransition(Dialog dialog, DialogState old, DialogState now)
    {
        if (Persistence is null)
        {
            return;
        }

        var confirmed = now is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed;
        var wasConfirmed = old is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed;
        if (confirmed)
        {
            MarkDb(dialog, wasConfirmed ? DialogDbFlags.Changed : DialogDbFlags.New);
        }
        else if (now == DialogState.Deleted && wasConfirmed)
        {
            MarkDb(dialog, DialogDbFlags.Deleted);
        }
    }

    /// <summary>
    /// Takes the dialog's pending work as one write (the writer, under the dialog's lock). Returns false when there is
    /// nothing to write (e.g. a dialog that ended before its INSERT). <paramref name="taken"/> is what to give back on failure.
    /// </summary>
    internal bool TakeWriteLocked(Dialog dialog, bool withValues, out DialogWrite write, out DialogDbFlags taken)
    {
        taken = dialog.DbState & DialogDbFlags.Pending;
        var inDb = (dialog.DbState & DialogDbFlags.InDb) != 0;
        dialog.DbState &= ~(DialogDbFlags.Pending | DialogDbFlags.Queued);
        write = default;
        if ((taken & DialogDbFlags.Deleted) != 0 || dialog.State == DialogState.Deleted)
        {
            if (!inDb)
            {
                return false;
            }

            dialog.DbState &= ~DialogDbFlags.InDb;
            write = new DialogWrite(DialogWriteKind.Delete, dialog.DbId, null);
            return true;
        }

        if ((taken & DialogDbFlags.New) != 0)
        {
            dialog.DbState |= DialogDbFlags.InDb;
            write = new DialogWrite(DialogWriteKind.Insert, dialog.DbId, BuildRowLocked(dialog, withValues));
            return true;
        }

        if (!inDb)
        {
            return false;
        }

        if ((taken & DialogDbFlags.Changed) != 0)
        {
            write = new DialogWrite(DialogWriteKind.Update, dialog.DbId, BuildUpdateRowLocked(dialog, withValues));
            return true;
        }

        if ((taken & DialogDbFlags.ValuesChanged) != 0 && withValues)
        {
            var row = new DialogRow { DialogId = dialog.DbId };
            FillValuesLocked(dialog, row);
            write = new DialogWrite(DialogWriteKind.UpdateValues, dialog.DbId, row);
            return true;
        }

        if ((taken & DialogDbFlags.TimeoutChanged) != 0)
        {
            write = new DialogWrite(DialogWriteKind.UpdateTimeout, dialog.DbId, new DialogRow { DialogId = dialog.DbId, Timeout = ExpiryUnixLocked(dialog) });
            return true;
        }

        return false;
    }

    /// <summary>DLGCB_DB_SAVED: the dialog's row was written (the writer, after the batch commits, outside every lock).</summary>
    internal void OnSaved(Dialog dialog) => RunCallbacks(dialog, DialogCallbackType.Saved, null, DialogDirection.None);

    /// <summary>A failed write's work goes back on the dialog, to be retried; later changes stay on top of it.</summary>
    internal void GiveBackLocked(Dialog dialog, DialogWriteKind kind, DialogDbFlags taken)
    {
        dialog.DbState |= taken;
        if (kind == DialogWriteKind.Delete)
        {
            dialog.DbState |= DialogDbFlags.InDb | DialogDbFlags.Deleted;
        }
    }

    /// <summary>The full row of a confirmed dialog (an INSERT, a shutdown flush, <c>dlg_restore_db</c>). Caller holds the lock.</summary>
    internal DialogRow BuildRowLocked(Dialog dialog, bool withValues)
    {
        var caller = dialog.Leg(0);
        var callee = dialog.HasLeg(dialog.CalleeIndex) ? dialog.Leg(dialog.CalleeIndex) : null;
        var row = new DialogRow
        {
            DialogId = dialog.DbId,
            CallId = Utf8(dialog.CallId),
            FromUri = Utf8(dialog.FromUri),
            FromTag = Utf8(caller.Tag),
            ToUri = Utf8(dialog.ToUri),
            ToTag = callee is null ? string.Empty : Utf8(callee.Tag),
            CallerCSeq = caller.RequestCSeq.ToString(CultureInfo.InvariantCulture),
            CalleeCSeq = (callee?.RequestCSeq ?? 0).ToString(CultureInfo.InvariantCulture),
            CallerPingCSeq = caller.LastGeneratedCSeq,
            CalleePingCSeq = callee?.LastGeneratedCSeq ?? 0,
            CallerRouteSet = caller.RouteSet is { } callerRoutes ? Utf8(callerRoutes) : null,
            CalleeRouteSet = callee?.RouteSet is { } calleeRoutes ? Utf8(calleeRoutes) : null,
            CallerContact = caller.Contact is { } callerContact ? Utf8(callerContact) : null,
            CalleeContact = callee?.Contact is { } calleeContact ? Utf8(calleeContact) : null,
            CallerSocket = caller.BindAddress ?? string.Empty,
            CalleeSocket = callee?.BindAddress ?? string.Empty,
            State = (int)dialog.State,
            StartTime = dialog.StartUnix,
            Timeout = ExpiryUnixLocked(dialog),
            Flags = DialogRowCodec.EncodeFlags(dialog.Flags, dialog.Internal, dialog.FromDb),
            RouteOnAnswer = dialog.OnAnswerRoute?.Name,
            RouteOnTimeout = dialog.OnTimeoutRoute?.Name,
            RouteOnHangup = dialog.OnHangupRoute?.Name,
        };
        if (withValues)
        {
            FillValuesLocked(dialog, row);
        }

        return row;
    }

    /// <summary>Only what the 13-column UPDATE writes: no identity strings, route sets or sockets to build.</summary>
    private DialogRow BuildUpdateRowLocked(Dialog dialog, bool withValues)
    {
        var caller = dialog.Leg(0);
        var callee = dialog.HasLeg(dialog.CalleeIndex) ? dialog.Leg(dialog.CalleeIndex) : null;
        var row = new DialogRow
        {
            DialogId = dialog.DbId,
            State = (int)dialog.State,
            Timeout = ExpiryUnixLocked(dialog),
            CallerCSeq = caller.RequestCSeq.ToString(CultureInfo.InvariantCulture),
            CalleeCSeq = (callee?.RequestCSeq ?? 0).ToString(CultureInfo.InvariantCulture),
            CallerPingCSeq = caller.LastGeneratedCSeq,
            CalleePingCSeq = callee?.LastGeneratedCSeq ?? 0,
            Flags = DialogRowCodec.EncodeFlags(dialog.Flags, dialog.Internal, dialog.FromDb),
            CallerContact = caller.Contact is { } callerContact ? Utf8(callerContact) : null,
            CalleeContact = callee?.Contact is { } calleeContact ? Utf8(calleeContact) : null,
        };
        if (withValues)
        {
            FillValuesLocked(dialog, row);
        }

        return row;
    }

    /// <summary>vars, profiles, script_flags and module_flags (§6.2: written with <c>db_flush_vals_profiles</c> or at shutdown).</summary>
    private void FillValuesLocked(Dialog dialog, DialogRow row)
    {
        // The last SDPs each side sent (dlg_list's caller_sdp/callee_sdp, what re-INVITE pings resend) travel in vars
        // as OpenSIPS's uCSDP/ucSDP values, so a restarted proxy has them too.
        var sdps = new SdpPair();
        var n = 0;
        if (dialog.Leg(0).Sdp is { } callerSdp)
        {
            sdps[n++] = (CallerSdpValue, callerSdp);
        }

        if (dialog.HasLeg(dialog.CalleeIndex) && dialog.Leg(dialog.CalleeIndex).Sdp is { } calleeSdp)
        {
            sdps[n++] = (CalleeSdpValue, calleeSdp);
        }

        ReadOnlySpan<(string, byte[])> extra = sdps;

        row.Vars = DialogRowCodec.EncodeVars(dialog.Values, extra[..n]);
        row.Profiles = DialogRowCodec.EncodeProfiles(dialog.Profiles);
        row.ScriptFlags = dialog.UserFlags == 0 ? null : FlagNames(dialog.UserFlags);
        row.ModuleFlags = 0;
    }

    [System.Runtime.CompilerServices.InlineArray(2)]
    private struct SdpPair
    {
        private (string Name, byte[] Sdp) _first;
    }

    /// <summary>The <c>timeout</c> column: when the lifetime ends (unix seconds).</summary>
    private static long ExpiryUnixLocked(Dialog dialog) =>
        dialog.ExpiresUnix != 0 ? dialog.ExpiresUnix : dialog.StartUnix + dialog.LifetimeSeconds;

    /// <summary>
    /// A dialog from a row (§6.2 "All DB modes"): same DID, both legs with their CSeqs, route sets, contacts and sockets,
    /// flags, values, profiles and routes; the lifetime re-armed with what is left of it (0: expires at once), pings
    /// restarted. Null with the reason in <paramref name="problem"/> when the row cannot be a dialog of this table (its
    /// h_entry is not its Call-ID's: <c>hash_size</c> changed), or when its DID is already in memory.
    /// </summary>
    internal Dialog? Restore(DialogRow row, Func<string, RouteHandle?>? routes, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(row);
        var entry = (uint)(row.DialogId >> 32);
        var id = (uint)row.DialogId;
        var callId = Encoding.UTF8.GetBytes(row.CallId);
        var expected = DialogId.Entry(callId, Table.Size);
        if (entry != expected)
        {
            problem = $"dialog row dlg_id {row.DialogId} (Call-ID '{row.CallId}') is in hash entry {entry}, but its Call-ID hashes to {expected} with hash_size {Table.Size}: hash_size changed since the row was written; row refused";
            return null;
        }

        if (row.State is not ((int)DialogState.ConfirmedNotAcknowledged or (int)DialogState.Confirmed))
        {
            problem = $"dialog row dlg_id {row.DialogId} has state {row.State}; only confirmed dialogs (3, 4) are loaded";
            return null;
        }

        if (Table.Find(entry, id) is not null)
        {
            problem = $"dialog {DialogId.Format(entry, id)} is already in memory";
            return null;
        }

        var (flags, internalFlags) = DialogRowCodec.DecodeFlags(row.Flags);
        var dialog = new Dialog(this, Table.Bucket(entry), callId, Encoding.UTF8.GetBytes(row.FromUri), Encoding.UTF8.GetBytes(row.ToUri))
        {
            Flags = flags,
            Internal = internalFlags,
            State = (DialogState)row.State,
            StartUnix = row.StartTime,
            LifetimeSeconds = (int)Math.Clamp(row.Timeout - row.StartTime, 0, int.MaxValue),
            FromDb = true,
            OnAnswerRoute = Route(routes, row.RouteOnAnswer),
            OnTimeoutRoute = Route(routes, row.RouteOnTimeout),
            OnHangupRoute = Route(routes, row.RouteOnHangup),
        };
        var callerCSeq = ParseCSeq(row.CallerCSeq);
        var calleeCSeq = ParseCSeq(row.CalleeCSeq);
        dialog.AddLeg(new DialogLeg
        {
            Tag = Encoding.UTF8.GetBytes(row.FromTag),
            RequestCSeq = callerCSeq,
            InviteCSeq = calleeCSeq,
            LastGeneratedCSeq = row.CallerPingCSeq,
            RouteSet = Bytes(row.CallerRouteSet),
            Contact = Bytes(row.CallerContact),
            BindAddress = row.CallerSocket.Length == 0 ? null : row.CallerSocket,
        });
        dialog.AnsweredLeg = dialog.AddLeg(new DialogLeg
        {
            Tag = Encoding.UTF8.GetBytes(row.ToTag),
            RequestCSeq = calleeCSeq,
            LastGeneratedCSeq = row.CalleePingCSeq,
            RouteSet = Bytes(row.CalleeRouteSet),
            Contact = Bytes(row.CalleeContact),
            BindAddress = row.CalleeSocket.Length == 0 ? null : row.CalleeSocket,
            Branch = 0,
        });
        ApplyValues(dialog, row);
        dialog.UserFlags = ParseFlagNames(row.ScriptFlags);

        Table.LinkWithId(dialog, id);
        lock (dialog.Bucket.Gate)
        {
            ArmLifetimeLocked(dialog, (int)Math.Clamp(row.Timeout - NowUnix, 0, int.MaxValue));
            if (dialog.State == DialogState.Confirmed)
            {
                StartPingsLocked(dialog);
            }
        }

        RestoreProfiles(dialog, row.Profiles);
        lock (dialog.Bucket.Gate)
        {
            // Only now: re-adding the profiles would otherwise queue a write of what the row already holds.
            dialog.DbState = DialogDbFlags.InDb;
        }

        Statistics.Active.Increment();
        RunCallbacks(dialog, _loadedCallbacks, DialogCallbackType.Loaded, null, DialogDirection.None);
        problem = null;
        return dialog;
    }

    /// <summary>
    /// <c>dlg_db_sync</c> for a dialog already in memory: a row with the same or a newer state overwrites what can move
    /// during a call (state, CSeqs, contacts, lifetime, flags, values, profiles); an older row is ignored. True when applied.
    /// </summary>
    internal bool Refresh(Dialog dialog, DialogRow row)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        ArgumentNullException.ThrowIfNull(row);
        DialogState old;
        lock (dialog.Bucket.Gate)
        {
            old = dialog.State;
            if (old == DialogState.Deleted || (int)old > row.State || row.State is not ((int)DialogState.ConfirmedNotAcknowledged or (int)DialogState.Confirmed))
            {
                return false;
            }

            var caller = dialog.Leg(0);
            caller.RequestCSeq = ParseCSeq(row.CallerCSeq);
            caller.LastGeneratedCSeq = row.CallerPingCSeq;
            caller.Contact = Bytes(row.CallerContact) ?? caller.Contact;
            if (dialog.HasLeg(dialog.CalleeIndex))
            {
                var callee = dialog.Leg(dialog.CalleeIndex);
                callee.RequestCSeq = ParseCSeq(row.CalleeCSeq);
                callee.LastGeneratedCSeq = row.CalleePingCSeq;
                callee.Contact = Bytes(row.CalleeContact) ?? callee.Contact;
            }

            var (flags, internalFlags) = DialogRowCodec.DecodeFlags(row.Flags);
            dialog.Flags = flags;
            dialog.Internal = (dialog.Internal & DialogInternalFlags.Attached) | internalFlags;
            dialog.State = (DialogState)row.State;
            if (row.Vars is not null)
            {
                dialog.Values = null;
                ApplyValues(dialog, row);
            }

            if (row.ScriptFlags is not null)
            {
                dialog.UserFlags = ParseFlagNames(row.ScriptFlags);
            }

            if (dialog.State is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed)
            {
                ArmLifetimeLocked(dialog, (int)Math.Clamp(row.Timeout - NowUnix, 0, int.MaxValue));
            }

            if (dialog.State == DialogState.Confirmed)
            {
                StartPingsLocked(dialog);
            }
        }

        if (row.Profiles is not null)
        {
            RemoveFromProfiles(dialog);
            RestoreProfiles(dialog, row.Profiles);
        }

        if (old != dialog.State)
        {
            RaiseStateChanged(dialog, old, dialog.State);
        }

        return true;
    }

    private static RouteHandle? Route(Func<string, RouteHandle?>? routes, string? name) =>
        string.IsNullOrEmpty(name) || routes is null ? null : routes(name);

    private static uint ParseCSeq(string text) =>
        uint.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static byte[]? Bytes(string? text) => string.IsNullOrEmpty(text) ? null : Encoding.UTF8.GetBytes(text);

    /// <summary>Values from the vars column; the re-INVITE ping SDPs go back to their legs. Caller holds the lock or owns the dialog.</summary>
    private static void ApplyValues(Dialog dialog, DialogRow row)
    {
        foreach (var (name, value) in DialogRowCodec.DecodeVars(row.Vars))
        {
            if (name == CallerSdpValue)
            {
                dialog.Leg(0).Sdp = Encoding.UTF8.GetBytes(value.AsString());
            }
            else if (name == CalleeSdpValue && dialog.HasLeg(dialog.CalleeIndex))
            {
                dialog.Leg(dialog.CalleeIndex).Sdp = Encoding.UTF8.GetBytes(value.AsString());
            }
            else
            {
                (dialog.Values ??= new List<DialogValue>(2)).Add(new DialogValue(name, value));
            }
        }
    }

    private uint ParseFlagNames(string? names)
    {
        var bits = 0u;
        if (string.IsNullOrWhiteSpace(names))
        {
            return bits;
        }

        foreach (var name in names.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var bit = FlagBit(name);
            if (bit >= 0)
            {
                bits |= 1u << bit;
            }
        }

        return bits;
    }

    private void RestoreProfiles(Dialog dialog, string? column)
    {
        var links = DialogRowCodec.DecodeProfiles(column);

        // The column lists the newest link first; re-adding in reverse keeps that order in memory.
        for (var i = links.Count - 1; i >= 0; i--)
        {
            var (name, value) = links[i];
            if (Profiles.Find(name) is { } profile)
            {
                SetProfile(dialog, profile, profile.HasValue ? value : null);
            }
            else
            {
                DialogLog.UnknownProfile(_logger, dialog.Did, name);
            }
        }
    }
}
