using Parley.Protocol;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Core;

/// <summary>How the dialog follows tm (opensips-behaviour.md §9.10): the INVITE transaction's callbacks drive the state machine.</summary>
public sealed partial class DialogManager
{
    /// <summary>tm's global request-in: a transaction was created for a message that already has a dialog.</summary>
    private void OnRequestIn(ITmTransaction transaction, in TmCallbackArgs args)
    {
        if (args.Context is not { } context)
        {
            return;
        }

        var state = context.GetState(DialogContextState.Slot);
        if (state.Owner != this)
        {
            return;
        }

        if (state.PendingCreate is { } created)
        {
            if (transaction.IsInvite)
            {
                state.PendingCreate = null;
                AttachInvite(created, transaction);
            }

            return;
        }

        if (state.Dialog is { } dialog && !(transaction.IsInvite && IsInitialTransaction(dialog, transaction)))
        {
            AttachSequential(dialog, transaction, state.DestinationLeg, state.OriginalCSeq);
        }
    }

    private static bool IsInitialTransaction(Dialog dialog, ITmTransaction transaction)
    {
        lock (dialog.Bucket.Gate)
        {
            return dialog.InitialTransactionEntry == transaction.HashEntry && dialog.InitialTransactionLabel == transaction.Label;
        }
    }

    /// <summary>Attaches a new dialog to its INVITE transaction: the transaction holds it until it is deleted.</summary>
    private void AttachInvite(Dialog dialog, ITmTransaction transaction)
    {
        lock (dialog.Bucket.Gate)
        {
            if ((dialog.Internal & DialogInternalFlags.Attached) != 0)
            {
                return;
            }

            dialog.Internal |= DialogInternalFlags.Attached;
            dialog.InitialTransactionEntry = transaction.HashEntry;
            dialog.InitialTransactionLabel = transaction.Label;
            dialog.References++;
        }

        _byTransaction[transaction] = dialog;
        if (!transaction.RegisterCallback(InviteCallbacks, _onInviteEvent, dialog))
        {
            // The transaction is already going away: it will not tell us, so it counts as deleted now.
            _byTransaction.TryRemove(transaction, out _);
            OnInviteGone(dialog, dropReference: true);
        }
    }

    /// <summary>An in-dialog request's transaction: it holds the dialog until deleted (a BYE keeps a deleted dialog listed meanwhile).</summary>
    private void AttachSequential(Dialog dialog, ITmTransaction transaction, int destinationLeg, uint originalCSeq = 0)
    {
        lock (dialog.Bucket.Gate)
        {
            dialog.References++;
        }

        _byTransaction[transaction] = dialog;
        var types = TmCallbackType.TransactionDeleted;
        object parameter = dialog;
        if (transaction.Method is SipMethod.Invite or SipMethod.Update || dialog.Callbacks is not null || originalCSeq != 0)
        {
            types |= TmCallbackType.ResponsePreOut;
            parameter = new SequentialTransaction(dialog, destinationLeg, originalCSeq);
        }

        if (originalCSeq != 0)
        {
            // §3.6: the reply is renumbered back as it arrives, so a reply tm keeps and relays later (the best negative
            // reply after a failure_route, say) leaves with the endpoint's CSeq too.
            types |= TmCallbackType.ResponseIn;
        }

        if (!transaction.RegisterCallback(types, _onSequentialEvent, parameter))
        {
            _byTransaction.TryRemove(transaction, out _);
            Unreference(dialog);
        }
    }

