using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Matching;
using Parley.Transactions.StateMachines;
using Parley.Transactions.Timers;
using Parley.Transport;

namespace Parley.Transactions.Proxy;

/// <summary>What the script has set up for the transaction of the message being handled (t_on_*, the transaction).</summary>
internal sealed class TmState : IContextState
{
    public TmTransaction? Transaction { get; set; }

    public int BranchIndex { get; set; } = -1;

    public int ReplyCode { get; set; }

    public RouteHandle? FailureRoute { get; set; }

    public RouteHandle? ReplyRoute { get; set; }

    public RouteHandle? BranchRoute { get; set; }

    public byte[]? CancelReason { get; set; }

    /// <summary><c>$T_fr_timeout</c> / <c>$T_fr_inv_timeout</c> written before the transaction exists (applied when it is created).</summary>
    public TimeSpan? FrTimeout { get; set; }

    public TimeSpan? FrInvTimeout { get; set; }

    /// <summary>A transaction another module pointed this route at (OpenSIPS's remote T, e.g. for an event route).</summary>
    public TmTransaction? RemoteTransaction { get; set; }
    /// <summary>Why the last branch of a t_relay could not be sent (OpenSIPS's <c>ser_error</c>), 0 when none failed.</summary>
    public RelayError RelayError { get; set; }

    public void Reset()
    {
        Transaction = null;
        FrTimeout = null;
        FrInvTimeout = null;
        RemoteTransaction = null;
        BranchIndex = -1;
        ReplyCode = 0;
        FailureRoute = null;
        ReplyRoute = null;
        BranchRoute = null;
        CancelReason = null;
        RelayError = RelayError.None;
    }
}

/// <summary>
/// The stateful proxy core of tm (opensips-behaviour.md §9; RFC 3261 §16, §17): creates transactions, sends branches,
/// matches and relays replies with OpenSIPS's best-reply choice, cancels, runs branch/onreply/failure routes, and
/// answers locally. Each transaction's state changes under its own lock; workers (requests and replies of a call) and
/// the timer thread (retransmissions, timeouts) meet only there.
/// </summary>
internal sealed partial class TmCore
{
    internal static readonly ContextSlot<TmState> StateSlot = new();

    private static readonly byte[] DefaultCancelReason = Encoding.ASCII.GetBytes("SIP;cause=487;text=\"ORIGINATOR_CANCEL\"");
    private static readonly byte[] CompletedElsewhere = Encoding.ASCII.GetBytes("SIP;cause=200;text=\"Call completed elsewhere\"");
    private static readonly byte[] NoAnswer = Encoding.ASCII.GetBytes("SIP;cause=480;text=\"NO_ANSWER\"");

    private readonly TmOptions _options;
    private readonly ConcurrentBag<ScriptContext> _contexts = [];
    private readonly ILogger _logger;
    private ProxyHost? _host;
    private ScriptRegistry? _registry;

    public TmCore(TmOptions options, TmStatistics statistics, TimerWheel wheel, ILogger logger)
        : this(options, statistics, [wheel], logger)
    {
    }

    /// <param name="wheels">One wheel per timer partition (<c>timer_partitions</c>); a transaction's timers run on one.</param>
    public TmCore(TmOptions options, TmStatistics statistics, IReadOnlyList<TimerWheel> wheels, ILogger logger)
    {
        _options = options;
        Statistics = statistics;
        _wheels = [.. wheels];
        _logger = logger;
    }

    /// <summary>The first timer partition (transactions spread over <see cref="Wheels"/> by bucket).</summary>
    public TimerWheel Wheel => _wheels[0];

    public TransactionTable<TmTransaction> Table { get; } = new();

    public TmStatistics Statistics { get; }

    public int MinorBranchBit { get; set; } = -1;

    /// <summary>Binds the host and script the timer thread needs (set on start, and on first use in tests).</summary>
    public void Attach(ProxyHost host, ScriptRegistry registry)
    {
        _host ??= host;
        _registry ??= registry;
    }

