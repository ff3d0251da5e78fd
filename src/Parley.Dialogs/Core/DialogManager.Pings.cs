using System.Text;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Core;

/// <summary>
/// In-dialog pings (opensips-behaviour.md §5.6, manual §1.6.12–13, <c>create_dialog</c> flags <c>P p R r</c>): OPTIONS or
/// re-INVITE toward the caller and/or the callee every interval, from the dialog's timer. A leg whose last ping timed out
/// or got 481 ends the dialog with BYEs both ways on the next tick. Nothing here waits on the network: each ping's reply
/// is handled by a continuation of tm's task.
/// </summary>
public sealed partial class DialogManager
{
    private const DialogCreateFlags OptionsPingFlags = DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee;
    private const DialogCreateFlags ReinvitePingFlags = DialogCreateFlags.ReinvitePingCaller | DialogCreateFlags.ReinvitePingCallee;

    /// <summary>At CONFIRMED (the ACK): puts the dialog on the ping lists its flags ask for. Caller holds the lock.</summary>
    internal void StartPingsLocked(Dialog dialog)
    {
        if (dialog.PingsStarted)
        {
            return;
        }

        dialog.PingsStarted = true;
        if ((dialog.Flags & OptionsPingFlags) != 0)
        {
            dialog.OptionsPingTimer = Wheel.Schedule(TimeSpan.FromSeconds(PingInterval(dialog, reinvite: false)), dialog, Dialog.OptionsPingTimerTag);
        }

        if ((dialog.Flags & ReinvitePingFlags) != 0)
        {
            dialog.ReinvitePingTimer = Wheel.Schedule(TimeSpan.FromSeconds(PingInterval(dialog, reinvite: true)), dialog, Dialog.ReinvitePingTimerTag);
        }
    }

    /// <summary>The dialog's ping interval (its <c>$DLG_*_ping_interval</c>, else the module parameter). Caller holds the lock.</summary>
    internal int PingInterval(Dialog dialog, bool reinvite)
    {
        var own = reinvite ? dialog.ReinvitePingIntervalSeconds : dialog.OptionsPingIntervalSeconds;
        return own > 0 ? own : reinvite ? Options.ReinvitePingIntervalSeconds : Options.OptionsPingIntervalSeconds;
    }

