using System.Buffers;
using System.Net.Sockets;
using Parley.Protocol;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Matching;
using Parley.Transactions.StateMachines;
using Parley.Transactions.Timers;
using Parley.Transport;

namespace Parley.Transactions.Proxy;

/// <summary>
/// Why a branch could not be sent: OpenSIPS's internal error numbers (<c>ser_error</c>, error.h), from which the local
/// reply of a failed <c>t_relay</c> and its script return code are derived.
/// </summary>
internal enum RelayError
{
    None = 0,

    /// <summary>E_UNSPEC: e.g. every branch was dropped in branch_route.</summary>
    Unspecified = -1,

    /// <summary>E_NO_SOCKET: no listening socket of the destination's transport and address family.</summary>
    NoSocket = -7,

    /// <summary>E_BAD_REQ.</summary>
    BadRequest = -400,

    /// <summary>E_BAD_ADDRESS: the next hop does not parse or does not resolve.</summary>
    BadAddress = -476,

    /// <summary>E_SEND: no address of the destination could be sent to.</summary>
    Send = -477,
}

/// <summary>
/// Delivery of branches (tm manual "DNS based failover"; RFC 3263 §4.3): host-name destinations resolved without
/// holding the worker, failover to the next address on a send failure (transport level) or on a 503 or a silent
/// timeout (transaction level), OpenSIPS's local reply when every branch of a <c>t_relay</c> fails to go out,
/// <c>t_replicate</c>'s local transactions, blind branches (<c>t_write_req</c>), <c>syn_branch=0</c> branch values and the
/// timer partitions.
/// </summary>
internal sealed partial class TmCore
{
    private readonly TimerWheel[] _wheels;

    /// <summary>The timer partitions (<c>timer_partitions</c>).</summary>
    public IReadOnlyList<TimerWheel> Wheels => _wheels;

    /// <summary>The timer partition of the transactions of <paramref name="bucket"/>.</summary>
    public TimerWheel WheelFor(int bucket) => _wheels.Length == 1 ? _wheels[0] : _wheels[(uint)bucket % (uint)_wheels.Length];

    // ------------------------------------------------------------------ errors and the relay's outcome

    private static void Fail(ScriptContext context, RelayError error)
    {
        var (code, reason) = Describe(error);
        context.LastErrorCode = code;
        context.LastErrorReason = reason;
        context.GetState(StateSlot).RelayError = error;
    }

    /// <summary>OpenSIPS's <c>err2reason_phrase(error, …, "TM")</c>: the status and reason tm replies with.</summary>
    internal static (int Code, string Reason) Describe(RelayError error) => error switch
    {
        RelayError.Send => (477, "Send failed (477/TM)"),
        RelayError.BadAddress => (476, "Unresolvable destination (476/TM)"),
        RelayError.BadRequest => (400, "Bad Request (400/TM)"),
        RelayError.NoSocket => (500, "Server error occurred (7/TM)"),
        _ => (500, "Server error occurred (1/TM)"),
    };

    /// <summary>OpenSIPS's <c>t_relay_inerr2scripterr</c>: -2 bad message, -4 bad destination, -6 send failed, else -1.</summary>
    internal static int ScriptCode(RelayError error) => error switch
    {
        RelayError.BadAddress => -4,
        RelayError.Send or RelayError.NoSocket => -6,
        RelayError.BadRequest => -2,
        _ => -1,
    };