    private ProxyHost Host => _host ?? throw new InvalidOperationException("tm is not attached to a proxy host");

    // ------------------------------------------------------------------ request side

    /// <summary>
    /// <c>t_newtran()</c>: 1 when a new transaction was created, 0 when the request was a retransmission (absorbed, the
    /// last reply resent: the script must stop) or an ACK absorbed here, -1 for an ACK without a transaction, -2 bad message.
    /// </summary>
    public int NewTransaction(ScriptContext context)
    {
        Attach(context.Host, context.Registry);
        var st = context.GetState(StateSlot);
        if (st.Transaction is not null)
        {
            return 1;
        }

        var request = context.Msg;
        if (!request.IsRequest || !request.TryGetCSeq(out var cseq) || request.CallId.Length == 0)
        {
            return -2;
        }

        var bucket = TmHash.Bucket(request[request.CallId], cseq.Number);
        if (request.Is(SipMethod.Ack))
        {
            var (target, match) = Table.FindRequest(request, bucket, _options.RuriMatching, _options.Via1Matching);
            if (target is null)
            {
                return -1;
            }

            lock (target.Gate)
            {
                if (match == RequestMatch.AckForNegative)
                {
                    target.UasInvite?.OnAck(); // RFC 3261 §17.2.1: the ACK ends the server transaction's Completed state
                    return 0;
                }

                // The ACK of a locally sent 2xx ends here; the ACK of a proxied 2xx travels end to end.
                return target.LocalTag.Length > 0 && target.LastStatus is >= 200 and < 300 ? 0 : -1;
            }
        }

        var (tx, m) = Table.FindOrInsert(request, bucket, () => Create(context), _options.RuriMatching, _options.Via1Matching);
        if (tx is null)
        {
            return -2;
        }

        if (m == RequestMatch.Retransmission)
        {
            AbsorbRetransmission(tx);
            return 0;
        }

        st.Transaction = tx;
        ApplyPendingTimeouts(st, tx);
        OnRequestIn(context, tx);
        Statistics.UasTransactions.Increment();
        if (tx.IsInvite && _options.Auto100Trying)
        {
            lock (tx.Gate)
            {
                SendLocalReply(tx, 100, "Giving it a try");
            }
        }

        return 1;
    }

    private TmTransaction? Create(ScriptContext context)
    {
        if (!TransactionIdentity.TryCreate(context.Msg, out var identity))
        {
            return null;
        }

        var tx = new TmTransaction(this, identity, context.Edits.ToArray(), context.Source, _options.Timings);
        if (!_options.SynBranch)
        {
            tx.Md5 = BranchKeyOf(context.Msg);
        }

        return tx;
    }

    private static void CaptureCarriedState(ScriptContext context, TmTransaction tx)
    {
        tx.CarriedState.Clear();
        foreach (var module in context.Registry.Modules)
        {
            if (module is ITransactionStateCarrier carrier && carrier.Capture(context) is { } snapshot)
            {
                tx.CarriedState.Add((carrier, snapshot));
            }
        }
    }

    /// <summary><c>t_check_trans()</c> (tm manual): 1 when the request belongs to a transaction (a retransmission is absorbed and 0 returned; a CANCEL's INVITE exists), -1 otherwise.</summary>
    public int CheckTransaction(ScriptContext context)
    {
        Attach(context.Host, context.Registry);
        var request = context.Msg;
        if (!request.IsRequest || !request.TryGetCSeq(out var cseq))
        {
            return -1;
        }

        var bucket = TmHash.Bucket(request[request.CallId], cseq.Number);
        if (request.Is(SipMethod.Cancel))
        {
            return Table.FindCancelTarget(request, bucket, _options.RuriMatching, _options.Via1Matching) is null ? -1 : 1;
        }

        var (tx, match) = Table.FindRequest(request, bucket, _options.RuriMatching, _options.Via1Matching);
        if (tx is null)
        {
            return -1;
        }

        if (request.Is(SipMethod.Ack))
        {
            if (match == RequestMatch.AckForNegative)
            {
                lock (tx.Gate)
                {
                    tx.UasInvite?.OnAck();
                }

                return 0;
            }

            // An end-to-end ACK (for a 2xx) is not part of the INVITE transaction: tm manual, t_check_trans returns -2,
            // so scripts route it as an in-dialog request (loose_route, where the dialog module sees it).
            return -2;
        }

        AbsorbRetransmission(tx);
        return 0;
    }