    private void OnInviteTransactionEvent(ITmTransaction transaction, in TmCallbackArgs args)
    {
        if (args.Parameter is not Dialog dialog)
        {
            return;
        }

        switch (args.Type)
        {
            case TmCallbackType.RequestBuilt:
                if (args.Request is { Method: SipMethod.Invite } request)
                {
                    AddCalleeLeg(dialog, request, args.BranchIndex);
                }

                break;
            case TmCallbackType.ResponsePreOut:
                if (args.Code > 100)
                {
                    if (args.Reply is { } reply)
                    {
                        PushReply(dialog, reply, args.Code, args.BranchIndex, args.Context);
                        RunCallbacks(dialog, DialogCallbackType.ResponseForwarded, reply, DialogDirection.Upstream);
                    }

                    OnInviteReply(dialog, args.Code, args.Reply);
                }

                break;
            case TmCallbackType.LocalResponseOut:
                // Local replies (t_reply, the 408 of a timeout, 487 after CANCEL) drive the state from 200 on (§1.1).
                if (args.Code >= 200)
                {
                    OnInviteReply(dialog, args.Code, null);
                }

                break;
            case TmCallbackType.TransactionCancelled:
                OnCancelled(dialog);
                break;
            case TmCallbackType.TransactionDeleted:
                _byTransaction.TryRemove(transaction, out _);
                OnInviteGone(dialog, dropReference: true);
                break;
        }
    }

    private void OnSequentialTransactionEvent(ITmTransaction transaction, in TmCallbackArgs args)
    {
        var dialog = args.Parameter as Dialog ?? (args.Parameter as SequentialTransaction)?.Dialog;
        if (dialog is null)
        {
            return;
        }

        if (args.Type == TmCallbackType.TransactionDeleted)
        {
            _byTransaction.TryRemove(transaction, out _);
            Unreference(dialog);
            return;
        }

        if (args.Type == TmCallbackType.ResponseIn)
        {
            // §3.6: the endpoint sees its own CSeq in the reply to a renumbered request.
            if (args.Parameter is SequentialTransaction { OriginalCSeq: not 0 } renumbered && args.Reply is { } received && args.Context is { } replyContext)
            {
                RestoreCSeq(replyContext, received, renumbered.OriginalCSeq);
            }

            return;
        }

        if (args.Type == TmCallbackType.ResponsePreOut && args.Reply is { } reply && args.Parameter is SequentialTransaction sequential)
        {

            if (args.Code is >= 200 and < 300 && transaction.Method is SipMethod.Invite or SipMethod.Update)
            {
                CommitSdp(dialog, reply, sequential.DestinationLeg);
            }

            // §1.6: a 2xx to a re-INVITE/UPDATE refreshes the remote target of the side that answered.
            if (args.Code is >= 200 and < 300 && transaction.Method is SipMethod.Invite or SipMethod.Update
                && SingleContact(reply) is { } contact)
            {
                lock (dialog.Bucket.Gate)
                {
                    if (dialog.HasLeg(sequential.DestinationLeg))
                    {
                        dialog.Leg(sequential.DestinationLeg).Contact = contact;
                        MarkDbLocked(dialog, Parley.Dialogs.Persistence.DialogDbFlags.Changed);
                    }
                }
            }

            RunCallbacks(dialog, DialogCallbackType.ResponseWithin, reply,
                sequential.DestinationLeg == 0 ? DialogDirection.Downstream : DialogDirection.Upstream);
        }
    }

    /// <summary>TMCB_REQUEST_BUILT: each outgoing INVITE branch gets a callee leg with no tag yet (§1.5).</summary>
    private static void AddCalleeLeg(Dialog dialog, SipMessage request, int branch)
    {
        lock (dialog.Bucket.Gate)
        {
            for (var i = 1; i < dialog.LegCount; i++)
            {
                if (dialog.Leg(i).Branch == branch)
                {
                    return;
                }
            }

            var cseq = request.TryGetCSeq(out var value) ? value.Number : dialog.Leg(0).InviteCSeq;
            dialog.AddLeg(new DialogLeg { Branch = branch, RequestCSeq = cseq });
        }
    }

