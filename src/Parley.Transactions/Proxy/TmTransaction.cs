using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Transactions.Matching;
using Parley.Transactions.StateMachines;
using Parley.Transport;

namespace Parley.Transactions.Proxy;

/// <summary>
/// One proxied transaction (OpenSIPS's <c>struct cell</c>): the server side towards the caller and the client branches
/// towards the callees. Everything in it is read and changed under <see cref="Gate"/>.
/// </summary>
internal sealed partial class TmTransaction : ITableTransaction, IServerTransactionActions, Api.ITmTransaction
{
    private readonly TmCore _core;

    public TmTransaction(TmCore core, TransactionIdentity identity, byte[] request, in MessageSource source, TransactionTimings timings)
    {
        _core = core;
        Identity = identity;
        Bucket = identity.Bucket;
        Request = request;
        Source = source;
        Timings = timings;
        var parsed = Parse();
        ReplyDestination = ResponseRouting.ForLocalReply(parsed, source);
        UasTimers = new MachineTimers(core.WheelFor(identity.Bucket), OnUasTimer) { Gate = Gate };
        var reliable = source.Transport != SipTransport.Udp;
        if (identity.Method == SipMethod.Invite)
        {
            UasInvite = new ServerInviteTransaction(reliable, timings, UasTimers, this);
        }
        else
        {
            UasNonInvite = new ServerNonInviteTransaction(reliable, timings, UasTimers, this);
        }
    }

    public Lock Gate { get; } = new();

    public TransactionIdentity Identity { get; }

    TransactionIdentity? ITableTransaction.Identity => IsLocal ? null : Identity; // local (UAC) transactions match no request

    public int Bucket { get; }

    public uint Label { get; set; }

    public bool IsInvite => Identity.Method == SipMethod.Invite;

    /// <summary>The request as received, with received/rport and the script's edits up to the relay (OpenSIPS's clone).</summary>
    public byte[] Request { get; private set; }

    public MessageSource Source { get; }

    public SipEndPoint ReplyDestination { get; }

    public TransactionTimings Timings { get; set; }

    public MachineTimers UasTimers { get; }

    public ServerInviteTransaction? UasInvite { get; }

    public ServerNonInviteTransaction? UasNonInvite { get; }

    /// <summary>The last response sent upstream (for retransmissions).</summary>
    public byte[]? LastResponse { get; set; }

    /// <summary>Status of the last response sent upstream (final or provisional).</summary>
    public int LastStatus { get; set; }

    public byte[] LocalTag { get; set; } = [];

    ReadOnlySpan<byte> ITableTransaction.LocalToTag => LocalTag;

    /// <summary>With <c>syn_branch=0</c>: the MD5 of the request's transaction key that replaces the label in Via branches.</summary>
    public byte[]? Md5 { get; set; }

    ReadOnlySpan<byte> ITableTransaction.BranchKey => Md5;

    public List<TmBranch> Branches { get; } = [];

    /// <summary>First branch of the current set: a failure_route that relays again starts a new set.</summary>
    public int FirstBranchOfSet { get; set; }

    /// <summary>A final response went upstream (the transaction completed).</summary>
    public bool Completed { get; set; }

    /// <summary>The caller cancelled (a CANCEL matched it).</summary>
    public bool Cancelled { get; set; }

    /// <summary>A 6xx was received: no new branches (unless disable_6xx_block).</summary>
    public bool Blocked { get; set; }

    public byte[]? CancelReason { get; set; }

    public RouteHandle? FailureRoute { get; set; }

    public RouteHandle? ReplyRoute { get; set; }

    public RouteHandle? BranchRoute { get; set; }

    /// <summary>The script's message flags when the request was relayed (copied into reply and failure routes).</summary>
    public ulong Flags { get; set; }

    /// <summary>t_relay flags (no-auto-477, pass-reason-hdr, allow-no-cancel…).</summary>
    public RelayFlags RelayFlags { get; set; }

    public bool Released { get; set; }

    /// <summary>Module state carried with the request (rr's Record-Route intent), restored into failure_route.</summary>
    public List<(ITransactionStateCarrier Carrier, object Snapshot)> CarriedState { get; } = [];

    /// <summary>The last local reply sent upstream (<c>t_local_replied("last")</c> compares it with <see cref="LastResponse"/>).</summary>
    public byte[]? LocalResponse { get; set; }

    /// <summary>The transaction's AVPs, captured from the request at t_relay (failure routes; onreply_avp_mode 1).</summary>
    public AvpStore? Avps { get; set; }

    /// <summary><c>t_add_hdrs</c>: header lines appended to every request tm sends for the transaction.</summary>
    public byte[]? ExtraHeaders { get; set; }

    /// <summary><c>$bavp</c> stores by branch index (created on first write).</summary>
    public Dictionary<int, AvpStore>? BranchAvps { get; set; }

    /// <summary><c>t_wait_for_new_branches([n])</c>: at most n injected branches are waited for (0: no limit), and how many came.</summary>
    public int WaitMaxBranches { get; set; }

    public int InjectedBranches { get; set; }

    /// <summary>The reply being processed on a worker (valid only during <see cref="TmCore.HandleReply"/>).</summary>
    public (ScriptContext Context, Parley.Protocol.Writing.SipMessageEditor Editor)? CurrentReply { get; set; }

    private SipMessage? _parsed;

    /// <summary>The stored request, parsed once (used under <see cref="Gate"/> only: local replies, failure_route).</summary>
    public SipMessage Parse()
    {
        if (_parsed is null)
        {
            var message = new SipMessage();
            SipParser.Parse(Request, 0, Request.Length, message, datagram: true);
            _parsed = message;
        }

        return _parsed;
    }