    /// <summary>
    /// No branch of a t_relay went out. As OpenSIPS's <c>kill_transaction</c>: a transaction this t_relay created is
    /// answered with the error (e.g. <c>477 Send failed (477/TM)</c>) unless <c>no-auto-477</c>, or it was
    /// <c>t_replicate</c>; one created earlier (<c>t_newtran</c>) or a failure_route is left to the script. When tm
    /// answered, t_relay returns 1 as OpenSIPS's does ("taken care of"; its wrapper maps that 0 to 1), so the usual
    /// <c>if (!t_relay()) sl_reply_error();</c> does not answer a second time; otherwise the -2/-4/-6/-1 code.
    /// </summary>
    private int RelayFailed(ScriptContext context, TmTransaction tx, RelayFlags flags, bool createdHere)
    {
        var error = context.GetState(StateSlot).RelayError;
        if (error == RelayError.None)
        {
            error = RelayError.Unspecified;
        }

        if (createdHere && (flags & (RelayFlags.NoAuto477 | RelayFlags.Replicate)) == 0 && context.RouteType != RouteType.Failure && !tx.Completed)
        {
            var (code, reason) = Describe(error);
            SendLocalReply(tx, code, reason);
            context.Replied = true;
            return 1;
        }

        return ScriptCode(error);
    }

    /// <summary>
    /// The t_relay flags the transaction keeps: <c>allow-no-cancel</c> only counts when the request asks for it with
    /// <c>Request-Disposition: no-cancel</c> (RFC 3841 §9.1; OpenSIPS's <c>T_MULTI_200OK_FLAG</c>).
    /// </summary>
    private static RelayFlags EffectiveRelayFlags(SipMessage request, RelayFlags flags) =>
        (flags & RelayFlags.AllowNoCancel) != 0 && !HasRequestDispositionNoCancel(request) ? flags & ~RelayFlags.AllowNoCancel : flags;

    /// <summary>Whether the first <c>Request-Disposition</c> header lists the <c>no-cancel</c> directive (RFC 3841 §9.1).</summary>
    internal static bool HasRequestDispositionNoCancel(SipMessage request)
    {
        var i = request.IndexOf("Request-Disposition"u8);
        if (i < 0)
        {
            return false;
        }

        var value = request[request.Headers[i].Value];
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var directive = (comma < 0 ? value : value[..comma]).Trim(" \t\r\n"u8);
            if (System.Text.Ascii.EqualsIgnoreCase(directive, "no-cancel"u8))
            {
                return true;
            }

            value = comma < 0 ? default : value[(comma + 1)..];
        }