    /// <summary>
    /// TMCB_RESPONSE_FWDED (OpenSIPS's <c>push_reply_in_dialog</c>, §1.5): the reply's To tag picks or makes its callee
    /// leg: a known tag, else the branch's leg, cloned when that leg already has another tag (forking behind the
    /// branch). The first 2xx's leg becomes the 200-OK leg; each 2xx stores its leg's Contact, route set and SDP.
    /// </summary>
    private void PushReply(Dialog dialog, SipMessage reply, int code, int branch, ScriptContext? context)
    {
        ReadOnlySpan<byte> tag = reply.TryGetTo(out var to) && to.HasTag ? reply[to.Tag] : default;
        if (tag.IsEmpty && code < 200)
        {
            return;
        }

        var bind = SocketName(context?.Source.Listener);
        lock (dialog.Bucket.Gate)
        {
            var index = dialog.FindCallee(tag);
            if (index < 0)
            {
                for (var i = 1; i < dialog.LegCount; i++)
                {
                    if (dialog.Leg(i).Branch == branch)
                    {
                        index = i;
                        break;
                    }
                }

                if (index < 0)
                {
                    index = dialog.AddLeg(new DialogLeg { Branch = branch });
                }
                else if (dialog.Leg(index).Tag.Length > 0)
                {
                    index = dialog.AddLeg(dialog.Leg(index).CloneUntagged());
                }

                var leg = dialog.Leg(index);
                leg.Tag = tag.ToArray();
                leg.RequestCSeq = dialog.Leg(0).InviteCSeq;
                leg.BindAddress = bind ?? leg.BindAddress ?? dialog.Leg(0).BindAddress;
            }

            if (code is >= 200 and < 300 && dialog.AnsweredLeg != index)
            {
                if (dialog.AnsweredLeg == 0)
                {
                    dialog.AnsweredLeg = index;
                }

                var leg = dialog.Leg(index);
                leg.Contact = SingleContact(reply);
                leg.RouteSet = JoinRecordRoutes(reply, reverse: true, CalleeRouteSkip(dialog, reply, context), out _);
                if (reply.Body.Length > 0)
                {
                    leg.Sdp = reply[reply.Body].ToArray();
                }
            }
        }
    }

    /// <summary>
    /// How many reversed Record-Route values of a 2xx are not the callee's route set: the caller side's
    /// (<c>from_rr_nb</c>), then ours (one, or two with double RR) (§3.5).
    /// </summary>
    private static int CalleeRouteSkip(Dialog dialog, SipMessage reply, ScriptContext? context)
    {
        var skip = dialog.CallerRecordRouteCount;
        var index = 0;
        var ours = 0;
        var values = reply.RecordRoutes;
        Span<ByteRange> uris = stackalloc ByteRange[32];
        var count = 0;
        while (values.MoveNext() && count < uris.Length)
        {
            uris[count++] = values.Current.Uri;
        }

        for (var k = count - 1 - skip; k >= 0 && ours < 2; k--, index++)
        {
            var text = reply[uris[k]];
            if (context is null || !SipUri.TryParse(text, out var uri, out _) || uri.Host.IsEmpty
                || !context.Host.IsMyself(text.Slice(uri.Host.Start, uri.Host.Length), uri.Port < 0 ? 0 : uri.Port))
            {
                break;
            }

            ours++;
        }

        return skip + (context is null ? 1 : ours);
    }