    /// <summary>RFC 3261 §17.2.1/§17.2.2: a retransmitted request is absorbed; the server transaction resends its last response.</summary>
    private void AbsorbRetransmission(TmTransaction tx)
    {
        lock (tx.Gate)
        {
            if (tx.UasInvite is { } inv)
            {
                inv.OnRequestRetransmission();
            }
            else
            {
                tx.UasNonInvite?.OnRequestRetransmission();
            }
        }
    }

    /// <summary>A branch's request retransmission (UDP, timer A/E), counted as OpenSIPS does: 1st, 2nd, 3rd, then T2.</summary>
    public void RetransmitRequest(TmBranch branch)
    {
        branch.Retransmissions++;
        (branch.Retransmissions switch
        {
            1 => Statistics.RetransmissionReqT1_1,
            2 => Statistics.RetransmissionReqT1_2,
            3 => Statistics.RetransmissionReqT1_3,
            _ => Statistics.RetransmissionReqT2,
        }).Increment();
        SendBranch(branch, branch.RequestBytes);
    }

    /// <summary><c>t_relay([flags])</c>: the return codes of the tm manual (1, -1 … -6); 0 when the script must stop.</summary>
    public int Relay(ScriptContext context, RelayFlags flags)
    {
        Attach(context.Host, context.Registry);
        var request = context.Msg;
        if (!request.IsRequest)
        {
            return -2;
        }

        var st = context.GetState(StateSlot);
        if (request.Is(SipMethod.Cancel) && st.Transaction is null)
        {
            return RelayCancel(context, st, flags);
        }

        if (request.Is(SipMethod.Ack) && st.Transaction is null)
        {
            var r = NewTransaction(context);
            OnE2EAck(context, r);
            return r == 0 ? 0 : StatelessForwarder.Forward(context, null); // ACK of a proxied 2xx: end to end, stateless
        }

        var createdHere = st.Transaction is null;
        if (createdHere)
        {
            var created = NewTransaction(context);
            if (created <= 0)
            {
                return created == 0 ? 0 : -2;
            }
        }

        var tx = st.Transaction!;
        lock (tx.Gate)
        {
            if (tx.Completed && context.RouteType != RouteType.Failure)
            {
                return -1;
            }

            if (tx.Blocked && !_options.Disable6xxBlock)
            {
                return -3;
            }

            if (tx.Cancelled && tx.Branches.Count == 0)
            {
                SendLocalReply(tx, 487, "Request Terminated");
                return -3;
            }

            tx.FailureRoute = st.FailureRoute ?? (context.RouteType == RouteType.Failure ? null : tx.FailureRoute);
            tx.ReplyRoute = st.ReplyRoute ?? tx.ReplyRoute;
            tx.BranchRoute = st.BranchRoute ?? tx.BranchRoute;
            tx.CancelReason = st.CancelReason ?? tx.CancelReason;
            tx.Flags = context.Flags;
            tx.RelayFlags |= EffectiveRelayFlags(request, flags);
            tx.FirstBranchOfSet = tx.Branches.Count;
            KeepWaitingBranchInSet(tx);
            if (context.RouteType != RouteType.Failure)
            {
                CaptureCarriedState(context, tx);
                CaptureAvps(context, tx);
            }

            var sent = 0;
            if (SendNewBranch(context, tx, null))
            {
                sent++;
            }

            foreach (var extra in context.Branches)
            {
                if (SendNewBranch(context, tx, extra))
                {
                    sent++;
                }
            }

            if (sent == 0)
            {
                tx.FirstBranchOfSet = tx.Branches.Count;
                return RelayFailed(context, tx, flags, createdHere);
            }

            context.Forwarded = true;
            return 1;
        }
    }