        return false;
    }

    // ------------------------------------------------------------------ sending a new branch

    /// <summary>
    /// Resolves the branch's next hop and sends it. A numeric host resolves at once (no allocation, no wait); a host
    /// name (RFC 3263 §4.2) is looked up without holding the worker: the request is written now, while the script's view
    /// of it exists, and the branch waits in the resolving state (pending for the best-reply choice) until the answer
    /// comes and the request goes out under the transaction lock.
    /// </summary>
    private bool SendBranchTo(ScriptContext context, TmTransaction tx, int index, string uri, in NextHop hop, RouteHandle? branchReplyRoute)
    {
        var host = context.Host;
        var size = context.Edits.GetLength() + 256;
        var transport = host.Resolver.SelectTransport(hop.Transport, hop.Sips, size);
        var resolving = host.Resolver.ResolveAsync(hop.Host, hop.Port, transport, hop.Sips, size);
        if (resolving.IsCompletedSuccessfully)
        {
            var targets = resolving.Result;
            if (!targets.Succeeded || targets.Count == 0)
            {
                Fail(context, RelayError.BadAddress);
                return false;
            }

            return SendResolved(context, tx, index, uri, targets, branchReplyRoute);
        }

        if (resolving.IsCompleted)
        {
            _ = resolving.AsTask(); // failed at once: observe it
            Fail(context, RelayError.BadAddress);
            return false;
        }

        // The Via names the socket before the address is known: an IPv4 one when there is, as the stateless forward does.
        var listener = StatelessForwarder.ChooseListener(context, transport, AddressFamily.InterNetwork)
            ?? StatelessForwarder.ChooseListener(context, transport, AddressFamily.InterNetworkV6);
        if (listener is null)
        {
            _ = resolving.AsTask();
            Fail(context, RelayError.NoSocket);
            return false;
        }

        var (branch, buffer, _) = NewBranch(context, tx, index, uri, listener, transport, branchReplyRoute);
        ArrayPool<byte>.Shared.Return(buffer);
        branch.Resolving = true;
        tx.Branches.Add(branch);
        OnBranchBuilt(context, branch);
        _ = CompleteResolutionAsync(branch, resolving);
        return true;
    }

    private bool SendResolved(ScriptContext context, TmTransaction tx, int index, string uri, in ResolvedTargets targets, RouteHandle? branchReplyRoute)
    {
        var target = targets[0];
        var listener = StatelessForwarder.ChooseListener(context, targets.Transport, target.AddressFamily);
        if (listener is null)
        {
            Fail(context, RelayError.NoSocket);
            return false;
        }

        var (branch, buffer, length) = NewBranch(context, tx, index, uri, listener, targets.Transport, branchReplyRoute);
        branch.Targets = targets;
        branch.TargetIndex = 0;
        branch.Destination = target;
        OnBranchBuilt(context, branch);
        if (!StartBranch(branch, buffer, length))
        {
            Fail(context, RelayError.Send);
            return false;
        }

        tx.Branches.Add(branch);
        OnBranchSent(context, branch);
        return true;
    }

    /// <summary>Writes the branch's request (Via with its branch value, forward hooks, Request-URI, edits) for <paramref name="listener"/>.</summary>
    private (TmBranch Branch, byte[] Buffer, int Length) NewBranch(ScriptContext context, TmTransaction tx, int index, string uri, SipListener listener, SipTransport transport, RouteHandle? branchReplyRoute)
    {
        Span<byte> branchId = stackalloc byte[BranchId.MaxKeyedLength];
        var branchLength = WriteBranchId(tx, index, branchId);
        var (buffer, length) = StatelessForwarder.WriteRequest(context, listener, branchId[..branchLength]);
        var branch = new TmBranch(this, tx, index, uri)
        {
            RequestBytes = buffer.AsSpan(0, length).ToArray(),
            Listener = listener,
            Transport = transport,
            ReplyRoute = branchReplyRoute,
            Minor = MinorBranchBit >= 0 && (context.BranchFlags & (1UL << MinorBranchBit)) != 0,
        };
        return (branch, buffer, length);
    }

    /// <summary>
    /// Sends the branch's request and starts its client transaction. A send that fails at once tries the destination's
    /// next address (RFC 3263 §4.3, transport level); false when none could be sent to. A send the transport reports
    /// later is watched (<see cref="WatchSendAsync"/>). <paramref name="pooled"/>, when given, is the request in a pooled
    /// buffer whose ownership passes to the sender.
    /// </summary>
    private bool StartBranch(TmBranch branch, byte[]? pooled, int length)
    {
        Task<SendResult>? pending = null;
        while (true)
        {
            var sending = SendRequest(branch, pooled, length);
            pooled = null;
            if (!sending.IsCompleted)
            {
                pending = sending.AsTask();
                break;
            }

            if (Outcome(sending) == SendResult.Sent)
            {
                break;
            }

            if (!NextTarget(branch))
            {
                return false;
            }
        }

        var tx = branch.Transaction;
        var reliable = branch.Transport != SipTransport.Udp;
        if (tx.IsInvite)
        {
            branch.Invite = new ClientInviteTransaction(reliable, tx.Timings, branch.Timers, branch);
            branch.Invite.Start();
        }
        else
        {
            branch.NonInvite = new ClientNonInviteTransaction(reliable, tx.Timings, branch.Timers, branch);
            branch.NonInvite.Start();
        }

        Statistics.UacTransactions.Increment();
        if (pending is not null)
        {
            _ = WatchSendAsync(branch, pending, branch.SendAttempt); // once the machine exists, which a failure ends
        }

        return true;
    }

    private ValueTask<SendResult> SendRequest(TmBranch branch, byte[]? pooled, int length)
    {
        branch.SendAttempt++;
        if (pooled is null)
        {
            length = branch.RequestBytes.Length;
            pooled = ArrayPool<byte>.Shared.Rent(length);
            branch.RequestBytes.CopyTo(pooled, 0);
        }

        return Host.Sender.SendReportingAsync(branch.Listener, branch.Transport, branch.Destination, pooled, length, 0);
    }

    private static SendResult Outcome(ValueTask<SendResult> completed)
    {
        if (completed.IsCompletedSuccessfully)
        {
            return completed.Result;
        }

        _ = completed.AsTask().Exception; // faulted: observed, counted as a failed send
        return SendResult.NetworkError;
    }

    /// <summary>Whether failover to another address is allowed: not with <c>no-dns-failover</c> nor <c>disable_dns_failover</c>.</summary>
    private bool FailoverAllowed(TmTransaction tx) => (tx.RelayFlags & RelayFlags.NoDnsFailover) == 0 && !Host.DisableDnsFailover;

    /// <summary>The index of the branch's next address its socket can reach, or -1.</summary>
    private int NextTargetIndex(TmBranch branch)
    {
        if (branch.Listener is not { } listener || !FailoverAllowed(branch.Transaction))
        {
            return -1;
        }

        var targets = branch.Targets;
        for (var i = branch.TargetIndex + 1; i < targets.Count; i++)
        {
            // The request names its socket in the Via: only addresses of that socket's family can be tried.
            if (targets[i].AddressFamily == listener.Address.AddressFamily)
            {
                return i;
            }
        }

        return -1;
    }

    private bool NextTarget(TmBranch branch)
    {
        var next = NextTargetIndex(branch);
        if (next < 0)
        {
            return false;
        }

        branch.TargetIndex = next;
        branch.Destination = branch.Targets[next];
        return true;
    }

    /// <summary>
    /// A send the transport finished later (a TCP connect): on failure, while the branch has heard nothing, the next
    /// address is tried; with none left the branch ends as a send failure (RFC 3261 §17.1.4: the transport error is
    /// reported to the transaction, which tm answers with a faked 477).
    /// </summary>
    private async Task WatchSendAsync(TmBranch branch, Task<SendResult> sending, int attempt)
    {
        SendResult result;
        try
        {
            result = await sending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            result = SendResult.NetworkError;
        }

        if (result == SendResult.Sent)
        {
            return;
        }

        var tx = branch.Transaction;
        lock (tx.Gate)
        {
            if (tx.Released || branch.SendAttempt != attempt || branch.Done || branch.Status != 0 || branch.ProvisionalReceived)
            {
                return; // another address is in use, or the branch moved on
            }

            while (NextTarget(branch))
            {
                var retry = SendRequest(branch, null, 0);
                if (!retry.IsCompleted)
                {
                    _ = WatchSendAsync(branch, retry.AsTask(), branch.SendAttempt);
                    return;
                }

                if (Outcome(retry) == SendResult.Sent)
                {
                    return;
                }
            }

            branch.SendFailed = true;
            if (branch.Invite is { } invite)
            {
                invite.OnTransportError();
            }
            else
            {
                branch.NonInvite?.OnTransportError();
            }
        }
    }

    /// <summary>The host name of a resolving branch resolved (or not): send the branch, or end it with a faked reply.</summary>
    private async Task CompleteResolutionAsync(TmBranch branch, ValueTask<ResolvedTargets> resolving)
    {
        ResolvedTargets targets;
        try
        {
            targets = await resolving.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            targets = ResolvedTargets.Failed(branch.Transport, e.Message);
        }

        var tx = branch.Transaction;
        lock (tx.Gate)
        {
            branch.Resolving = false;
            if (tx.Released)
            {
                return;
            }

            if (branch.CancelPending || tx.Cancelled || tx.Blocked || (tx.Completed && (tx.RelayFlags & RelayFlags.AllowNoCancel) == 0))
            {
                FailBranch(branch, 487, null); // cancelled before anything went out
                return;
            }

            var first = -1;
            var family = branch.Listener!.Address.AddressFamily;
            for (var i = 0; targets.Succeeded && i < targets.Count; i++)
            {
                if (targets[i].AddressFamily == family)
                {
                    first = i;
                    break;
                }
            }

            if (first < 0)
            {
                FailBranch(branch, RelayError.BadAddress);
                return;
            }

            branch.Targets = targets;
            branch.TargetIndex = first;
            branch.Destination = targets[first];
            if (!StartBranch(branch, null, 0))
            {
                FailBranch(branch, RelayError.Send);
                return;
            }

            OnBranchSent(null, branch);
        }
    }

    /// <summary>Ends a branch that never got a reply with a faked one (send failure, unresolvable name) and decides.</summary>
    private void FailBranch(TmBranch branch, RelayError error)
    {
        var (code, reason) = Describe(error);
        FailBranch(branch, code, reason);
    }

    private void FailBranch(TmBranch branch, int code, string? reason)
    {
        branch.Status = code;
        branch.FinalReply = null;
        branch.LocalReason = reason;
        Decide(branch.Transaction);
    }

    // ------------------------------------------------------------------ DNS failover at transaction level

    /// <summary>
    /// RFC 3263 §4.3 / OpenSIPS's <c>do_dns_failover</c>: when the picked reply is a real 503, or a timeout with no reply
    /// at all, and the branch's destination has another address, a clone of that branch's request (with its own branch
    /// value) goes there as a new set of branches, and failure_route waits for its outcome.
    /// </summary>
    private bool TryDnsFailover(TmTransaction tx, TmBranch best)
    {
        var failed = best.Status == 503 ? best.FinalReply is not null
            : best.Status == 408 && best.FinalReply is null && !best.ProvisionalReceived && !best.SendFailed;
        if (!failed || best.Blind || tx.Cancelled || tx.Blocked)
        {
            return false;
        }

        var next = NextTargetIndex(best);
        if (next < 0)
        {
            return false;
        }

        var index = tx.Branches.Count;
        Span<byte> oldId = stackalloc byte[BranchId.MaxKeyedLength];
        Span<byte> newId = stackalloc byte[BranchId.MaxKeyedLength];
        var request = WithBranchId(best.RequestBytes, oldId[..WriteBranchId(tx, best.Index, oldId)], newId[..WriteBranchId(tx, index, newId)]);
        if (request is null)
        {
            return false;
        }

        var clone = new TmBranch(this, tx, index, best.Uri)
        {
            RequestBytes = request,
            Listener = best.Listener,
            Transport = best.Transport,
            Targets = best.Targets,
            TargetIndex = next,
            Destination = best.Targets[next],
            ReplyRoute = best.ReplyRoute,
            Minor = best.Minor,
        };
        var firstOfSet = tx.FirstBranchOfSet;
        tx.FirstBranchOfSet = index; // a new set: the failed branch no longer takes part in the choice
        OnBranchBuilt(null, clone);
        if (!StartBranch(clone, null, 0))
        {
            tx.FirstBranchOfSet = firstOfSet;
            return false;
        }

        tx.Branches.Add(clone);
        OnBranchSent(null, clone);
        return true;
    }

    /// <summary>A copy of <paramref name="request"/> whose top Via branch <paramref name="oldId"/> reads <paramref name="newId"/>; null if absent.</summary>
    internal static byte[]? WithBranchId(byte[] request, ReadOnlySpan<byte> oldId, ReadOnlySpan<byte> newId)
    {
        Span<byte> needle = stackalloc byte[8 + oldId.Length];
        ";branch="u8.CopyTo(needle);
        oldId.CopyTo(needle[8..]);
        var at = request.AsSpan().IndexOf(needle);
        if (at < 0)
        {
            return null;
        }

        var end = at + needle.Length;
        if (end < request.Length && (char.IsAsciiLetterOrDigit((char)request[end]) || request[end] is (byte)'.' or (byte)'-'))
        {
            return null; // a longer branch value that only starts like ours
        }

        var copy = new byte[request.Length - oldId.Length + newId.Length];
        request.AsSpan(0, at + 8).CopyTo(copy);
        newId.CopyTo(copy.AsSpan(at + 8));
        request.AsSpan(end).CopyTo(copy.AsSpan(at + 8 + newId.Length));
        return copy;
    }

    // ------------------------------------------------------------------ branch values

    /// <summary>The Via branch of branch <paramref name="index"/>: label-based (syn_branch=1) or MD5-keyed (syn_branch=0).</summary>
    internal static int WriteBranchId(TmTransaction tx, int index, Span<byte> destination) =>
        tx.Md5 is { } key ? BranchId.Write(destination, tx.Bucket, key, index) : BranchId.Write(destination, tx.Bucket, tx.Label, index);

    private static byte[] BranchKeyOf(SipMessage request)
    {
        var key = new byte[BranchId.KeyLength];
        BranchId.ComputeKey(request, key);
        return key;
    }

    /// <summary>The transaction and branch a reply's top Via branch names, in either branch form; null for none.</summary>
    private TmTransaction? MatchReplyBranch(ReadOnlySpan<byte> branch, out int index)
    {
        if (BranchId.TryParse(branch, out var bucket, out var label, out index))
        {
            return Table.FindByLabel(bucket, label);
        }

        return BranchId.TryParseKeyed(branch, out bucket, out var key, out index) ? Table.FindByBranchKey(bucket, key) : null;
    }

    // ------------------------------------------------------------------ t_replicate, blind branches

    private static bool IsReplicated(TmTransaction tx) => (tx.RelayFlags & RelayFlags.Replicate) != 0;

    /// <summary>
    /// <c>t_replicate(uri[, flags])</c>, as OpenSIPS does it: the request goes to <paramref name="uri"/> and to each extra
    /// branch's URI as next hops, all keeping the Request-URI, on the request's transaction (created when needed) marked
    /// local: its replies are absorbed, never relayed upstream; only <c>no-dns-failover</c> applies. Returns t_relay's codes.
    /// </summary>
    public int Replicate(ScriptContext context, string uri, RelayFlags flags)
    {
        Attach(context.Host, context.Registry);
        if (!context.Msg.IsRequest)
        {
            return -2;
        }

        var ruri = context.RequestUriValue.AsString();
        context.DestinationUri = uri;
        for (var i = 0; i < context.Branches.Count; i++)
        {
            var b = context.Branches[i];
            context.Branches[i] = b with { Uri = ruri, DestinationUri = b.Uri };
        }

        if (context.GetState(StateSlot).Transaction is not null && context.Msg.Is(SipMethod.Ack))
        {
            return -1;
        }

        return Relay(context, (flags & RelayFlags.NoDnsFailover) | RelayFlags.Replicate);
    }

    /// <summary>A replicated transaction's reply: it stops here; a final one ends the server side without being sent.</summary>
    private void AbsorbReply(TmTransaction tx, int status)
    {
        if (status < 200 || tx.Completed)
        {
            return;
        }

        tx.LastStatus = status;
        UasAccepts(tx, status); // moves the server transaction on; nothing is sent, there is no response to resend
    }

    /// <summary>
    /// OpenSIPS's <c>add_blind_uac</c>: a branch that sends nothing and runs only its final response timer, so an
    /// application given the request (t_write_req) that never answers still ends the transaction with a 408.
    /// </summary>
    internal void AddBlindBranch(TmTransaction tx)
    {
        lock (tx.Gate)
        {
            var branch = new TmBranch(this, tx, tx.Branches.Count, string.Empty) { Blind = true };
            tx.Branches.Add(branch);

            // No transport (OpenSIPS: PROTO_NONE): as on a reliable one, no retransmission timer, only the FR timer.
            if (tx.IsInvite)
            {
                branch.Invite = new ClientInviteTransaction(reliable: true, tx.Timings, branch.Timers, branch);
                branch.Invite.Start();
            }
            else
            {
                branch.NonInvite = new ClientNonInviteTransaction(reliable: true, tx.Timings, branch.Timers, branch);
                branch.NonInvite.Start();
            }
        }
    }
}
