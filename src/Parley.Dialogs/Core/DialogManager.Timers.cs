using System.Globalization;
using System.Text;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Core;

/// <summary>Lifetime, expiry and the BYEs the proxy sends (opensips-behaviour.md §5.1–5.3, §5.5, manual §1.9.3).</summary>
public sealed partial class DialogManager
{
    /// <summary>(Re)arms the lifetime timer for <paramref name="seconds"/> from now. Caller holds the lock.</summary>
    internal void ArmLifetimeLocked(Dialog dialog, int seconds)
    {
        if (dialog.LifetimeTimer != default)
        {
            Wheel.Cancel(dialog.LifetimeTimer);
        }

        dialog.ExpiresUnix = NowUnix + seconds;
        dialog.LifetimeTimer = Wheel.Schedule(TimeSpan.FromSeconds(seconds), dialog, Dialog.LifetimeTimerTag);
    }

    /// <summary>Takes the dialog off the lifetime timer. Caller holds the lock.</summary>
    internal void StopLifetimeLocked(Dialog dialog)
    {
        if (dialog.LifetimeTimer != default)
        {
            Wheel.Cancel(dialog.LifetimeTimer);
            dialog.LifetimeTimer = default;
        }

        dialog.ExpiresUnix = 0;
    }

    /// <summary>
    /// <c>$DLG_timeout</c> written with a dialog (§5.1): a confirmed dialog is re-armed at once; an earlier one keeps the
    /// value for its confirmation. Ignored after a CANCEL when the race flag is set.
    /// </summary>
    public void SetTimeout(Dialog dialog, int seconds)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            if ((dialog.Flags & DialogCreateFlags.EndOnRaceCondition) != 0 && (dialog.Internal & DialogInternalFlags.WasCancelled) != 0)
            {
                return;
            }