    private int RelayCancel(ScriptContext context, TmState st, RelayFlags flags)
    {
        var request = context.Msg;
        if (!request.TryGetCSeq(out var cseq))
        {
            return -2;
        }

        var target = Table.FindCancelTarget(request, TmHash.Bucket(request[request.CallId], cseq.Number), _options.RuriMatching, _options.Via1Matching);
        if (target is null)
        {
            return StatelessForwarder.Forward(context, null); // RFC 3261 §16.10: no matching transaction, forward statelessly
        }

        // RFC 3261 §16.10: answer the CANCEL 200, then cancel the pending branches (§9.1).
        SendStatelessReply(context, 200, "canceling");
        var reason = st.CancelReason ?? target.CancelReason ?? DefaultCancelReason;
        if ((flags & RelayFlags.PassReasonHeader) != 0 && request.IndexOf("Reason"u8) is var ri and >= 0)
        {
            reason = request[request.Headers[ri].Value].ToArray();
        }

        lock (target.Gate)
        {
            target.Cancelled = true;
            OnCancelled(target, context);
            CancelPendingBranches(target, reason, except: -1);
            StopWaitingOnCancel(target);
        }

        context.Replied = true;
        return 0;
    }

    private bool SendNewBranch(ScriptContext context, TmTransaction tx, ScriptBranch? extra)
    {
        var index = tx.Branches.Count;
        ResetBranchAvps(tx, index);
        var savedDu = context.DestinationUri;
        var savedFlags = context.BranchFlags;
        var ruriChanged = context.RequestUriChanged;
        var savedRuri = ruriChanged ? context.RequestUriValue.AsString() : null;
        if (extra is not null)
        {
            context.SetRequestUri(extra.Uri);
            context.DestinationUri = extra.DestinationUri;
            context.BranchFlags = extra.Flags;
        }

        var uri = context.RequestUriValue.AsString();
        var st = context.GetState(StateSlot);
        var editor = context.Edits;
        var mark = editor.Mark();
        try
        {
            RouteHandle? branchReplyRoute = null;
            if (tx.BranchRoute is { } branchRoute)
            {
                // A t_on_reply inside branch_route applies to this branch only (tm manual).
                var transactionReplyRoute = st.ReplyRoute;
                st.BranchIndex = index;
                branchRoute.Run(context, RouteType.Branch);
                st.BranchIndex = -1;
                if (!ReferenceEquals(st.ReplyRoute, transactionReplyRoute))
                {
                    branchReplyRoute = st.ReplyRoute;
                    st.ReplyRoute = transactionReplyRoute;
                }

                if (context.Dropped)
                {
                    context.Dropped = false; // drop in branch_route discards this branch only
                    Fail(context, RelayError.Unspecified);
                    return false;
                }
            }

            var destination = context.DestinationUri;
            var parsed = destination is not null ? NextHop.TryParse(destination, out var hop) : NextHop.TryParse(context.RequestUriText, out hop);
            if (!parsed)
            {
                Fail(context, RelayError.BadAddress); // OpenSIPS: uri2proxy fails, E_BAD_ADDRESS
                return false;
            }

            AppendExtraHeaders(editor, tx);
            // The index is taken again: a t_write_* in branch_route adds a (blind) branch of its own.
            return SendBranchTo(context, tx, tx.Branches.Count, uri, hop, branchReplyRoute);
        }
        finally
        {
            editor.RollBack(mark);
            if (extra is not null)
            {
                if (savedRuri is not null)
                {
                    context.SetRequestUri(savedRuri);
                }
                else
                {
                    context.ResetRequestUri();
                }

                context.DestinationUri = savedDu;
                context.BranchFlags = savedFlags;
            }
        }
    }

