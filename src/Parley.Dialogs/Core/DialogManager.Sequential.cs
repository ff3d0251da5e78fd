using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>Sequential requests (opensips-behaviour.md §3): matching by the DID cookie or by Call-ID and tags, then §1.6.</summary>
public sealed partial class DialogManager
{
    /// <summary>rr's loose-route callback: the request is matched with <c>dlg_match_mode</c> (manual §1.7.2).</summary>
    internal void OnLooseRoute(ScriptContext context, ReadOnlyMemory<byte> routeParameters)
    {
        var state = context.GetState(DialogContextState.Slot);
        if (state.Owner == this && state.Dialog is not null)
        {
            return;
        }

        Match(context, state, routeParameters.Span, Options.MatchMode);
    }

    /// <summary>
    /// <c>match_dialog([mode])</c>: matches the request if no dialog is attached yet, using the parameters of the Route
    /// loose_route consumed (if any). 1 when the message has a dialog, -1 otherwise.
    /// </summary>
    public int MatchDialog(ScriptContext context, DialogMatchMode mode)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(DialogContextState.Slot);
        if (state.Owner == this && state.Dialog is not null)
        {
            return 1;
        }

        var parameters = Rr is { } rr ? rr.GetRouteParameters(context) : default;
        if (parameters.IsEmpty && mode != DialogMatchMode.DidNone && TopologyHidingParameters(context) is { } hidden)
        {
            // §2: no Route of ours was consumed; the DID may ride in the Request-URI (topology hiding).
            parameters = hidden;
        }