    public void RetransmitLastResponse() => _core.SendUpstream(this, LastResponse, retransmission: true);

    public void Terminated() => _core.TryRelease(this);

    private void OnUasTimer(TransactionTimer timer)
    {
        UasInvite?.OnTimer(timer);
        UasNonInvite?.OnTimer(timer);
    }

    public bool AllBranchesFinal()
    {
        for (var i = FirstBranchOfSet; i < Branches.Count; i++)
        {
            if (Branches[i].Status < 200 && !Branches[i].Minor)
            {
                return false;
            }
        }

        return true;
    }

    public bool ClientSideDone()
    {
        foreach (var b in Branches)
        {
            if (!b.Finished)
            {
                return false;
            }
        }

        return true;
    }

    public bool ServerSideDone() =>
        IsLocal || UasInvite is { State: ServerInviteState.Terminated } || UasNonInvite is { State: ServerNonInviteState.Terminated };

    public override string ToString() => Identity.ToString();
}

/// <summary>t_relay()'s flags (tm manual; legacy numeric values 0x2, 0x4, 0x8, 0x10 as bits).</summary>
[Flags]
internal enum RelayFlags
{
    None = 0,
    NoAuto477 = 0x2,
    NoDnsFailover = 0x4,
    PassReasonHeader = 0x8,
    AllowNoCancel = 0x10,

    /// <summary>Set by <c>t_replicate</c> (not a script flag): the transaction is local, its replies stop here.</summary>
    Replicate = 0x100,
}

/// <summary>One client branch of a transaction (OpenSIPS's <c>struct ua_client</c>).</summary>
internal sealed class TmBranch : IClientTransactionActions
{
    private readonly TmCore _core;

    public TmBranch(TmCore core, TmTransaction transaction, int index, string uri)
    {
        _core = core;
        Transaction = transaction;
        Index = index;
        Uri = uri;
        Timers = new MachineTimers(core.WheelFor(transaction.Bucket), OnTimer) { Gate = transaction.Gate };
    }

    public TmTransaction Transaction { get; }

    public int Index { get; }

    public string Uri { get; }

    public byte[] RequestBytes { get; set; } = [];

    public SipListener? Listener { get; set; }

    public SipEndPoint Destination { get; set; }

    public SipTransport Transport { get; set; }

    public MachineTimers Timers { get; }

    public ClientInviteTransaction? Invite { get; set; }

    public ClientNonInviteTransaction? NonInvite { get; set; }

    /// <summary>Last status received (408 when faked on timeout, 0 before any).</summary>
    public int Status { get; set; }

    /// <summary>The final response with the proxy's Via removed, ready to relay.</summary>
    public byte[]? FinalReply { get; set; }

    public bool Minor { get; set; }

    /// <summary>A CANCEL is wanted but no provisional arrived yet (RFC 3261 §9.1: wait for one).</summary>
    public bool CancelPending { get; set; }

    public bool CancelSent { get; set; }

    public byte[]? CancelReason { get; set; }

    /// <summary>The client transaction of the CANCEL sent on this branch, once sent.</summary>
    public ClientNonInviteTransaction? Cancel { get; set; }

    public MachineTimers? CancelTimers { get; set; }

    public RouteHandle? ReplyRoute { get; set; }

    /// <summary>A placeholder branch of <c>t_wait_for_new_branches</c>: no signalling, only an fr_inv timer (OpenSIPS's PHONY UAC).</summary>
    public bool Phony { get; set; }

    /// <summary>The branch's client transaction has ended (a CANCEL it sent may still be running: see <see cref="Finished"/>).</summary>
    public bool Done => Invite is null && NonInvite is null
        || Invite is { State: ClientInviteState.Terminated }
        || NonInvite is { State: ClientNonInviteState.Terminated };

    /// <summary>Nothing of the branch runs any more: its transaction and its CANCEL's.</summary>
    public bool Finished => Done && Cancel is null or { State: ClientNonInviteState.Terminated };

    public bool ProvisionalReceived => Invite?.ProvisionalReceived ?? NonInvite?.ProvisionalReceived ?? false;

    /// <summary>How many times the request was retransmitted (tm's retransmission_req_* statistics).</summary>
    public int Retransmissions { get; set; }

    /// <summary>The addresses the destination resolved to (RFC 3263 §4.3: tried in order) and the one in use.</summary>
    public ResolvedTargets Targets { get; set; }

    public int TargetIndex { get; set; }

    /// <summary>The destination is a host name still being resolved: pending for the best-reply choice, nothing sent yet.</summary>
    public bool Resolving { get; set; }

    /// <summary>No address could be sent to (reported after the send): the branch ends with a faked 477.</summary>
    public bool SendFailed { get; set; }

    /// <summary>Counts sends of the request to a new address, so a late send report of an abandoned address is ignored.</summary>
    public int SendAttempt { get; set; }

    /// <summary>The reason phrase of the reply tm fakes for this branch, when not 408/487 (476/477 …/TM).</summary>
    public string? LocalReason { get; set; }

    /// <summary>A blind branch (t_write_req/t_write_unix): nothing is sent, only its final response timer runs.</summary>
    public bool Blind { get; set; }

    public void RetransmitRequest() => _core.RetransmitRequest(this);

    public void SendAck() => _core.SendAck(this);

    public void PassToTransactionUser(int statusCode) => _core.OnBranchResponse(this, statusCode);

    public void TimedOut(bool provisionalReceived) => _core.OnBranchTimeout(this, provisionalReceived);

    public void Terminated() => _core.TryRelease(Transaction);

    private void OnTimer(TransactionTimer timer)
    {
        Invite?.OnTimer(timer);
        NonInvite?.OnTimer(timer);
        if (Phony)
        {
            _core.OnPhonyTimeout(this);
        }
    }
}