    /// <summary><c>t_reply(code, reason)</c>: replies within the transaction (creating it when needed); 1, or -1.</summary>
    public int Reply(ScriptContext context, int code, string reason)
    {
        if (code is < 100 or > 699 || reason.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return -1;
        }

        var st = context.GetState(StateSlot);
        if (st.Transaction is null && context.RouteType != RouteType.Failure)
        {
            if (context.Message is not { IsRequest: true } || context.Msg.Is(SipMethod.Ack))
            {
                return -1;
            }

            if (NewTransaction(context) != 1)
            {
                return -1;
            }
        }

        if (st.Transaction is not { } tx)
        {
            return -1;
        }

        lock (tx.Gate)
        {
            if (tx.Completed && code >= 200)
            {
                return -1;
            }

            SendLocalReply(tx, code, reason, context.ReplyHeaders.Length > 0 ? Encoding.UTF8.GetBytes(context.ReplyHeaders.ToString()) : null);
        }

        context.Replied = true;
        return 1;
    }

    // ------------------------------------------------------------------ reply side

    /// <summary>Takes a reply whose top Via is one of tm's branches; false for any other (the core relays it statelessly).</summary>
    public bool HandleReply(ScriptContext context, SipMessageEditor editor, out bool relayed)
    {
        relayed = false;
        var reply = context.Msg;
        if (!reply.TryGetTopVia(out var via) || !via.HasBranch || MatchReplyBranch(reply[via.Branch], out var index) is not { } tx
            || !reply.TryGetCSeq(out var cseq))
        {
            return false;
        }

        lock (tx.Gate)
        {
            if (index >= tx.Branches.Count || tx.Released)
            {
                return false;
            }

            var branch = tx.Branches[index];
            Statistics.ReceivedReplies.Increment();
            if (cseq.Method == SipMethod.Cancel && tx.IsInvite)
            {
                branch.Cancel?.OnResponse(reply.StatusCode); // the reply to our CANCEL only stops its retransmission
                return true;
            }

            if (cseq.Method != tx.Identity.Method)
            {
                return false;
            }

            OnResponseIn(context, branch);

            if (branch.Done && reply.StatusCode >= 300 && tx.IsInvite)
            {
                // A final reply after the branch ended (the 487 that answers the CANCEL tm sent when fr_inv_timeout
                // fired): still acknowledged hop by hop (RFC 3261 §17.1.1.3), as OpenSIPS does, and not relayed.
                if (LocalRequests.Ack(branch.RequestBytes, reply, tx.ExtraHeaders) is { } lateAck)
                {
                    SendBranch(branch, lateAck);
                }

                return true;
            }

            var before = tx.LastResponse;
            tx.CurrentReply = (context, editor);
            try
            {
                if (branch.Invite is { } inv)
                {
                    inv.OnResponse(reply.StatusCode);
                }
                else
                {
                    branch.NonInvite?.OnResponse(reply.StatusCode);
                }
            }
            finally
            {
                tx.CurrentReply = null;
            }

            relayed = !ReferenceEquals(before, tx.LastResponse);
            return true;
        }
    }

