namespace Parley.Dialogs.Core;

/// <summary>
/// The transition table of opensips-behaviour.md §1.2 (OpenSIPS's <c>next_state_dlg</c>), one row per state. Pure apart
/// from the <see cref="DialogInternalFlags.HasBye"/> flag it sets; the caller holds the dialog's lock and performs the
/// side effects of §1.3 once the lock is released.
/// </summary>
internal static class DialogStateMachine
{
    /// <summary>
    /// The state after <paramref name="e"/>. <paramref name="destinationLeg"/> is the leg the request goes to (0 = the
    /// caller); <paramref name="unexpected"/> is set for the "warn" cells (the state does not change).
    /// </summary>
    public static DialogState Next(Dialog dialog, DialogEvent e, DialogDirection direction, int destinationLeg, out bool unexpected)
    {
        unexpected = false;
        var state = dialog.State;
        switch (state)
        {
            case DialogState.Unconfirmed:
            case DialogState.Early:
                switch (e)
                {
                    case DialogEvent.Provisional:
                        return DialogState.Early;
                    case DialogEvent.Success:
                        return DialogState.ConfirmedNotAcknowledged;
                    case DialogEvent.Failure:
                    case DialogEvent.TransactionDeleted:
                        return DialogState.Deleted;
                    case DialogEvent.Bye:
                        // An early BYE only marks the dialog (RFC 5407 §3.2.1 race with the 2xx): the call ends on the BYE
                        // the UAs exchange once confirmed, or through the race timeout.
                        if (direction == DialogDirection.Downstream && destinationLeg > 0)
                        {
                            dialog.Internal |= DialogInternalFlags.HasBye;
                        }

                        return state;
                    case DialogEvent.Request:
                    case DialogEvent.Prack:
                        unexpected = state == DialogState.Unconfirmed;
                        return state;
                    default:
                        unexpected = true;
                        return state;
                }

            case DialogState.ConfirmedNotAcknowledged:
            case DialogState.Confirmed:
                switch (e)
                {
                    case DialogEvent.Ack:
                        return DialogState.Confirmed;
                    case DialogEvent.Success:
                    case DialogEvent.TransactionDeleted:
                    case DialogEvent.Request:
                    case DialogEvent.Prack:
                        return state;
                    case DialogEvent.Bye:
                        // Only the BYE toward the leg that answered ends the call; a downstream BYE to another forked
                        // callee leg tears down that leg's early dialog only.
                        if (direction == DialogDirection.Downstream && destinationLeg != dialog.AnsweredLeg)
                        {
                            return state;
                        }

                        dialog.Internal |= DialogInternalFlags.HasBye;
                        return DialogState.Deleted;
                    default:
                        unexpected = true;
                        return state;
                }

            default:
                switch (e)
                {
                    case DialogEvent.Success when (dialog.Internal & DialogInternalFlags.HasBye) == 0:
                        // A 2xx after the call already failed (a 200 racing a 487): the dialog is confirmed again.
                        return DialogState.ConfirmedNotAcknowledged;
                    case DialogEvent.Success:
                    case DialogEvent.TransactionDeleted:
                    case DialogEvent.Ack:
                    case DialogEvent.Bye:
                        return state;
                    default:
                        unexpected = true;
                        return state;
                }
        }
    }
}
