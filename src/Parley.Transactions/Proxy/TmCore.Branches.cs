using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Matching;
using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Proxy;

/// <summary>Where <c>t_inject_branches</c> takes the new destinations from (tm manual).</summary>
internal enum InjectSource
{
    /// <summary>"msg": the current message's Request-URI (a request) and its branches.</summary>
    Message,

    /// <summary>"event": a usrloc contact event's attributes, as event_routing hands them over.</summary>
    Event,
}

/// <summary><c>t_local_replied</c>'s question (tm manual; "branch" is OpenSIPS's undocumented third).</summary>
internal enum LocalRepliedScope
{
    All,
    Branch,
    Last,
}

/// <summary><c>t_cancel_branch</c>'s flags: none is the current branch.</summary>
[Flags]
internal enum CancelBranchFlags
{
    Current = 0,
    All = 1,
    Others = 2,
}

/// <summary>
/// The branch-control and variable part of tm's script surface: <c>t_cancel_branch</c>, <c>t_local_replied</c>,
/// <c>t_wait_for_new_branches</c> / <c>t_wait_no_more_branches</c> / <c>t_inject_branches</c>, <c>t_add_hdrs</c>,
/// <c>t_flush_flags</c>, <c>$T_fr_timeout</c> / <c>$T_fr_inv_timeout</c>, <c>$bavp</c> and the transaction's AVPs
/// (onreply_avp_mode). Everything that changes a transaction does so under its lock (re-entered when the script runs
/// inside one of its routes).
/// </summary>
internal sealed partial class TmCore
{
    // ------------------------------------------------------------------ $T_fr_timeout / $T_fr_inv_timeout

    /// <summary>The current transaction's fr_timeout (fr_inv_timeout), else the value set before it exists, else the parameter.</summary>
    public TimeSpan GetFrTimeout(ScriptContext context, bool invite)
    {
        var st = context.GetState(StateSlot);
        if (st.Transaction is { } tx)
        {
            lock (tx.Gate)
            {
                return invite ? tx.Timings.InviteFinalResponse : tx.Timings.FinalResponse;
            }
        }

        return (invite ? st.FrInvTimeout : st.FrTimeout) ?? DefaultFrTimeout(invite);
    }

    /// <summary>
    /// Writes <c>$T_fr_timeout</c> (<c>$T_fr_inv_timeout</c>); null (or ≤ 0) resets it to the parameter. With a
    /// transaction, branches sent afterwards use it; fr_inv_timeout written in an onreply_route for a provisional also
    /// moves that branch's running timer (tm manual: "may also be set in an onreply_route … and still take effect").
    /// Without one, the value waits in the script state and the transaction gets it when created.
    /// </summary>
    public void SetFrTimeout(ScriptContext context, bool invite, TimeSpan? value)
    {
        var st = context.GetState(StateSlot);
        if (value is { } v && v <= TimeSpan.Zero)
        {
            value = null;
        }

        if (st.Transaction is not { } tx)
        {
            if (invite)
            {
                st.FrInvTimeout = value;
            }
            else
            {
                st.FrTimeout = value;
            }

            return;
        }

        var timeout = value ?? DefaultFrTimeout(invite);
        lock (tx.Gate)
        {
            tx.Timings = invite ? tx.Timings with { InviteFinalResponse = timeout } : tx.Timings with { FinalResponse = timeout };
            if (invite && context.RouteType == RouteType.OnReply && st.ReplyCode is > 0 and < 200
                && st.BranchIndex >= 0 && st.BranchIndex < tx.Branches.Count
                && tx.Branches[st.BranchIndex] is { Invite: { State: ClientInviteState.Proceeding } machine } branch)
            {
                // The machine already moved timer B to the old fr_inv_timeout for this provisional (before the
                // route ran); OpenSIPS arms FR_INV after the route, so the new value is the one that counts.
                machine.Timings = machine.Timings with { InviteFinalResponse = timeout };
                branch.Timers.Start(TransactionTimer.B, timeout);
            }
        }
    }

    private TimeSpan DefaultFrTimeout(bool invite) =>
        TimeSpan.FromSeconds(invite ? _options.FrInvTimeoutSeconds : _options.FrTimeoutSeconds);