            dialog.LifetimeSeconds = seconds;
            if (dialog.State is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed
                && (dialog.LifetimeTimer != default || (dialog.Internal & DialogInternalFlags.Expiring) != 0))
            {
                ArmLifetimeLocked(dialog, seconds);

                // Manual §1.10.5: in db_mode 1 every $DLG_timeout write is a database update (of the timeout only).
                MarkDbLocked(dialog, Parley.Dialogs.Persistence.DialogDbFlags.TimeoutChanged);
            }
        }
    }

    /// <summary><c>$DLG_timeout</c> read with a dialog: seconds left once confirmed, the configured lifetime before.</summary>
    public int GetTimeout(Dialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            return dialog.ExpiresUnix != 0 ? (int)Math.Max(0, dialog.ExpiresUnix - NowUnix) : dialog.LifetimeSeconds;
        }
    }

    internal void OnDialogTimer(Dialog dialog, int tag)
    {
        if (tag is Dialog.OptionsPingTimerTag or Dialog.ReinvitePingTimerTag)
        {
            OnPingTimer(dialog, reinvite: tag == Dialog.ReinvitePingTimerTag);
            return;
        }

        if (tag == Dialog.DeleteTimerTag)
        {
            lock (dialog.Bucket.Gate)
            {
                dialog.DeleteTimer = default;
                if (dialog.References == 0 && dialog.State == DialogState.Deleted)
                {
                    Table.UnlinkLocked(dialog);
                }
                else
                {
                    return;
                }
            }

            RunCallbacks(dialog, DialogCallbackType.Destroy, null, DialogDirection.None);
            return;
        }

        OnLifetimeExpired(dialog);
    }

    /// <summary>
    /// The lifetime ended (§5.2, OpenSIPS's <c>dlg_ontimeout</c>): the <c>dlg_on_timeout</c> route may extend the call;
    /// with <c>B</c> BYEs go both ways and the first final reply ends the dialog; without, the dialog ends silently as if
    /// the caller had sent BYE.
    /// </summary>
    private void OnLifetimeExpired(Dialog dialog)
    {
        RouteHandle? timeoutRoute;
        lock (dialog.Bucket.Gate)
        {
            if (dialog.LifetimeTimer == default || dialog.State == DialogState.Deleted)
            {
                return;
            }

            // A re-arm racing the expiry leaves a newer timer behind: this one is stale.
            if (dialog.ExpiresUnix > NowUnix + 1)
            {
                return;
            }

            dialog.LifetimeTimer = default;
            dialog.ExpiresUnix = 0;
            timeoutRoute = dialog.OnTimeoutRoute;
            if (timeoutRoute is not null)
            {
                dialog.Internal |= DialogInternalFlags.Expiring;
            }
        }

        if (timeoutRoute is not null)
        {
            RunRoute(dialog, timeoutRoute);
            lock (dialog.Bucket.Gate)
            {
                dialog.Internal &= ~DialogInternalFlags.Expiring;
                if (dialog.LifetimeTimer != default || dialog.State == DialogState.Deleted)
                {
                    // The route gave the call more time ($DLG_timeout), or it ended meanwhile.
                    return;
                }
            }
        }

        bool byes;
        lock (dialog.Bucket.Gate)
        {
            byes = (dialog.Flags & DialogCreateFlags.ByeOnTimeout) != 0 && dialog.State is DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed;
            if (byes)
            {
                dialog.EndReason ??= (dialog.Internal & DialogInternalFlags.RaceOccurred) != 0 ? "SIP Race Condition" : "Lifetime Timeout";
            }
        }

        if (byes)
        {
            SendByes(dialog, null);
            Statistics.Expired.Increment();
            return;
        }

        // Without B the expiry is silent: no SIP is sent (§11 pitfall 7).
        DialogState old;
        DialogState now;
        lock (dialog.Bucket.Gate)
        {
            old = dialog.State;
            now = DialogStateMachine.Next(dialog, DialogEvent.Bye, DialogDirection.Downstream, dialog.AnsweredLeg, out _);
            dialog.State = now;
            if (now == DialogState.Deleted && old != now)
            {
                dialog.EndReason ??= (dialog.Internal & DialogInternalFlags.RaceOccurred) != 0 ? "SIP Race Condition" : "Lifetime Timeout";
            }
        }

        if (now != DialogState.Deleted || old == now)
        {
            return;
        }

        RaiseStateChanged(dialog, old, now);
        RemoveFromProfiles(dialog);
        RunCallbacks(dialog, DialogCallbackType.Expired, null, DialogDirection.None);
        Statistics.Expired.Increment();
        Statistics.Active.Decrement();
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

    /// <summary>
    /// MI <c>dlg_end_dlg</c> (manual §1.9.3): a confirmed dialog gets BYEs both ways, an unconfirmed or early one a CANCEL
    /// of its INVITE transaction (the 487 then fails it). Sets <paramref name="reason"/> as the end reason. False when
    /// nothing could be sent (no tm, transaction gone, or every BYE failed).
    /// </summary>
    public bool EndDialog(Dialog dialog, string reason, string? extraHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        DialogState state;
        int entry;
        uint label;
        lock (dialog.Bucket.Gate)
        {
            dialog.EndReason ??= reason;
            state = dialog.State;
            entry = dialog.InitialTransactionEntry;
            label = dialog.InitialTransactionLabel;
        }

        if (state is DialogState.Unconfirmed or DialogState.Early)
        {
            if (_tm is not { } tm || entry < 0 || tm.Find(entry, label) is not { } invite)
            {
                return false;
            }

            return tm.Cancel(invite);
        }

        if (state == DialogState.Deleted)
        {
            return false;
        }

        return SendByes(dialog, extraHeaders) > 0;
    }

    /// <summary>
    /// BYE to the caller, then to the callee (the 200-OK leg) (§5.3); returns how many went out. A BYE that cannot be sent
    /// counts as answered at once, so the dialog still ends.
    /// </summary>
    private int SendByes(Dialog dialog, string? extraHeaders)
    {
        UacRequest? toCaller;
        UacRequest? toCallee;
        var headers = Options.ExtraHeaders + (extraHeaders is { Length: > 0 } extra ? NormalizeHeaders(extra) : string.Empty);
        lock (dialog.Bucket.Gate)
        {
            if (dialog.State is not (DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed)
                || (dialog.Internal & DialogInternalFlags.ByesSent) != 0)
            {
                return 0;
            }

            dialog.Internal |= DialogInternalFlags.ByesSent;
            var callee = dialog.CalleeIndex;
            toCaller = BuildRequestLocked(dialog, "BYE", 0, callee, headers);
            toCallee = dialog.HasLeg(callee) ? BuildRequestLocked(dialog, "BYE", callee, 0, headers) : null;
            dialog.References += 2;
        }

        var sent = 0;
        sent += SendBye(dialog, toCaller);
        sent += SendBye(dialog, toCallee);
        return sent;
    }

    private int SendBye(Dialog dialog, UacRequest? request)
    {
        if (request is null || _tm is not { } tm)
        {
            OnByeFinished(dialog);
            return 0;
        }

        Task<UacReply> pending;
        try
        {
            pending = tm.SendRequestAsync(request);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DialogLog.ByeFailed(_logger, dialog.Did, e);
            OnByeFinished(dialog);
            return 0;
        }

        _ = pending.ContinueWith(static (t, state) =>
        {
            var (manager, d) = ((DialogManager, Dialog))state!;
            if (t.IsFaulted)
            {
                DialogLog.ByeFailed(manager._logger, d.Did, t.Exception!);
            }

            manager.OnByeFinished(d);
        }, (this, dialog), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return 1;
    }

    /// <summary>
    /// A final reply (or a local timeout/failure) to one of our BYEs (OpenSIPS's <c>dual_bye_event</c>): the first one
    /// runs the BYE event — state 5, hang-up route, profiles, TERMINATED callbacks, active −1; each drops its reference.
    /// </summary>
    private void OnByeFinished(Dialog dialog)
    {
        DialogState old;
        DialogState now;
        lock (dialog.Bucket.Gate)
        {
            old = dialog.State;
            now = DialogStateMachine.Next(dialog, DialogEvent.Bye, DialogDirection.Downstream, dialog.AnsweredLeg, out _);
            dialog.State = now;
        }

        if (now == DialogState.Deleted && old != now)
        {
            RaiseStateChanged(dialog, old, now);
            RunRoute(dialog, dialog.OnHangupRoute);
            TerminatedActions(dialog, null, DialogDirection.None);
        }

        Unreference(dialog);
    }

    /// <summary>
    /// An in-dialog request toward <paramref name="destination"/> from the dialog's data (§5.3, OpenSIPS's
    /// <c>build_dlg_t</c>): R-URI the leg's Contact, its route set, To the remote URI with the leg's tag, From the local URI
    /// with the other leg's tag, CSeq <c>r_cseq + 1</c> (or the next generated one). Null without a Contact.
    /// </summary>
    internal UacRequest? BuildRequestLocked(Dialog dialog, string method, int destination, int source, string headers, byte[]? body = null,
        bool ackSuccess = false)
    {
        var leg = dialog.Leg(destination);
        if (leg.Contact is not { Length: > 0 } contact)
        {
            return null;
        }

        uint cseq;
        if (leg.LastGeneratedCSeq != 0)
        {
            cseq = ++leg.LastGeneratedCSeq;
        }
        else
        {
            cseq = leg.RequestCSeq + 1;
        }

        // §3.6: from now on the endpoints' requests toward this leg are renumbered after ours.
        leg.LastGeneratedCSeq = cseq;
        MarkDbLocked(dialog, Parley.Dialogs.Persistence.DialogDbFlags.Changed);

        var toCaller = destination == 0;
        var remoteUri = toCaller ? dialog.FromUri : dialog.ToUri;
        var localUri = toCaller ? dialog.ToUri : dialog.FromUri;
        var localTag = dialog.HasLeg(source) ? dialog.Leg(source).Tag : [];
        return new UacRequest
        {
            Method = method,
            RequestUri = Utf8(contact),
            From = NameAddr(localUri, localTag),
            To = NameAddr(remoteUri, leg.Tag),
            CallId = Utf8(dialog.CallId),
            CSeq = cseq,
            RouteSet = leg.RouteSet is { } routes ? SplitRouteSet(routes) : [],
            Socket = leg.BindAddress,
            Headers = headers.Length > 0 ? headers : null,
            Body = body,
            AckSuccess = ackSuccess,
        };
    }

    private static string NameAddr(byte[] uri, byte[] tag)
    {
        var b = new StringBuilder(uri.Length + tag.Length + 8);
        b.Append('<').Append(Encoding.UTF8.GetString(uri)).Append('>');
        if (tag.Length > 0)
        {
            b.Append(";tag=").Append(Encoding.UTF8.GetString(tag));
        }

        return b.ToString();
    }

    /// <summary>Splits a stored route set (<c>&lt;a&gt;,&lt;b&gt;</c>) at the commas outside quotes and angle brackets.</summary>
    internal static List<string> SplitRouteSet(ReadOnlySpan<byte> routes)
    {
        var result = new List<string>();
        var start = 0;
        var inAngle = false;
        var inQuote = false;
        for (var i = 0; i <= routes.Length; i++)
        {
            if (i == routes.Length || (routes[i] == (byte)',' && !inAngle && !inQuote))
            {
                var value = routes[start..i].Trim(" \t"u8);
                if (!value.IsEmpty)
                {
                    result.Add(Encoding.UTF8.GetString(value));
                }

                start = i + 1;
                continue;
            }

            switch (routes[i])
            {
                case (byte)'"' when !inAngle:
                    inQuote = !inQuote;
                    break;
                case (byte)'\\' when inQuote:
                    i++;
                    break;
                case (byte)'<' when !inQuote:
                    inAngle = true;
                    break;
                case (byte)'>' when !inQuote:
                    inAngle = false;
                    break;
            }
        }

        return result;
    }

    /// <summary>Extra header lines as given to MI, each ending in CRLF.</summary>
    internal static string NormalizeHeaders(string headers) =>
        headers.EndsWith("\r\n", StringComparison.Ordinal) ? headers : headers.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n";

    internal static string FormatCSeq(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