        Match(context, state, parameters, mode);
        return state.Owner == this && state.Dialog is not null ? 1 : -1;
    }

    private void Match(ScriptContext context, DialogContextState state, ReadOnlySpan<byte> routeParameters, DialogMatchMode mode)
    {
        var msg = context.Message;
        if (msg is not { IsRequest: true } || !msg.TryGetTo(out var to) || !to.HasTag || to.Tag.Length == 0
            || !msg.TryGetFrom(out var from))
        {
            // No To tag: an initial request that reached loose_route through a preloaded Route (§3.1).
            return;
        }

        var callId = DialogId.Trim(msg[msg.CallId]);
        ReadOnlySpan<byte> fromTag = from.HasTag ? msg[from.Tag] : default;
        var toTag = msg[to.Tag];
        Dialog? dialog = null;
        var direction = DialogDirection.None;
        var destination = -1;
        if (mode != DialogMatchMode.DidNone)
        {
            if (!TryGetParameter(routeParameters, _rrParam, out var did))
            {
                if (mode == DialogMatchMode.DidOnly)
                {
                    return;
                }
            }
            else
            {
                if (!DialogId.TryParse(did, out var entry, out var id))
                {
                    DialogLog.MalformedDid(_logger, System.Text.Encoding.ASCII.GetString(did));
                    return;
                }

                dialog = FindAndMatch(entry, id, callId, fromTag, toTag, out direction, out destination);
                if (dialog is null && mode == DialogMatchMode.DidOnly)
                {
                    return;
                }
            }
        }

        dialog ??= MatchBySip(callId, fromTag, toTag, out direction, out destination);
        if (dialog is not null)
        {
            OnSequentialRequest(context, state, dialog, msg, direction, destination);
        }
    }

    /// <summary>The dialog with this DID, if its Call-ID and tags pass the tight check (deleted dialogs included).</summary>
    private Dialog? FindAndMatch(uint entry, uint id, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> fromTag, ReadOnlySpan<byte> toTag,
        out DialogDirection direction, out int destination)
    {
        direction = DialogDirection.None;
        destination = -1;
        if (entry >= (uint)Table.Size)
        {
            return null;
        }

        var bucket = Table.Bucket(entry);
        lock (bucket.Gate)
        {
            for (var d = bucket.First; d is not null; d = d.Next)
            {
                if (d.Id != id)
                {
                    continue;
                }

                if (MatchLocked(d, callId, fromTag, toTag, out direction, out destination))
                {
                    return d;
                }

                DialogLog.TightMatchFailed(_logger, d.Did);
                return null;
            }
        }

        return null;
    }

    /// <summary>SIP-wise matching (§3.2 step 2): the Call-ID's bucket, first match wins, deleted dialogs skipped.</summary>
    private Dialog? MatchBySip(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> fromTag, ReadOnlySpan<byte> toTag,
        out DialogDirection direction, out int destination)
    {
        var bucket = Table.BucketOf(callId);
        lock (bucket.Gate)
        {
            for (var d = bucket.First; d is not null; d = d.Next)
            {
                if (d.State != DialogState.Deleted && MatchLocked(d, callId, fromTag, toTag, out direction, out destination))
                {
                    return d;
                }
            }
        }

        direction = DialogDirection.None;
        destination = -1;
        return null;
    }

    /// <summary>
    /// The tag and direction rules of §3.3: the Call-ID must be equal; the caller's tag as From tag means downstream (the
    /// To tag must be a callee's), as To tag upstream (the From tag must be a callee's). With no callee leg yet, only an
    /// empty tag matches.
    /// </summary>
    private static bool MatchLocked(Dialog dialog, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> fromTag, ReadOnlySpan<byte> toTag,
        out DialogDirection direction, out int destination)
    {
        direction = DialogDirection.None;
        destination = -1;
        if (!dialog.CallId.AsSpan().SequenceEqual(callId))
        {
            return false;
        }

        var callerTag = dialog.Leg(0).Tag.AsSpan();
        ReadOnlySpan<byte> checkedTag;
        if (fromTag.SequenceEqual(callerTag))
        {
            direction = DialogDirection.Downstream;
            checkedTag = toTag;
        }
        else if (toTag.SequenceEqual(callerTag))
        {
            direction = DialogDirection.Upstream;
            destination = 0;
            checkedTag = fromTag;
        }
        else
        {
            return false;
        }

        if (dialog.LegCount > 1)
        {
            var leg = dialog.FindCallee(checkedTag);
            if (leg < 0)
            {
                return false;
            }

            if (direction == DialogDirection.Downstream)
            {
                destination = leg;
            }

            return true;
        }

        return checkedTag.IsEmpty;
    }

    /// <summary>
    /// What happens once a sequential request matched (§3.4, §1.6): the state machine, the context, the transaction,
    /// then the transition's actions — BYE ends the call, other requests move the CSeqs and may re-arm the lifetime.
    /// </summary>
    private void OnSequentialRequest(ScriptContext context, DialogContextState state, Dialog dialog, SipMessage msg,
        DialogDirection direction, int destination)
    {
        var e = msg.Method switch
        {
            SipMethod.Prack => DialogEvent.Prack,
            SipMethod.Ack => DialogEvent.Ack,
            SipMethod.Bye => DialogEvent.Bye,
            _ => DialogEvent.Request,
        };
        var cseq = msg.TryGetCSeq(out var value) ? value.Number : 0;
        var hasCSeq = value.Method != SipMethod.Unknown || cseq != 0;
        DialogState old;
        DialogState now;
        lock (dialog.Bucket.Gate)
        {
            old = dialog.State;
            now = DialogStateMachine.Next(dialog, e, direction, destination, out _);
            dialog.State = now;
            if (e is DialogEvent.Request or DialogEvent.Ack && now is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed)
            {
                if (state.Owner == this && state.Timeout > 0)
                {
                    dialog.LifetimeSeconds = state.Timeout;
                    ArmLifetimeLocked(dialog, state.Timeout);
                }

                // §1.6: ping intervals written before the dialog was matched apply now too.
                if (state.Owner == this && state.OptionsPingInterval > 0)
                {
                    SetPingIntervalLocked(dialog, reinvite: false, state.OptionsPingInterval);
                }

                if (state.Owner == this && state.ReinvitePingInterval > 0)
                {
                    SetPingIntervalLocked(dialog, reinvite: true, state.ReinvitePingInterval);
                }

                if (e == DialogEvent.Request)
                {
                    // §6.2: every non-ACK sequential request updates the row (CSeqs, contacts, timeout).
                    MarkDbLocked(dialog, Parley.Dialogs.Persistence.DialogDbFlags.Changed);
                }

                if (e != DialogEvent.Ack && hasCSeq && dialog.HasLeg(destination))
                {
                    ShiftCSeqLocked(dialog.Leg(destination), cseq);
                    StageSdpLocked(dialog, msg, destination);
                    if (msg.Method is SipMethod.Invite or SipMethod.Update)
                    {
                        // The source's INVITE CSeq validates its coming ACK; its Contact is the new remote target.
                        var source = dialog.Leg(destination == 0 ? dialog.CalleeIndex : 0);
                        source.InviteCSeq = cseq;
                        if (SingleContact(msg) is { } contact)
                        {
                            source.Contact = contact;
                        }
                    }
                }
            }
            else if (e is DialogEvent.Prack or DialogEvent.Request or DialogEvent.Bye && now == DialogState.Early && hasCSeq && dialog.HasLeg(destination))
            {
                ShiftCSeqLocked(dialog.Leg(destination), cseq);
            }

            if (e == DialogEvent.Ack && dialog.HasLeg(destination))
            {
                CommitAckSdpLocked(dialog, msg, destination);
            }

            if (now == DialogState.Confirmed && old == DialogState.ConfirmedNotAcknowledged)
            {
                StartPingsLocked(dialog);
            }

            if (hasCSeq)
            {
                state.OriginalCSeq = TranslateCSeqLocked(context, dialog, msg, destination, cseq);
            }
        }

        state.Owner = this;
        state.Dialog = dialog;
        state.DestinationLeg = destination;
        if (_tm?.Current(context) is { } tx)
        {
            AttachSequential(dialog, tx, destination, state.OriginalCSeq);
        }

        if (old != now)
        {
            RaiseStateChanged(dialog, old, now);
        }

        if (e == DialogEvent.Bye && now == DialogState.Deleted && old != DialogState.Deleted)
        {
            // §1.3 "BYE: 3/4→5", at the request: OpenSIPS does not wait for the BYE's 200.
            RunRoute(dialog, dialog.OnHangupRoute);
            lock (dialog.Bucket.Gate)
            {
                dialog.EndReason ??= destination == 0 ? "Upstream BYE" : "Downstream BYE";
            }

            TerminatedActions(dialog, msg, direction);
            bool destroyed;
            lock (dialog.Bucket.Gate)
            {
                destroyed = ReleaseIfDoneLocked(dialog);
            }

            if (destroyed)
            {
                RunCallbacks(dialog, DialogCallbackType.Destroy, null, DialogDirection.None);
            }

            return;
        }

        if ((e is DialogEvent.Request or DialogEvent.Ack && now is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed)
            || (e is DialogEvent.Prack or DialogEvent.Request or DialogEvent.Bye && now == DialogState.Early))
        {
            RunCallbacks(dialog, DialogCallbackType.RequestWithin, msg, direction);
        }
    }

    /// <summary>The destination's last CSeq becomes <c>prev_cseq</c> and the request's its new <c>r_cseq</c>.</summary>
    private static void ShiftCSeqLocked(DialogLeg leg, uint cseq)
    {
        leg.PreviousCSeq = leg.RequestCSeq;
        leg.HasPreviousCSeq = true;
        leg.RequestCSeq = cseq;
    }

    /// <summary>A URI parameter's value in <c>lr;ftag=a;did=b</c> (a leading ';' is allowed); names compare case-insensitively (RFC 3261 §19.1.4).</summary>
    internal static bool TryGetParameter(ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        while (!parameters.IsEmpty)
        {
            var end = parameters.IndexOf((byte)';');
            var item = end < 0 ? parameters : parameters[..end];
            parameters = end < 0 ? default : parameters[(end + 1)..];
            var eq = item.IndexOf((byte)'=');
            var itemName = (eq < 0 ? item : item[..eq]).Trim(" \t"u8);
            if (System.Text.Ascii.EqualsIgnoreCase(itemName, name))
            {
                value = eq < 0 ? default : item[(eq + 1)..].Trim(" \t"u8);
                return true;
            }
        }

        return false;
    }
}