    /// <summary>A branch's machine passes a response up (under the transaction lock, during <see cref="HandleReply"/>).</summary>
    public void OnBranchResponse(TmBranch branch, int status)
    {
        var tx = branch.Transaction;
        if (tx.CurrentReply is not { } current)
        {
            return;
        }

        var (context, editor) = current;
        branch.Status = status;
        if (tx.IsLocal) { OnLocalResponse(branch, status, context); return; } // a UAC transaction: no onreply_route, no relaying

        // onreply routes: the branch's, then the transaction's (tm manual t_on_reply), with the transaction's flags.
        var st = context.GetState(StateSlot);
        st.Transaction = tx;
        st.BranchIndex = branch.Index;
        st.ReplyCode = status;
        context.Flags = tx.Flags;
        LoadReplyAvps(context, tx);
        foreach (var route in (ReadOnlySpan<RouteHandle?>)[branch.ReplyRoute, tx.ReplyRoute])
        {
            if (route is null)
            {
                continue;
            }

            route.Run(context, RouteType.OnReply);
            if (context.Dropped && status < 200)
            {
                tx.Flags = context.Flags;
                SaveReplyAvps(context, tx);
                return; // drop is honoured for provisional replies only
            }

            context.Dropped = false;
        }

        tx.Flags = context.Flags;
        SaveReplyAvps(context, tx);
        if (status < 200)
        {
            if (branch.CancelPending && !branch.CancelSent)
            {
                SendCancel(branch, branch.CancelReason ?? DefaultCancelReason); // RFC 3261 §9.1: now that a provisional arrived
            }

            if (status > 100 && !tx.Completed)
            {
                RelayReply(tx, editor, status);
            }

            return;
        }

        if (status < 300)
        {
            // RFC 3261 §16.7 step 5: 2xx responses are forwarded immediately, even after another 2xx.
            RelayReply(tx, editor, status);
            if (!tx.Completed)
            {
                Complete(tx, status);
                if (tx.IsInvite && (tx.RelayFlags & RelayFlags.AllowNoCancel) == 0)
                {
                    CancelPendingBranches(tx, status == 200 ? CompletedElsewhere : null, except: branch.Index);
                }
            }

            return;
        }

        editor.PopVia();
        branch.FinalReply = editor.ToArray();
        if (status >= 600 && !_options.Disable6xxBlock && !tx.Completed)
        {
            tx.Blocked = true;
            CancelPendingBranches(tx, null, except: branch.Index);
        }

        Decide(tx);
    }

    /// <summary>Timer B/F fired without a final response: the branch gets a faked 408 (tm: timeout_finalresponse).</summary>
    public void OnBranchTimeout(TmBranch branch, bool provisionalReceived)
    {
        var tx = branch.Transaction;
        if (tx.IsLocal) { OnLocalTimeout(branch, provisionalReceived); return; }
        if (branch.SendFailed)
        {
            FailBranch(branch, RelayError.Send); // the transport could not send to any address: not a timeout
            return;
        }

        branch.Status = 408;
        branch.FinalReply = null;
        (tx.IsInvite ? Statistics.TimeoutFinalResponseInv : Statistics.TimeoutFinalResponse).Increment();
        if (provisionalReceived && tx.IsInvite && !branch.CancelSent)
        {
            SendCancel(branch, NoAnswer);
        }

        Decide(tx);
    }

    /// <summary>All branches of the current set final (or a 6xx): failure_route, else relay the best reply.</summary>
    private void Decide(TmTransaction tx)
    {
        if (tx.Completed || (!tx.Blocked && !tx.AllBranchesFinal()))
        {
            return;
        }

        TmBranch? best = null;
        var bestPriority = int.MaxValue;
        for (var i = tx.FirstBranchOfSet; i < tx.Branches.Count; i++)
        {
            var b = tx.Branches[i];
            if (b.Status < 300)
            {
                continue;
            }

            var p = ReplyPriority.Of(b.Status, tx.Cancelled);
            if (p < bestPriority)
            {
                best = b;
                bestPriority = p;
            }
        }

        if (best is null)
        {
            return;
        }

        OnFailure(tx, best);

        // Minor branches still pending are not waited for (minor_branch_flag): cancel them.
        CancelPendingBranches(tx, null, except: -1);

        // RFC 3263 §4.3 at transaction level: a 503 or a timeout without any reply tries the next address first.
        if (TryDnsFailover(tx, best))
        {
            return;
        }

        if (tx.FailureRoute is { } failure && !tx.Cancelled)
        {
            tx.FailureRoute = null; // one-shot: t_on_failure again to catch the new branches' failure
            var branchesBefore = tx.Branches.Count;
            RunFailureRoute(tx, failure, best);
            if (tx.Completed || tx.Branches.Count > branchesBefore)
            {
                return;
            }
        }

        if (IsReplicated(tx))
        {
            AbsorbReply(tx, best.Status); // t_replicate: the picked reply stops here
            Complete(tx, best.Status);
            return;
        }

        if (best.FinalReply is { } bytes)
        {
            OnStoredReplyOut(tx, best, bytes, Api.TmCallbackType.ResponsePreOut);
            tx.LastResponse = bytes;
            tx.LastStatus = best.Status;
            Statistics.RelayedReplies.Increment();
            if (UasAccepts(tx, best.Status))
            {
                SendUpstream(tx, bytes, retransmission: false);
            }

            OnStoredReplyOut(tx, best, bytes, Api.TmCallbackType.ResponseOut);
            Complete(tx, best.Status);
        }
        else
        {
            SendLocalReply(tx, best.Status, best.LocalReason ?? (best.Status == 408 ? "Request Timeout" : "Request Terminated")); // completes it
        }
    }