    /// <summary>Hook: the timeouts the script wrote before <c>t_newtran</c>/<c>t_relay</c> created the transaction.</summary>
    private static void ApplyPendingTimeouts(TmState st, TmTransaction tx)
    {
        if (st.FrTimeout is null && st.FrInvTimeout is null)
        {
            return;
        }

        lock (tx.Gate)
        {
            tx.Timings = tx.Timings with
            {
                FinalResponse = st.FrTimeout ?? tx.Timings.FinalResponse,
                InviteFinalResponse = st.FrInvTimeout ?? tx.Timings.InviteFinalResponse,
            };
        }

        st.FrTimeout = null;
        st.FrInvTimeout = null;
    }

    // ------------------------------------------------------------------ AVPs: the transaction's and $bavp

    /// <summary>Hook (t_relay in a request route): the transaction keeps a copy of the request's AVPs.</summary>
    private static void CaptureAvps(ScriptContext context, TmTransaction tx) => SaveTransactionAvps(context, tx);

    /// <summary>Hook (failure_route, injected branches): the route starts with the transaction's AVPs.</summary>
    private static void LoadTransactionAvps(ScriptContext context, TmTransaction tx)
    {
        if (tx.Avps is { } avps)
        {
            context.Avps.CopyFrom(avps);
        }
    }

    /// <summary>Hook: the route's AVPs become the transaction's (what it added, changed and deleted is kept).</summary>
    private static void SaveTransactionAvps(ScriptContext context, TmTransaction tx)
    {
        if (context.Avps.IsEmpty)
        {
            tx.Avps?.Clear();
            return;
        }

        (tx.Avps ??= new AvpStore(context.Registry.AvpCount)).CopyFrom(context.Avps);
    }

    /// <summary>
    /// Hook before the onreply routes: onreply_avp_mode 1 shows the transaction's AVPs; mode 0 leaves the reply's own
    /// (empty) store, discarded with the reply (tm manual).
    /// </summary>
    private void LoadReplyAvps(ScriptContext context, TmTransaction tx)
    {
        if (_options.OnReplyAvpMode == 1)
        {
            LoadTransactionAvps(context, tx);
        }
    }

    /// <summary>Hook after the onreply routes: mode 1 attaches the list back to the transaction, with the changes.</summary>
    private void SaveReplyAvps(ScriptContext context, TmTransaction tx)
    {
        if (_options.OnReplyAvpMode == 1)
        {
            SaveTransactionAvps(context, tx);
        }
    }

    /// <summary>
    /// The <c>$bavp</c> store of the current branch: in branch routes the branch being built, in onreply routes the
    /// reply's branch, in failure routes the winning one; null anywhere else (tm manual). With
    /// <paramref name="create"/> a missing store is made.
    /// </summary>
    public static AvpStore? BranchAvps(ScriptContext context, bool create)
    {
        if (context.RouteType is not (RouteType.Branch or RouteType.OnReply or RouteType.Failure))
        {
            return null;
        }

        var st = context.GetState(StateSlot);
        if (st.Transaction is not { } tx || st.BranchIndex < 0)
        {
            return null;
        }

        lock (tx.Gate)
        {
            if (tx.BranchAvps is { } map && map.TryGetValue(st.BranchIndex, out var store))
            {
                return store;
            }

            if (!create)
            {
                return null;
            }

            store = new AvpStore(context.Registry.AvpCount);
            (tx.BranchAvps ??= []).Add(st.BranchIndex, store);
            return store;
        }
    }

    /// <summary>Hook: a new branch starts without the <c>$bavp</c>s of a dropped branch that had its index.</summary>
    private static void ResetBranchAvps(TmTransaction tx, int index) => tx.BranchAvps?.Remove(index);

    /// <summary><c>$T_branch_last_reply_code</c>: the last code received on a branch (the current one by default); NULL without one.</summary>
    public static ScriptValue BranchLastReplyCode(ScriptContext context, int? index)
    {
        var st = context.GetState(StateSlot);
        if (st.Transaction is not { } tx)
        {
            return ScriptValue.Null;
        }

        lock (tx.Gate)
        {
            var i = index ?? st.BranchIndex;
            if (i < 0 || i >= tx.Branches.Count)
            {
                return ScriptValue.Null;
            }

            return ScriptValue.FromInt(tx.Branches[i].Status);
        }
    }