    /// <summary>A reply about to go upstream: the RPL1xx/2xx/3xx events and their side effects (§1.2, §1.3).</summary>
    private void OnInviteReply(Dialog dialog, int code, SipMessage? reply)
    {
        var e = code < 200 ? DialogEvent.Provisional : code < 300 ? DialogEvent.Success : DialogEvent.Failure;
        DialogState old;
        DialogState now;
        lock (dialog.Bucket.Gate)
        {
            old = dialog.State;
            now = DialogStateMachine.Next(dialog, e, DialogDirection.Upstream, 0, out _);
            dialog.State = now;
            if (now == DialogState.ConfirmedNotAcknowledged && old is not (DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed))
            {
                ConfirmLocked(dialog);
            }
        }

        if (old == now)
        {
            return;
        }

        RaiseStateChanged(dialog, old, now);
        if (now == DialogState.Early)
        {
            RunCallbacks(dialog, DialogCallbackType.Early, reply, DialogDirection.Upstream);
            Statistics.Early.Increment();
        }
        else if (now == DialogState.ConfirmedNotAcknowledged)
        {
            RunCallbacks(dialog, DialogCallbackType.Confirmed, reply, DialogDirection.Upstream);
            RunRoute(dialog, dialog.OnAnswerRoute);
            if (old == DialogState.Early)
            {
                Statistics.Early.Decrement();
            }

            Statistics.Active.Increment();
        }
        else if (now == DialogState.Deleted)
        {
            FailedActions(dialog, old, reply);
            bool destroyed;
            lock (dialog.Bucket.Gate)
            {
                destroyed = ReleaseIfDoneLocked(dialog);
            }

            if (destroyed)
            {
                RunCallbacks(dialog, DialogCallbackType.Destroy, null, DialogDirection.None);
            }
        }
    }

    /// <summary>
    /// §1.3 "→CONFIRMED_NA" under the lock: the race shortcut of §5.4, the start time, and the first arming of the
    /// lifetime timer (early dialogs are never on it; tm's fr_inv_timeout bounds them).
    /// </summary>
    private void ConfirmLocked(Dialog dialog)
    {
        if ((dialog.Flags & DialogCreateFlags.EndOnRaceCondition) != 0
            && (dialog.Internal & (DialogInternalFlags.WasCancelled | DialogInternalFlags.HasBye)) != 0)
        {
            // RFC 5407 §3.1.2/§3.2.1: a CANCEL or BYE crossed the 2xx; end the call shortly.
            dialog.LifetimeSeconds = Options.RaceConditionTimeoutSeconds;
            dialog.Internal |= DialogInternalFlags.RaceOccurred;
        }

        dialog.StartUnix = NowUnix;
        ArmLifetimeLocked(dialog, dialog.LifetimeSeconds);
    }

    /// <summary>TMCB_TRANS_CANCELLED (§1.4): remember the CANCEL; with <c>E</c> a confirmed call gets the race timeout.</summary>
    private void OnCancelled(Dialog dialog)
    {
        lock (dialog.Bucket.Gate)
        {
            dialog.Internal |= DialogInternalFlags.WasCancelled;
            if ((dialog.Flags & DialogCreateFlags.EndOnRaceCondition) != 0 && dialog.State is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed)
            {
                dialog.Internal |= DialogInternalFlags.RaceOccurred;
                dialog.LifetimeSeconds = Options.RaceConditionTimeoutSeconds;
                ArmLifetimeLocked(dialog, dialog.LifetimeSeconds);
            }
            else
            {
                dialog.EndReason ??= "Cancelled";
            }
        }
    }

    /// <summary>TDEL: the INVITE transaction is gone. An unanswered dialog fails; a confirmed one just loses that holder.</summary>
    private void OnInviteGone(Dialog dialog, bool dropReference)
    {
        DialogState old;
        DialogState now;
        lock (dialog.Bucket.Gate)
        {
            old = dialog.State;
            now = DialogStateMachine.Next(dialog, DialogEvent.TransactionDeleted, DialogDirection.None, -1, out _);
            dialog.State = now;
        }

        if (old != now)
        {
            RaiseStateChanged(dialog, old, now);
            FailedActions(dialog, old, null);
        }

        if (dropReference)
        {
            Unreference(dialog);
            return;
        }

        bool destroyed;
        lock (dialog.Bucket.Gate)
        {
            destroyed = ReleaseIfDoneLocked(dialog);
        }

        if (destroyed)
        {
            RunCallbacks(dialog, DialogCallbackType.Destroy, null, DialogDirection.None);
        }
    }

    /// <summary>The callback parameter of an in-dialog re-INVITE/UPDATE transaction: which leg it went to.</summary>
    private sealed record SequentialTransaction(Dialog Dialog, int DestinationLeg, uint OriginalCSeq = 0);
}