    private void RunFailureRoute(TmTransaction tx, RouteHandle route, TmBranch best)
    {
        var context = RentContext();
        try
        {
            var request = tx.Parse();
            var editor = new SipMessageEditor();
            editor.Reset(request);
            context.Begin(request, editor, tx.Source, RouteType.Failure);
            context.Flags = tx.Flags;
            context.SetRequestUri(best.Uri);
            var st = context.GetState(StateSlot);
            st.Transaction = tx;
            st.BranchIndex = best.Index;
            st.ReplyCode = best.Status;
            foreach (var (carrier, snapshot) in tx.CarriedState)
            {
                carrier.Restore(context, snapshot);
            }

            LoadTransactionAvps(context, tx);
            route.Run(context, RouteType.Failure);
            tx.Flags = context.Flags;
            SaveTransactionAvps(context, tx);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            LogRouteFailed(_logger, "failure_route", e);
        }
        finally
        {
            _contexts.Add(context);
        }
    }

    private ScriptContext RentContext() =>
        _contexts.TryTake(out var context) ? context : ScriptContext.Create(Host, _registry ?? throw new InvalidOperationException("tm has no script"));

    private void Complete(TmTransaction tx, int status)
    {
        tx.Completed = true;
        Statistics.Completed(status);
    }

    private bool UasAccepts(TmTransaction tx, int status) =>
        tx.UasInvite is { } inv ? inv.OnResponse(status) : tx.UasNonInvite?.OnResponse(status) ?? false;

    private void RelayReply(TmTransaction tx, SipMessageEditor editor, int status)
    {
        if (IsReplicated(tx))
        {
            AbsorbReply(tx, status); // t_replicate: replies are never relayed upstream
            return;
        }

        OnRelayPreOut(tx, status);
        editor.PopVia();
        var bytes = editor.ToArray();
        tx.LastResponse = bytes;
        tx.LastStatus = status;
        Statistics.RelayedReplies.Increment();
        if (UasAccepts(tx, status))
        {
            SendUpstream(tx, bytes, retransmission: false);
        }

        OnRelayOut(tx, status);
    }

    private void CancelPendingBranches(TmTransaction tx, byte[]? reason, int except)
    {
        for (var i = 0; i < tx.Branches.Count; i++)
        {
            var b = tx.Branches[i];
            if (i == except || b.Status >= 200 || b.CancelSent || !tx.IsInvite)
            {
                continue;
            }

            if (b.ProvisionalReceived)
            {
                SendCancel(b, reason);
            }
            else
            {
                b.CancelPending = true; // RFC 3261 §9.1: CANCEL only once a provisional arrived
                b.CancelReason = reason;
            }
        }
    }

    private void SendCancel(TmBranch branch, byte[]? reason)
    {
        var cancel = LocalRequests.Cancel(branch.RequestBytes, reason, branch.Transaction.ExtraHeaders);
        if (cancel is null)
        {
            return;
        }

        branch.CancelSent = true;
        branch.CancelPending = false;
        ClientNonInviteTransaction? machine = null;
        var timers = new MachineTimers(WheelFor(branch.Transaction.Bucket), t => machine?.OnTimer(t)) { Gate = branch.Transaction.Gate };
        machine = new ClientNonInviteTransaction(branch.Transport != SipTransport.Udp, branch.Transaction.Timings, timers, new CancelActions(this, branch, cancel));
        branch.Cancel = machine;
        branch.CancelTimers = timers;
        SendBranch(branch, cancel);
        machine.Start();
    }

