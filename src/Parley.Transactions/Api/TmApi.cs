using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Transactions.Api;

/// <summary>
/// The transaction events other modules (dialog, acc…) can observe: OpenSIPS's <c>TMCB_*</c> callback types
/// (t_hooks.h). Per-transaction callbacks are registered on an <see cref="ITmTransaction"/>; only
/// <see cref="RequestIn"/> and <see cref="LocalTransactionNew"/> can be registered globally (for every new transaction).
/// </summary>
[Flags]
public enum TmCallbackType
{
    None = 0,

    /// <summary>A new server transaction was created for a request (global; the request is the received one).</summary>
    RequestIn = 1 << 0,

    /// <summary>A reply arrived on one of the transaction's branches (before onreply_route).</summary>
    ResponseIn = 1 << 1,

    /// <summary>An end-to-end ACK for a 2xx of this INVITE transaction passed through.</summary>
    E2EAckIn = 1 << 2,

    /// <summary>A branch's request was built and is about to be sent (the request is the branch's outgoing message).</summary>
    RequestBuilt = 1 << 3,

    /// <summary>A branch's request was sent (TMCB_REQUEST_FWDED / TMCB_MSG_SENT_OUT).</summary>
    RequestOut = 1 << 4,

    /// <summary>A received reply is about to be relayed upstream (after onreply_route; may still be edited).</summary>
    ResponsePreOut = 1 << 5,

    /// <summary>A reply was relayed or sent upstream (received or local).</summary>
    ResponseOut = 1 << 6,

    /// <summary>The transaction ended negatively and failure handling runs (before failure_route).</summary>
    OnFailure = 1 << 7,

    /// <summary>The caller's CANCEL matched this transaction.</summary>
    TransactionCancelled = 1 << 8,

    /// <summary>The transaction is being removed from memory (last callback it gets).</summary>
    TransactionDeleted = 1 << 9,

    /// <summary>A locally generated transaction (UAC) got its final reply (or a local timeout).</summary>
    LocalCompleted = 1 << 10,

    /// <summary>A locally generated reply (t_reply, auto 100, 408/487…) was sent upstream.</summary>
    LocalResponseOut = 1 << 11,

    /// <summary>A locally generated (UAC) transaction was created (global).</summary>
    LocalTransactionNew = 1 << 12,
}

/// <summary>What a callback is told. Messages are valid only during the callback.</summary>
public readonly struct TmCallbackArgs
{
    public TmCallbackArgs(TmCallbackType type, SipMessage? request, SipMessage? reply, int code, int branchIndex, ScriptContext? context, object? parameter)
    {
        Type = type;
        Request = request;
        Reply = reply;
        Code = code;
        BranchIndex = branchIndex;
        Context = context;
        Parameter = parameter;
    }

    public TmCallbackType Type { get; }

    /// <summary>The request: the received one (RequestIn), the branch's outgoing one (RequestBuilt/Out), else the transaction's.</summary>
    public SipMessage? Request { get; }

    /// <summary>The reply received or sent, when the event has one (a faked 408 has none: see <see cref="Code"/>).</summary>
    public SipMessage? Reply { get; }

    /// <summary>The reply's status code (408 for a timeout), 0 for request events.</summary>
    public int Code { get; }

    /// <summary>The branch concerned, or -1.</summary>
    public int BranchIndex { get; }

    /// <summary>The script context being processed when the event fires from a worker (request/reply routes), else null.</summary>
    public ScriptContext? Context { get; }

    /// <summary>The value given at registration.</summary>
    public object? Parameter { get; }
}

/// <summary>A transaction callback. Runs under the transaction's lock: do not block, do not call back into tm for the same transaction except through the given view.</summary>
public delegate void TmCallback(ITmTransaction transaction, in TmCallbackArgs args);

/// <summary>A read-only view of a transaction (OpenSIPS's <c>struct cell</c>) plus callback registration.</summary>
public interface ITmTransaction
{
    /// <summary><c>$T_id</c>'s value.</summary>
    string Id { get; }

    /// <summary>Hash bucket (OpenSIPS <c>hash_index</c>), as used by MI <c>t_reply</c>.</summary>
    int HashEntry { get; }

    /// <summary>Label within the bucket.</summary>
    uint Label { get; }

    /// <summary>The request method.</summary>
    SipMethod Method { get; }

    bool IsInvite { get; }

    /// <summary>True for a transaction created by the UAC API (no server side).</summary>
    bool IsLocal { get; }

    /// <summary>The stored request (as relayed, with the script's edits), parsed. Read under the callback only.</summary>
    SipMessage Request { get; }

    /// <summary>Where the request came from (default for a local transaction).</summary>
    MessageSource Source { get; }

    /// <summary>Status of the last reply sent upstream (0 before any).</summary>
    int LastStatus { get; }

    /// <summary>The To tag of a locally sent reply, empty otherwise.</summary>
    string LocalToTag { get; }