    // ------------------------------------------------------------------ t_add_hdrs, t_flush_flags, t_local_replied

    /// <summary><c>t_add_hdrs(hdrs)</c>: 1, or -1 without a transaction or with an empty value.</summary>
    public int SetExtraHeaders(ScriptContext context, string headers)
    {
        if (context.GetState(StateSlot).Transaction is not { } tx || headers.Length == 0)
        {
            return -1;
        }

        if (!headers.EndsWith("\r\n", StringComparison.Ordinal))
        {
            headers += "\r\n"; // whole lines: the last one must end like the others
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(headers);
        lock (tx.Gate)
        {
            tx.ExtraHeaders = bytes;
        }

        return 1;
    }

    /// <summary>Hook: a branch's request ends its header section with the transaction's <c>t_add_hdrs</c> lines.</summary>
    private static void AppendExtraHeaders(SipMessageEditor editor, TmTransaction tx)
    {
        if (tx.ExtraHeaders is { Length: > 0 } lines)
        {
            editor.InsertLines(editor.Message.HeadersEnd, lines);
        }
    }

    /// <summary><c>t_flush_flags()</c>: the message flags become the transaction's; -1 without a transaction.</summary>
    public static int FlushFlags(ScriptContext context)
    {
        if (context.GetState(StateSlot).Transaction is not { } tx)
        {
            return -1;
        }

        lock (tx.Gate)
        {
            tx.Flags = context.Flags;
        }

        return 1;
    }

    /// <summary>
    /// <c>t_local_replied(scope)</c>: "all" — no branch of the current set ever received a reply; "last" — the last
    /// reply sent upstream was local (in failure_route: the winning reply was made locally, a timeout); "branch" (in
    /// failure_route) — the winning branch received nothing. 1 or -1.
    /// </summary>
    public static int LocalReplied(ScriptContext context, LocalRepliedScope scope)
    {
        var st = context.GetState(StateSlot);
        if (st.Transaction is not { } tx)
        {
            return -1;
        }

        lock (tx.Gate)
        {
            var picked = context.RouteType == RouteType.Failure && st.BranchIndex >= 0 && st.BranchIndex < tx.Branches.Count
                ? tx.Branches[st.BranchIndex]
                : null;
            switch (scope)
            {
                case LocalRepliedScope.All:
                    for (var i = tx.FirstBranchOfSet; i < tx.Branches.Count; i++)
                    {
                        if (ReplyReceived(tx.Branches[i]))
                        {
                            return -1;
                        }
                    }

                    return 1;
                case LocalRepliedScope.Branch:
                    return picked is not null && !ReplyReceived(picked) ? 1 : -1;
                default:
                    if (picked is not null)
                    {
                        return picked.FinalReply is null ? 1 : -1;
                    }

                    return tx.LastResponse is { } last && ReferenceEquals(last, tx.LocalResponse) ? 1 : -1;
            }
        }
    }

    /// <summary>Whether a reply came from the network on the branch (a faked 408 or a placeholder's end do not count).</summary>
    private static bool ReplyReceived(TmBranch branch) => (branch.Invite?.LastStatus ?? branch.NonInvite?.LastStatus ?? 0) > 0;

    // ------------------------------------------------------------------ t_cancel_branch

    /// <summary>
    /// <c>t_cancel_branch([flags])</c> in an onreply_route: "" cancels the reply's branch (while the reply is
    /// provisional), "a" every pending branch (not the reply's when it is final), "o" every pending branch but the
    /// reply's. 1, or -1 without an INVITE transaction.
    /// </summary>
    public int CancelBranches(ScriptContext context, CancelBranchFlags flags)
    {
        var st = context.GetState(StateSlot);
        if (st.Transaction is not { IsInvite: true } tx || st.BranchIndex < 0)
        {
            return -1;
        }

        lock (tx.Gate)
        {
            var current = st.BranchIndex;
            var final = st.ReplyCode >= 200;
            if ((flags & (CancelBranchFlags.All | CancelBranchFlags.Others)) != 0)
            {
                var skipCurrent = (flags & CancelBranchFlags.Others) != 0 || final;
                for (var i = 0; i < tx.Branches.Count; i++)
                {
                    if (i != current || !skipCurrent)
                    {
                        CancelOne(tx.Branches[i], reason: null);
                    }
                }
            }
            else if (!final && current < tx.Branches.Count)
            {
                CancelOne(tx.Branches[current], reason: null);
            }
        }

        return 1;
    }

    /// <summary>Cancels one pending branch: now if it had a provisional, else when one arrives (RFC 3261 §9.1).</summary>
    private void CancelOne(TmBranch branch, byte[]? reason)
    {
        if (branch.Phony || branch.Status >= 200 || branch.CancelSent || branch.CancelPending)
        {
            return;
        }

        if (branch.ProvisionalReceived)
        {
            SendCancel(branch, reason);
        }
        else
        {
            // RFC 3261 §9.1: a CANCEL SHOULD NOT be sent before a provisional response arrived; it goes then.
            branch.CancelPending = true;
            branch.CancelReason = reason;
        }
    }

    // ------------------------------------------------------------------ waiting for and injecting branches

    /// <summary>
    /// <c>t_wait_for_new_branches([n])</c>: the INVITE transaction gets a placeholder branch (OpenSIPS's PHONY UAC)
    /// that keeps it from completing when its real branches are final, until its own fr_inv_timeout, a 2xx, the n-th
    /// injected branch (0: no limit) or <c>t_wait_no_more_branches()</c>. 1, or -1 without an INVITE transaction.
    /// </summary>
    public int WaitForNewBranches(ScriptContext context, int maxBranches)
    {
        var st = context.GetState(StateSlot);
        if (st.Transaction is not { } tx || !tx.IsInvite)
        {
            return -1;
        }

        lock (tx.Gate)
        {
            if (tx.Completed || tx.Released)
            {
                return -1;
            }

            StartWaiting(tx, maxBranches);
        }

        return 1;
    }

    /// <summary>Adds the placeholder branch with its own fr_inv timer (under the transaction lock).</summary>
    private void StartWaiting(TmTransaction tx, int maxBranches)
    {
        tx.WaitMaxBranches = Math.Max(maxBranches, 0);
        tx.InjectedBranches = 0;
        if (WaitingBranch(tx) is not null)
        {
            return;
        }

        var request = tx.Parse();
        var phony = new TmBranch(this, tx, tx.Branches.Count, System.Text.Encoding.UTF8.GetString(request[request.RequestUri])) { Phony = true };
        tx.Branches.Add(phony);
        phony.Timers.Start(TransactionTimer.B, tx.Timings.InviteFinalResponse);
    }

    /// <summary>
    /// The request route ended (OpenSIPS's <c>t_unref</c>). A transaction the script neither relayed nor answered at
    /// all is released, with a warning, as OpenSIPS does ("script writer didn't release transaction"). An INVITE held
    /// with only a provisional sent (t_newtran's 100, a parking 180) stays for MI <c>t_reply</c>/<c>t_reply_by_callid</c>
    /// as in OpenSIPS, but not forever: it waits as after <c>t_wait_for_new_branches()</c> and ends with a 408 when
    /// fr_inv_timeout passes unanswered, where OpenSIPS would keep it in memory for good.
    /// </summary>
    public void OnRequestScriptEnd(ScriptContext context)
    {
        if (context.GetState(StateSlot).Transaction is not { IsLocal: false } tx)
        {
            return;
        }

        lock (tx.Gate)
        {
            if (tx.Completed || tx.Released || tx.Branches.Count > 0 || tx.Identity.Method == SipMethod.Ack)
            {
                return;
            }

            if (tx.LastStatus == 0)
            {
                LogUnreleased(_logger, tx.Identity.Method.ToString());
                tx.UasInvite?.Abandon();
                tx.UasNonInvite?.Abandon();
            }
            else if (tx.IsInvite)
            {
                StartWaiting(tx, 0);
            }
        }
    }

    /// <summary><c>t_wait_no_more_branches()</c>: the transaction stops waiting for injected branches. 1, or -1 when it was not waiting.</summary>
    public int WaitNoMoreBranches(ScriptContext context)
    {
        var st = context.GetState(StateSlot);
        if ((st.Transaction ?? st.RemoteTransaction) is not { } tx)
        {
            return -1;
        }

        lock (tx.Gate)
        {
            return StopWaiting(tx) ? 1 : -1;
        }
    }

    /// <summary>The placeholder branch still holding the current set, or null.</summary>
    private static TmBranch? WaitingBranch(TmTransaction tx)
    {
        for (var i = tx.Branches.Count - 1; i >= tx.FirstBranchOfSet; i--)
        {
            if (tx.Branches[i] is { Phony: true, Minor: false, Status: < 200 } phony)
            {
                return phony;
            }
        }

        return null;
    }

    /// <summary>Hook (t_relay): a new set of branches keeps the placeholder of a t_wait_for_new_branches() called before it.</summary>
    private static void KeepWaitingBranchInSet(TmTransaction tx)
    {
        var first = tx.FirstBranchOfSet;
        if (first > 0 && tx.Branches[first - 1] is { Phony: true, Minor: false, Status: < 200 })
        {
            tx.FirstBranchOfSet = first - 1;
        }
    }

    /// <summary>The placeholder's fr_inv_timeout fired: it ends as a faked 408 (priority below every real failure but 503), and the transaction decides.</summary>
    public void OnPhonyTimeout(TmBranch phony)
    {
        var tx = phony.Transaction;
        if (tx.Completed || tx.Released || phony.Status >= 200 || phony.Minor)
        {
            return;
        }

        phony.Status = 408;
        phony.FinalReply = null;
        DecideUnlessReplying(tx);
    }

    /// <summary>
    /// Ends the wait: the placeholder no longer holds the decision (as a minor branch does not), or, with no real
    /// branch in the set, ends as a 408 (nothing will ever answer). False when the transaction was not waiting.
    /// </summary>
    private bool StopWaiting(TmTransaction tx)
    {
        if (WaitingBranch(tx) is not { } phony)
        {
            return false;
        }

        phony.Timers.Stop(TransactionTimer.B);
        var realBranches = false;
        for (var i = tx.FirstBranchOfSet; i < tx.Branches.Count; i++)
        {
            realBranches |= !tx.Branches[i].Phony;
        }

        if (realBranches)
        {
            phony.Minor = true;
        }
        else
        {
            phony.Status = 408;
        }

        DecideUnlessReplying(tx);
        return true;
    }

    /// <summary>Hook (the caller's CANCEL matched): waiting makes no sense any more; the placeholder ends with 487 (RFC 3261 §16.10).</summary>
    private void StopWaitingOnCancel(TmTransaction tx)
    {
        if (WaitingBranch(tx) is not { } phony)
        {
            return;
        }

        phony.Timers.Stop(TransactionTimer.B);
        phony.Status = 487;
        phony.FinalReply = null;
        DecideUnlessReplying(tx);
    }

    /// <summary>
    /// Decides now, unless a reply of the transaction is being handled (its routes are running): OnBranchResponse
    /// decides itself once the reply is stored, and deciding earlier would relay a final reply not yet stored.
    /// </summary>
    private void DecideUnlessReplying(TmTransaction tx)
    {
        if (tx.CurrentReply is null)
        {
            Decide(tx);
        }
    }

    /// <summary>
    /// <c>t_inject_branches(source[, "cancel"])</c>: adds branches to the current transaction (or one another module
    /// pointed the route at) and sends them, the transaction's stored request with the new destinations (OpenSIPS
    /// builds them from its cloned request too). "msg" takes the current request's Request-URI and branches, or in a
    /// reply route the branches alone; "event" the one branch of the running event's usrloc contact attributes
    /// (<see cref="BranchFromEvent"/>); "cancel" cancels the branches pending before with "Call completed elsewhere".
    /// 1; -1 no transaction or no destination; -2 the transaction already has a final reply; -3 none could be sent.
    /// </summary>
    public int InjectBranches(ScriptContext context, InjectSource source, bool cancelExisting)
    {
        Attach(context.Host, context.Registry);
        var st = context.GetState(StateSlot);
        if ((st.Transaction ?? st.RemoteTransaction) is not { } tx)
        {
            return -1;
        }

        ScriptBranch first;
        var extras = 0;
        List<ScriptBranch> branches = context.Branches;
        if (source == InjectSource.Event)
        {
            // OpenSIPS (t_fwd.c ul_contact_event_to_msg) reads the contact from the usrloc event whose route is running;
            // here the running event's attributes. Only that one branch is injected, not the context's branch set.
            if (BranchFromEvent(context) is not { } fromEvent)
            {
                LogInjectWithoutEvent(_logger);
                return -1;
            }

            first = fromEvent;
            branches = [];
        }
        else if (context.Message is { IsRequest: true })
        {
            first = new ScriptBranch(context.RequestUriValue.AsString())
            {
                DestinationUri = context.DestinationUri,
                Flags = context.BranchFlags,
                Socket = context.ForcedSocket,
            };
        }
        else if (context.Branches.Count > 0)
        {
            first = context.Branches[0]; // a reply (or no message): the first branch plays the Request-URI
            extras = 1;
        }
        else
        {
            return -1;
        }

        lock (tx.Gate)
        {
            if (tx.Completed || tx.Released || tx.LastStatus >= 200)
            {
                return -2;
            }

            if ((tx.Blocked && !_options.Disable6xxBlock) || tx.Cancelled)
            {
                return -3;
            }

            if (ReferenceEquals(st.Transaction, tx) && context.RouteType == RouteType.Request)
            {
                // From the transaction's own request route: what t_relay would take along.
                tx.FailureRoute = st.FailureRoute ?? tx.FailureRoute;
                tx.ReplyRoute = st.ReplyRoute ?? tx.ReplyRoute;
                tx.BranchRoute = st.BranchRoute ?? tx.BranchRoute;
                tx.Flags = context.Flags;
                CaptureCarriedState(context, tx);
                CaptureAvps(context, tx);
            }

            var before = tx.Branches.Count;
            var sent = SendInjected(tx, first, branches, extras);
            if (cancelExisting)
            {
                for (var i = 0; i < before; i++)
                {
                    CancelOne(tx.Branches[i], CompletedElsewhere);
                }
            }

            if (sent == 0)
            {
                return -3;
            }

            tx.InjectedBranches += sent;
            if (tx.WaitMaxBranches > 0 && tx.InjectedBranches >= tx.WaitMaxBranches)
            {
                StopWaiting(tx);
            }

            return 1;
        }
    }

    /// <summary>
    /// The branch a usrloc contact event describes (OpenSIPS's ul_contact_event_to_msg): <c>uri</c> → Request-URI;
    /// <c>path</c> → its first hop as destination URI, else <c>received</c> → destination URI; <c>qval</c> → q;
    /// <c>bflags</c> → branch flags; <c>socket</c> ("proto:host:port") → the forced send socket when it names one of
    /// our listeners (ignored otherwise, as OpenSIPS does). Null without an event or without a <c>uri</c>.
    /// </summary>
    private static ScriptBranch? BranchFromEvent(ScriptContext context)
    {
        if (context.EventParameters is not { } attributes)
        {
            return null;
        }

        string? uri = null, received = null, path = null, socket = null;
        ScriptValue qval = default, bflags = default;
        foreach (var attribute in attributes)
        {
            switch (attribute.Name)
            {
                case "uri":
                    uri ??= attribute.Value.IsNullOrEmpty ? null : attribute.Value.AsString();
                    break;
                case "received":
                    received ??= attribute.Value.IsNullOrEmpty ? null : attribute.Value.AsString();
                    break;
                case "path":
                    path ??= attribute.Value.IsNullOrEmpty ? null : attribute.Value.AsString();
                    break;
                case "socket":
                    socket ??= attribute.Value.IsNullOrEmpty ? null : attribute.Value.AsString();
                    break;
                case "qval":
                    qval = qval.IsNull ? attribute.Value : qval;
                    break;
                case "bflags":
                    bflags = bflags.IsNull ? attribute.Value : bflags;
                    break;
            }
        }

        if (uri is null)
        {
            return null;
        }

        var branch = new ScriptBranch(uri)
        {
            // Parley's branches carry no Path vector to the wire: the first Path hop becomes the destination (as in
            // OpenSIPS), but the Path URIs are not added as Route headers.
            DestinationUri = path is not null ? FirstPathUri(path) : received,
            Q = qval.TryGetInt(out var q) ? (int)q : -1,
            Flags = bflags.TryGetInt(out var flags) ? unchecked((ulong)flags) : 0,
            Path = path,
        };
        if (socket is not null && context.Host is { } host)
        {
            branch.Socket = FindSocket(host, socket);
        }

        return branch;
    }

    /// <summary>The first URI of a Path vector ("&lt;sip:p1;lr&gt;,&lt;sip:p2;lr&gt;" → "sip:p1;lr").</summary>
    private static string FirstPathUri(string path)
    {
        var inBrackets = false;
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '<')
            {
                inBrackets = true;
            }
            else if (path[i] == '>')
            {
                inBrackets = false;
            }
            else if (path[i] == ',' && !inBrackets)
            {
                return UacMessages.RouteUri(path[..i]);
            }
        }