    /// <summary>
    /// <c>$DLG_options_ping_interval</c> / <c>$DLG_reinvite_ping_interval</c> written (§5.6): the dialog's own interval; a
    /// dialog already on that ping list is rescheduled at now + the new interval.
    /// </summary>
    public void SetPingInterval(Dialog dialog, bool reinvite, int seconds)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            SetPingIntervalLocked(dialog, reinvite, seconds);
        }
    }

    /// <summary><see cref="SetPingInterval"/> with the bucket lock held.</summary>
    internal void SetPingIntervalLocked(Dialog dialog, bool reinvite, int seconds)
    {
        if (reinvite)
        {
            dialog.ReinvitePingIntervalSeconds = seconds;
            if (dialog.ReinvitePingTimer != default)
            {
                Wheel.Cancel(dialog.ReinvitePingTimer);
                dialog.ReinvitePingTimer = Wheel.Schedule(TimeSpan.FromSeconds(PingInterval(dialog, true)), dialog, Dialog.ReinvitePingTimerTag);
            }
        }
        else
        {
            dialog.OptionsPingIntervalSeconds = seconds;
            if (dialog.OptionsPingTimer != default)
            {
                Wheel.Cancel(dialog.OptionsPingTimer);
                dialog.OptionsPingTimer = Wheel.Schedule(TimeSpan.FromSeconds(PingInterval(dialog, false)), dialog, Dialog.OptionsPingTimerTag);
            }
        }
    }

    /// <summary>The ping interval of <paramref name="dialog"/> as <c>$DLG_*_ping_interval</c> reads it.</summary>
    public int GetPingInterval(Dialog dialog, bool reinvite)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            return PingInterval(dialog, reinvite);
        }
    }

    /// <summary>Takes the dialog off both ping lists. Caller holds the lock.</summary>
    internal void StopPingsLocked(Dialog dialog)
    {
        if (dialog.OptionsPingTimer != default)
        {
            Wheel.Cancel(dialog.OptionsPingTimer);
            dialog.OptionsPingTimer = default;
        }

        if (dialog.ReinvitePingTimer != default)
        {
            Wheel.Cancel(dialog.ReinvitePingTimer);
            dialog.ReinvitePingTimer = default;
        }
    }

    /// <summary>
    /// One tick of a ping list for this dialog (§5.6): a FAIL leg ends the dialog (off the list, BYEs both ways, end reason
    /// "Caller/Callee [ReINVITE ]Ping Timeout"); otherwise every flagged leg without a ping in flight is pinged and the
    /// dialog is rescheduled at now + interval.
    /// </summary>
    private void OnPingTimer(Dialog dialog, bool reinvite)
    {
        UacRequest? toCaller = null;
        UacRequest? toCallee = null;
        var callee = 0;
        var fail = false;
        lock (dialog.Bucket.Gate)
        {
            if (reinvite)
            {
                dialog.ReinvitePingTimer = default;
            }
            else
            {
                dialog.OptionsPingTimer = default;
            }

            if (dialog.State is not (DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed)
                || (dialog.Internal & DialogInternalFlags.ByesSent) != 0)
            {
                return;
            }

            var callerFlag = reinvite ? DialogCreateFlags.ReinvitePingCaller : DialogCreateFlags.PingCaller;
            var calleeFlag = reinvite ? DialogCreateFlags.ReinvitePingCallee : DialogCreateFlags.PingCallee;
            callee = dialog.CalleeIndex;
            var pingCaller = (dialog.Flags & callerFlag) != 0;
            var pingCallee = (dialog.Flags & calleeFlag) != 0 && dialog.HasLeg(callee);
            var callerFailed = pingCaller && Status(dialog.Leg(0), reinvite) == PingStatus.Fail;
            var calleeFailed = pingCallee && Status(dialog.Leg(callee), reinvite) == PingStatus.Fail;
            if (callerFailed || calleeFailed)
            {
                fail = true;
                var kind = reinvite ? "ReINVITE Ping Timeout" : "Ping Timeout";
                dialog.EndReason ??= callerFailed == calleeFailed ? kind : (callerFailed ? "Caller " : "Callee ") + kind;
                StopPingsLocked(dialog);
            }
            else
            {
                if (pingCaller && Status(dialog.Leg(0), reinvite) != PingStatus.Pending)
                {
                    toCaller = BuildPingLocked(dialog, 0, callee, reinvite);
                }

                if (pingCallee && Status(dialog.Leg(callee), reinvite) != PingStatus.Pending)
                {
                    toCallee = BuildPingLocked(dialog, callee, 0, reinvite);
                }

                var seconds = PingInterval(dialog, reinvite);
                var handle = Wheel.Schedule(TimeSpan.FromSeconds(seconds), dialog, reinvite ? Dialog.ReinvitePingTimerTag : Dialog.OptionsPingTimerTag);
                if (reinvite)
                {
                    dialog.ReinvitePingTimer = handle;
                }
                else
                {
                    dialog.OptionsPingTimer = handle;
                }
            }
        }

        if (fail)
        {
            SendByes(dialog, null);
            return;
        }

        SendPing(dialog, 0, reinvite, toCaller);
        SendPing(dialog, callee, reinvite, toCallee);
    }

    private static PingStatus Status(DialogLeg leg, bool reinvite) => reinvite ? leg.ReinvitePing : leg.OptionsPing;

    private static void SetStatus(DialogLeg leg, bool reinvite, PingStatus status)
    {
        if (reinvite)
        {
            leg.ReinvitePing = status;
        }
        else
        {
            leg.OptionsPing = status;
        }
    }

    /// <summary>
    /// The ping toward <paramref name="destination"/>, marked PENDING and holding a reference on the dialog: an OPTIONS
    /// without body or extra headers, or a re-INVITE with our Contact and the SDP this leg last got (§5.6).
    /// </summary>
    private UacRequest? BuildPingLocked(Dialog dialog, int destination, int source, bool reinvite)
    {
        var leg = dialog.Leg(destination);
        UacRequest? request;
        if (!reinvite)
        {
            request = BuildRequestLocked(dialog, "OPTIONS", destination, source, string.Empty);
        }
        else
        {
            var sdp = SdpSentTo(dialog, destination);
            var headers = "Contact: <" + LocalContact(leg.BindAddress) + ">\r\n" + (sdp is null ? string.Empty : "Content-Type: application/sdp\r\n");
            request = BuildRequestLocked(dialog, "INVITE", destination, source, headers, sdp, ackSuccess: true);
        }

        if (request is null)
        {
            // No remote target: nothing can be sent, and that is no reason to end the call.
            return null;
        }

        SetStatus(leg, reinvite, PingStatus.Pending);
        dialog.References++;
        return request;
    }

    /// <summary>
    /// The last SDP the proxy relayed toward <paramref name="destination"/>: the other side's last committed SDP
    /// (without a media relay the proxy forwards bodies unchanged).
    /// </summary>
    internal static byte[]? SdpSentTo(Dialog dialog, int destination)
    {
        var other = destination == 0 ? dialog.CalleeIndex : 0;
        return dialog.HasLeg(other) ? dialog.Leg(other).Sdp : null;
    }

    /// <summary>Our URI on a socket named like <c>udp:127.0.0.1:5060</c>: <c>sip:127.0.0.1:5060</c> (plus the transport when not UDP).</summary>
    internal static string LocalContact(string? bindAddress)
    {
        if (bindAddress is null)
        {
            return "sip:127.0.0.1";
        }

        var colon = bindAddress.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return "sip:" + bindAddress;
        }

        var proto = bindAddress[..colon];
        var hostPort = bindAddress[(colon + 1)..];
        var b = new StringBuilder(hostPort.Length + 24);
        b.Append(string.Equals(proto, "tls", StringComparison.OrdinalIgnoreCase) ? "sips:" : "sip:").Append(hostPort);
        if (!string.Equals(proto, "udp", StringComparison.OrdinalIgnoreCase) && !string.Equals(proto, "tls", StringComparison.OrdinalIgnoreCase))
        {
            b.Append(";transport=").Append(proto.ToLowerInvariant());
        }

        return b.ToString();
    }

    private void SendPing(Dialog dialog, int leg, bool reinvite, UacRequest? request)
    {
        if (request is null)
        {
            return;
        }

        if (_tm is not { } tm)
        {
            OnPingReply(dialog, leg, reinvite, 500);
            return;
        }

        Task<UacReply> pending;
        try
        {
            pending = tm.SendRequestAsync(request);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DialogLog.ByeFailed(_logger, dialog.Did, e);
            OnPingReply(dialog, leg, reinvite, 408);
            return;
        }

        _ = pending.ContinueWith(static (t, state) =>
        {
            var (manager, d, l, r) = ((DialogManager, Dialog, int, bool))state!;
            manager.OnPingReply(d, l, r, t.IsCompletedSuccessfully ? t.Result.Code : 408);
        }, (this, dialog, leg, reinvite), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// A ping's final reply (§5.6 reply classification): a timeout (local or received 408) or a 481 marks the leg FAIL, any
    /// other reply (4xx/5xx included) SUCCESS. The failure is acted on at the next tick.
    /// </summary>
    private void OnPingReply(Dialog dialog, int leg, bool reinvite, int code)
    {
        lock (dialog.Bucket.Gate)
        {
            if (dialog.HasLeg(leg))
            {
                SetStatus(dialog.Leg(leg), reinvite, code is 408 or 481 ? PingStatus.Fail : PingStatus.Success);
            }
        }

        Unreference(dialog);
    }
}