    int BranchCount { get; }

    /// <summary>The request URI branch <paramref name="index"/> was sent to.</summary>
    string BranchUri(int index);

    /// <summary>The destination (transport, address) branch <paramref name="index"/> was sent to, "udp:1.2.3.4:5060" style.</summary>
    string BranchDestination(int index);

    /// <summary>The caller cancelled the transaction.</summary>
    bool Cancelled { get; }

    /// <summary>Registers a per-transaction callback for <paramref name="types"/>; false when the transaction is already being deleted.</summary>
    bool RegisterCallback(TmCallbackType types, TmCallback callback, object? parameter = null);
}

/// <summary>A locally generated request (tm's UAC API: <c>t_uac</c>/<c>t_uac_dlg</c>, <c>t_new_request</c>).</summary>
public sealed class UacRequest
{
    public required string Method { get; init; }

    /// <summary>The Request-URI (the remote target for in-dialog requests).</summary>
    public required string RequestUri { get; init; }

    /// <summary>The From header value, including its tag when in a dialog (a tag is generated when missing).</summary>
    public required string From { get; init; }

    /// <summary>The To header value, including the remote tag when in a dialog.</summary>
    public required string To { get; init; }

    /// <summary>The Call-ID (generated when null).</summary>
    public string? CallId { get; init; }

    /// <summary>The CSeq number (1 when null).</summary>
    public uint? CSeq { get; init; }

    /// <summary>The route set, in order, as Route header values ("&lt;sip:…;lr&gt;"); loose routing assumed.</summary>
    public IReadOnlyList<string> RouteSet { get; init; } = [];

    /// <summary>Where to send it ("sip:host:port;transport=tcp" or "udp:host:port"), overriding Route/Request-URI.</summary>
    public string? NextHop { get; init; }

    /// <summary>The local socket to send from ("udp:127.0.0.1:5060"); chosen by transport when null.</summary>
    public string? Socket { get; init; }

    /// <summary>Extra header lines, each ending in CRLF (Contact, Content-Type, Max-Forwards…).</summary>
    public string? Headers { get; init; }

    public byte[]? Body { get; init; }

    /// <summary>tm acknowledges a 2xx to this INVITE itself (same CSeq, to the reply's Contact); otherwise nobody does.</summary>
    public bool AckSuccess { get; init; }

    /// <summary>Called for provisional replies when not null (pass_provisional_replies for MI callers).</summary>
    public Action<UacReply>? OnProvisional { get; init; }

    /// <summary>A value shown to <see cref="TmCallbackType.LocalTransactionNew"/> callbacks and local_route as <c>$avp(uac_ctx)</c>.</summary>
    public string? Context { get; init; }
}

/// <summary>The final outcome of a UAC request: a reply, or a local 408 timeout / 477 / 478 send failure.</summary>
public sealed record UacReply(int Code, string Reason, string? ToTag, string? Contact, IReadOnlyList<string> RecordRoute, byte[]? Message)
{
    /// <summary>True when the reply was generated locally (timeout, send failure) rather than received.</summary>
    public bool Local => Message is null;
}

/// <summary>tm as other modules use it (OpenSIPS's <c>struct tm_binds</c>): callbacks, lookups, UAC, replies.</summary>
public interface ITmApi
{
    /// <summary>Registers a global callback (<see cref="TmCallbackType.RequestIn"/> or <see cref="TmCallbackType.LocalTransactionNew"/>).</summary>
    void RegisterCallback(TmCallbackType types, TmCallback callback, object? parameter = null);

    /// <summary>The transaction of the message being processed in <paramref name="context"/> (t_gett), or null.</summary>
    ITmTransaction? Current(ScriptContext context);

    /// <summary>The INVITE server transaction with this Call-ID and CSeq number (t_lookup_callid), or null.</summary>
    ITmTransaction? FindInvite(string callId, uint cseq);

    /// <summary>The transaction <paramref name="hashEntry"/>:<paramref name="label"/> (t_lookup_ident), or null.</summary>
    ITmTransaction? Find(int hashEntry, uint label);

    /// <summary>Sends a stateful reply on a server transaction (t_reply_with_body); false when it cannot be sent.</summary>
    bool Reply(ITmTransaction transaction, int code, string reason, string? toTag = null, string? headers = null, byte[]? body = null);

    /// <summary>Cancels the pending branches of an INVITE server transaction as a caller's CANCEL would.</summary>
    bool Cancel(ITmTransaction transaction, string? reasonHeaderValue = null);

    /// <summary>Sends a request in a new client transaction (retransmissions, timeouts, local_route); completes with the final reply.</summary>
    Task<UacReply> SendRequestAsync(UacRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Implemented by the tm module: how other modules find <see cref="ITmApi"/> (<c>load_tm_api</c>) among the loaded modules.</summary>
public interface ITmApiProvider
{
    ITmApi TmApi { get; }
}