    /// <summary>The hop-by-hop ACK for a ≥300 INVITE response on <paramref name="branch"/> (RFC 3261 §17.1.1.3).</summary>
    public void SendAck(TmBranch branch)
    {
        if (branch.Transaction.CurrentReply is not { } current || LocalRequests.Ack(branch.RequestBytes, current.Context.Msg, branch.Transaction.ExtraHeaders) is not { } ack)
        {
            return;
        }

        SendBranch(branch, ack);
    }

    public void SendBranch(TmBranch branch, byte[] bytes)
    {
        if (branch.Listener is null)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        Host.Sender.Send(branch.Listener, branch.Transport, branch.Destination, buffer, bytes.Length, 0);
    }

    public void SendUpstream(TmTransaction tx, byte[]? bytes, bool retransmission)
    {
        if (bytes is null)
        {
            return;
        }

        if (retransmission)
        {
            Statistics.RetransmissionRplT2.Increment();
        }

        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        Host.Sender.Send(tx.Source.Listener, tx.Source.Transport, tx.ReplyDestination, buffer, bytes.Length, tx.Source.ConnectionId);
    }

    private void SendLocalReply(TmTransaction tx, int code, string reason, byte[]? extraHeaders = null, byte[]? body = null)
    {
        if (code > 100 && tx.LocalTag.Length == 0)
        {
            Span<byte> random = stackalloc byte[8];
            System.Security.Cryptography.RandomNumberGenerator.Fill(random);
            tx.LocalTag = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(random));
        }

        var request = tx.Parse();
        var bytes = WithBody(SipResponseWriter.ToArray(request, code, Encoding.UTF8.GetBytes(reason), code > 100 ? tx.LocalTag : default, extraHeaders), body);
        tx.LastResponse = bytes;
        tx.LastStatus = code;
        tx.LocalResponse = bytes;
        Statistics.LocalReplies.Increment();
        if (code >= 200)
        {
            Complete(tx, code);
        }

        if (UasAccepts(tx, code))
        {
            SendUpstream(tx, bytes, retransmission: false);
            OnLocalReplyOut(tx, code, bytes);
        }
    }

    private static void SendStatelessReply(ScriptContext context, int code, string reason)
    {
        var request = context.Msg;
        Span<byte> tag = stackalloc byte[StatelessTag.Length];
        StatelessTag.Write(request, tag);
        var edited = context.Edits.ToArray();
        var copy = new SipMessage();
        SipParser.Parse(edited, 0, edited.Length, copy, datagram: true);
        var bytes = SipResponseWriter.ToArray(copy, code, Encoding.ASCII.GetBytes(reason), tag);
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        var source = context.Source;
        context.Host.Sender.Send(source.Listener, source.Transport, ResponseRouting.ForLocalReply(copy, source), buffer, bytes.Length, source.ConnectionId);
    }

    /// <summary>Removes a transaction once both sides have terminated.</summary>
    public void TryRelease(TmTransaction tx)
    {
        lock (tx.Gate)
        {
            if (tx.Released || !tx.ServerSideDone() || !tx.ClientSideDone())
            {
                return;
            }

            tx.Released = true;
            OnDeleted(tx);
            tx.UasTimers.StopAll();
            foreach (var b in tx.Branches)
            {
                b.Timers.StopAll();
                b.CancelTimers?.StopAll();
            }
        }

        Table.Remove(tx);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "tm: {Route} failed")]
    private static partial void LogRouteFailed(ILogger logger, string route, Exception exception);

    /// <summary>The local CANCEL's own client transaction: retransmits it; its replies only stop it.</summary>
    private sealed class CancelActions(TmCore core, TmBranch branch, byte[] cancel) : IClientTransactionActions
    {
        public void RetransmitRequest() => core.SendBranch(branch, cancel);

        public void SendAck()
        {
        }

        public void PassToTransactionUser(int statusCode)
        {
        }

        public void TimedOut(bool provisionalReceived)
        {
        }

        public void Terminated() => core.TryRelease(branch.Transaction);
    }
}