        return UacMessages.RouteUri(path);
    }

    /// <summary>Sends the new branches from the transaction's request in a context of tm's own (the caller's may be another message); returns how many went.</summary>
    private int SendInjected(TmTransaction tx, ScriptBranch first, List<ScriptBranch> branches, int firstExtra)
    {
        var context = RentContext();
        var sent = 0;
        try
        {
            var request = tx.Parse();
            var editor = new SipMessageEditor();
            editor.Reset(request);
            context.Begin(request, editor, tx.Source, RouteType.Request);
            context.Flags = tx.Flags;
            context.GetState(StateSlot).Transaction = tx;
            foreach (var (carrier, snapshot) in tx.CarriedState)
            {
                carrier.Restore(context, snapshot);
            }

            LoadTransactionAvps(context, tx);
            context.SetRequestUri(first.Uri);
            context.DestinationUri = first.DestinationUri;
            context.BranchFlags = first.Flags;
            context.ForcedSocket = first.Socket;
            if (SendNewBranch(context, tx, null))
            {
                sent++;
            }

            for (var i = firstExtra; i < branches.Count; i++)
            {
                if (SendNewBranch(context, tx, branches[i]))
                {
                    sent++;
                }
            }

            tx.Flags = context.Flags;
            SaveTransactionAvps(context, tx);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            LogRouteFailed(_logger, "branch_route (injected branch)", e);
        }
        finally
        {
            _contexts.Add(context);
        }

        return sent;
    }

    /// <summary>
    /// Points the routes run on <paramref name="context"/> at the transaction whose <c>$T_id</c> is
    /// <paramref name="transactionId"/> (OpenSIPS's t_set_remote_t, which event_routing uses before a notification
    /// route): <c>t_inject_branches</c> and <c>t_wait_no_more_branches</c> then act on it. For modules; no script API.
    /// </summary>
    public bool SetRemoteTransaction(ScriptContext context, ReadOnlySpan<char> transactionId)
    {
        var dot = transactionId.IndexOf('.');
        Span<byte> text = stackalloc byte[20];
        if (dot <= 0 || transactionId.Length > text.Length || !System.Text.Ascii.IsValid(transactionId))
        {
            return false;
        }

        System.Text.Ascii.FromUtf16(transactionId, text, out var n);
        text = text[..n];
        if (!BranchId.TryReadReverseHex(text[..dot], out var label) || !BranchId.TryReadReverseHex(text[(dot + 1)..], out var bucket)
            || bucket >= TmHash.TableSize || Table.FindByLabel((int)bucket, label) is not { Released: false } tx)
        {
            return false;
        }

        context.GetState(StateSlot).RemoteTransaction = tx;
        return true;
    }

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning,
        Message = "tm: the script created a {Method} transaction and neither relayed nor answered it; released without a reply (as OpenSIPS does)")]
    private static partial void LogUnreleased(ILogger logger, string method);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning,
        Message = "tm: t_inject_branches(\"event\") outside an event route, or the event has no \"uri\" attribute (a usrloc contact event's); nothing injected")]
    private static partial void LogInjectWithoutEvent(ILogger logger);
}
