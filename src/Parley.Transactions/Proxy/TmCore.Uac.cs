using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Api;
using Parley.Transactions.Matching;
using Parley.Transactions.StateMachines;
using Parley.Transport;

namespace Parley.Transactions.Proxy;

/// <summary>A local request could not be sent (OpenSIPS's <c>t_uac</c> returning an error): SIP-style code and reason.</summary>
internal sealed class UacSendException(int code, string reason) : Exception(reason)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;
}

/// <summary>
/// tm's UAC (OpenSIPS uac.c): locally generated requests run as client transactions in the same table as proxied
/// ones, so their replies match by branch through <see cref="HandleReply"/>; plus the lookups and the stateful replies
/// and cancels other modules and the MI ask for.
/// </summary>
internal sealed partial class TmCore
{
    /// <summary>
    /// Sends <paramref name="request"/> in a new client transaction and completes with its final reply (or a local 408).
    /// Throws <see cref="UacSendException"/> when it cannot be sent at all.
    /// </summary>
    /// <param name="ackSuccess">tm acknowledges a 2xx to a local INVITE itself (MI t_uac_dlg); otherwise the caller does.</param>
    public async Task<UacReply> SendRequestAsync(UacRequest request, bool ackSuccess, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = Host;
        if (request.Method.Length == 0 || request.Method.AsSpan().IndexOfAny(" \r\n\t") >= 0)
        {
            throw new UacSendException(400, "Bad method");
        }

        if (!Parley.Protocol.Uri.SipUri.TryParse(Encoding.UTF8.GetBytes(request.RequestUri), out _, out _))
        {
            throw new UacSendException(400, "Invalid request URI");
        }

        // Where it goes: the given next hop, else the first Route (loose routing, RFC 3261 §8.1.2), else the Request-URI.
        var hopText = request.NextHop ?? (request.RouteSet.Count > 0 ? UacMessages.RouteUri(request.RouteSet[0]) : request.RequestUri);
        if (!NextHop.TryParse(hopText, out var hop))
        {
            throw new UacSendException(478, "Unresolvable destination");
        }

        SipListener? forced = null;
        if (request.Socket is { } socket)
        {
            forced = FindSocket(host, socket) ?? throw new UacSendException(404, "Local socket not found");
        }

        var size = 1500;
        var transport = forced?.Transport ?? host.Resolver.SelectTransport(hop.Transport, hop.Sips, size);
        ResolvedTargets targets;
        try
        {
            targets = await host.Resolver.ResolveAsync(hop.Host, hop.Port, transport, hop.Sips, size, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            throw new UacSendException(478, "Unresolvable destination");
        }

        if (!targets.Succeeded || targets.Count == 0)
        {
            throw new UacSendException(478, "Unresolvable destination");
        }

        var target = targets[0];
        var listener = forced ?? host.FindListener(targets.Transport, target.AddressFamily) ?? throw new UacSendException(503, "No socket for the transport");
        var callId = request.CallId ?? UacMessages.NewCallId(listener);
        var cseq = request.CSeq ?? 1;
        var from = UacMessages.EnsureFromTag(request.From, UacMessages.NewTag());

        // The transaction (and so its label, part of the branch) exists before the request is final.
        var draft = UacMessages.Build(request, callId, from, cseq, listener, BranchId.MagicCookie, host.UserAgentHeader);
        var parsed = ParseCopy(draft);
        if (!TransactionIdentity.TryCreate(parsed, out var identity))
        {
            throw new UacSendException(400, "Bad request headers");
        }

        var local = new LocalUac(request, ackSuccess);
        var tx = new TmTransaction(this, identity, draft, _options.Timings, local);
        Table.Insert(tx);
        byte[] bytes;
        try
        {
            bytes = BuildLocal(tx, request, callId, from, cseq, listener);
        }
        catch
        {
            Table.Remove(tx); // never sent: nothing would ever release it
            throw;
        }

        lock (tx.Gate)
        {
            tx.SetLocalRequest(bytes);
            var branch = new TmBranch(this, tx, 0, request.RequestUri)
            {
                RequestBytes = bytes,
                Listener = listener,
                Destination = target,
                Transport = targets.Transport,
            };
            tx.Branches.Add(branch);
            if ((_globalMask & TmCallbackType.LocalTransactionNew) != 0)
            {
                RunGlobal(tx, TmCallbackType.LocalTransactionNew, tx.Parse(), null);
            }

            OnBranchBuilt(null, branch);
            SendBranch(branch, bytes);
            var reliable = targets.Transport != SipTransport.Udp;
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

            OnBranchSent(null, branch);
            Statistics.UacTransactions.Increment();
        }

        return await local.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The request with the transaction's branch, through local_route (edits kept) and local_request_route (read only).</summary>
    private byte[] BuildLocal(TmTransaction tx, UacRequest request, string callId, string from, uint cseq, SipListener listener)
    {
        Span<byte> branchId = stackalloc byte[BranchId.MaxLength];
        var branchLength = BranchId.Write(branchId, tx.Bucket, tx.Label, 0);
        var bytes = UacMessages.Build(request, callId, from, cseq, listener, branchId[..branchLength], Host.UserAgentHeader);
        bytes = RunLocalRoute(bytes, request.Context);
        if (_options.LocalRequestRoute is { } readOnlyRoute)
        {
            RunReadOnly(readOnlyRoute, bytes, default);
        }

        return bytes;
    }

    /// <summary>A reply on a local transaction's branch (under its lock): provisionals to the caller, the final one completes it.</summary>
    private void OnLocalResponse(TmBranch branch, int status, ScriptContext context)
    {
        var tx = branch.Transaction;
        var local = tx.Local!;
        var reply = context.Msg;
        if (status < 200)
        {
            if (!tx.Completed && local.Request.OnProvisional is { } provisional)
            {
                InvokeProvisional(provisional, ToUacReply(reply));
            }

            return;
        }

        if (tx.Completed)
        {
            // RFC 3261 §13.2.2.4: a retransmitted 2xx gets the same ACK again (the Accepted state passes it up).
            if (status < 300 && local.Ack is { } ack)
            {
                Send(ack.Listener, ack.Transport, ack.Destination, ack.Bytes);
            }

            return;
        }

        tx.Completed = true;
        tx.LastStatus = status;
        if (status < 300 && tx.IsInvite && local.AckSuccess && branch.Listener is { } listener)
        {
            var (bytes, next) = UacMessages.AckFor2xx(tx.Parse(), reply, listener);
            _ = SendAckFor2xxAsync(local, listener, next, bytes);
        }

        if ((tx.CallbackMask & TmCallbackType.LocalCompleted) != 0)
        {
            Run(tx, TmCallbackType.LocalCompleted, tx.Parse(), reply, status, branch.Index, context);
        }

        local.Completion.TrySetResult(ToUacReply(reply));
    }

    /// <summary>Timer B/F fired on a local transaction: it completes with a local 408 (and a pending INVITE is cancelled).</summary>
    private void OnLocalTimeout(TmBranch branch, bool provisionalReceived)
    {
        var tx = branch.Transaction;
        branch.Status = 408;
        (tx.IsInvite ? Statistics.TimeoutFinalResponseInv : Statistics.TimeoutFinalResponse).Increment();
        if (provisionalReceived && tx.IsInvite && !branch.CancelSent)
        {
            SendCancel(branch, null);
        }

        if (tx.Completed)
        {
            return;
        }

        tx.Completed = true;
        tx.LastStatus = 408;
        if ((tx.CallbackMask & TmCallbackType.LocalCompleted) != 0)
        {
            Run(tx, TmCallbackType.LocalCompleted, tx.Parse(), null, 408, branch.Index, null);
        }

        tx.Local!.Completion.TrySetResult(new UacReply(408, "Request Timeout", null, null, [], null));
    }

    /// <summary>Runs <c>local_route</c> on a locally generated request; what it changes goes out. <c>$avp(uac_ctx)</c> holds the caller's context.</summary>
    private byte[] RunLocalRoute(byte[] bytes, string? uacContext)
    {
        if (_registry?.Script?.LocalRoute is not { } route)
        {
            return bytes;
        }

        var context = RentContext();
        try
        {
            var message = ParseCopy(bytes);
            var editor = new SipMessageEditor();
            editor.Reset(message);
            context.Begin(message, editor, default, RouteType.Local);
            if (uacContext is not null)
            {
                context.Avps.Set(_registry.AvpSlot(UacContextAvp), ScriptValue.FromString(uacContext));
            }

            route.Run(context, RouteType.Local);
            context.ApplyRequestUri(editor);
            return editor.ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            LogRouteFailed(_logger, "local_route", e);
            return bytes;
        }
        finally
        {
            _contexts.Add(context);
        }
    }

    /// <summary>The host given to <see cref="Attach"/>, or null before.</summary>
    public ProxyHost? AttachedHost => _host;

    /// <summary>The AVP local_route finds t_new_request's context in.</summary>
    public const string UacContextAvp = "uac_ctx";

    private async Task SendAckFor2xxAsync(LocalUac local, SipListener listener, string next, byte[] bytes)
    {
        try
        {
            if (!NextHop.TryParse(next, out var hop))
            {
                return;
            }

            var resolver = Host.Resolver;
            var transport = resolver.SelectTransport(hop.Transport, hop.Sips, bytes.Length);
            var targets = await resolver.ResolveAsync(hop.Host, hop.Port, transport, hop.Sips, bytes.Length, CancellationToken.None).ConfigureAwait(false);
            if (!targets.Succeeded || targets.Count == 0)
            {
                return;
            }

            var from = listener.Transport == targets.Transport && listener.Address.AddressFamily == targets[0].AddressFamily
                ? listener
                : Host.FindListener(targets.Transport, targets[0].AddressFamily);
            if (from is null)
            {
                return;
            }

            local.Ack = (bytes, from, targets.Transport, targets[0]);
            Send(from, targets.Transport, targets[0], bytes);
        }
        catch (SocketException e)
        {
            LogRouteFailed(_logger, "ACK of a local 2xx", e);
        }
    }

    private void InvokeProvisional(Action<UacReply> provisional, UacReply reply)
    {
        try
        {
            provisional(reply);
        }
#pragma warning disable CA1031 // the caller's handler must not break the transaction
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogRouteFailed(_logger, "provisional reply handler", e);
        }
    }

    private void Send(SipListener listener, SipTransport transport, SipEndPoint destination, byte[] bytes)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        Host.Sender.Send(listener, transport, destination, buffer, bytes.Length, 0);
    }

    internal static UacReply ToUacReply(SipMessage reply)
    {
        string? toTag = reply.TryGetTo(out var to) && to.HasTag ? reply.GetString(to.Tag) : null;
        string? contact = null;
        foreach (var c in reply.Contacts)
        {
            contact = reply.GetString(c.Uri);
            break;
        }

        var routes = new List<string>();
        foreach (var rr in reply.RecordRoutes)
        {
            routes.Add(reply.GetString(rr.Value));
        }

        return new UacReply(reply.StatusCode, reply.GetString(reply.ReasonPhrase), toTag, contact, routes, reply.Span.ToArray());
    }

    /// <summary>A listener named "udp:127.0.0.1:5060" (proto optional; port 5060 when absent), or null.</summary>
    internal static SipListener? FindSocket(ProxyHost host, string text)
    {
        if (!NextHop.TryParse(text, out var hop))
        {
            return null;
        }

        var port = hop.Port ?? 5060;
        var address = hop.Host.Trim('[', ']');
        foreach (var l in host.Listeners)
        {
            if ((hop.Transport == SipTransport.Unknown || l.Transport == hop.Transport) && l.LocalEndPoint.Port == port
                && string.Equals(l.Address.Address.ToString(), address, StringComparison.OrdinalIgnoreCase))
            {
                return l;
            }
        }

        return null;
    }

    // ------------------------------------------------------------------ lookups, replies, cancels (the API and MI)

    /// <summary>t_lookup_callid: the INVITE transaction (proxied or local) with this Call-ID and CSeq number, or null.</summary>
    public TmTransaction? FindInvite(string callId, uint cseq)
    {
        ArgumentNullException.ThrowIfNull(callId);
        var id = Encoding.UTF8.GetBytes(callId);
        return Table.Find(TmHash.Bucket(id, cseq), (id, cseq), static (t, key) =>
            t.IsInvite && !t.Released && t.Identity.CSeqNumber == key.cseq && t.Identity.CallId.AsSpan().SequenceEqual(key.id));
    }

    /// <summary>t_lookup_ident: the transaction <paramref name="hashEntry"/>:<paramref name="label"/>, or null.</summary>
    public TmTransaction? Find(int hashEntry, uint label) =>
        (uint)hashEntry < TmHash.TableSize && Table.FindByLabel(hashEntry, label) is { Released: false } tx ? tx : null;

    /// <summary>t_reply_with_body on a server transaction (OpenSIPS tm API / MI t_reply); false when it cannot be sent.</summary>
    public bool ReplyOn(TmTransaction tx, int code, string reason, string? toTag, string? headers, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(reason);
        if (tx.IsLocal || code is < 100 or > 699 || reason.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return false;
        }

        byte[]? extra = null;
        if (!string.IsNullOrEmpty(headers))
        {
            extra = Encoding.UTF8.GetBytes(headers.EndsWith("\r\n", StringComparison.Ordinal) ? headers : headers + "\r\n");
        }

        lock (tx.Gate)
        {
            if (tx.Released || (tx.Completed && code >= 200))
            {
                return false;
            }

            if (!string.IsNullOrEmpty(toTag) && code > 100)
            {
                tx.LocalTag = Encoding.ASCII.GetBytes(toTag);
            }

            SendLocalReply(tx, code, reason, extra, body);
        }

        return true;
    }

    /// <summary>Cancels the pending branches of an INVITE transaction as a caller's CANCEL would (cancel_uacs).</summary>
    public bool CancelTransaction(TmTransaction tx, byte[]? reason)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (!tx.IsInvite)
        {
            return false;
        }

        lock (tx.Gate)
        {
            if (tx.Released || tx.Completed)
            {
                return false;
            }

            tx.Cancelled = true;
            OnCancelled(tx, null);
            CancelPendingBranches(tx, reason ?? (tx.IsLocal ? null : DefaultCancelReason), except: -1);
        }

        return true;
    }

    /// <summary><c>t_reply_with_body(code, reason, body)</c>: as t_reply, with a body (its Content-Type comes from append_to_reply).</summary>
    public int ReplyWithBody(ScriptContext context, int code, string reason, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(context);
        var st = context.GetState(StateSlot);
        if (st.Transaction is null && context.RouteType != RouteType.Failure)
        {
            if (context.Message is not { IsRequest: true } || context.Msg.Is(SipMethod.Ack) || NewTransaction(context) != 1)
            {
                return -1;
            }
        }

        if (st.Transaction is not { } tx)
        {
            return -1;
        }

        var headers = context.ReplyHeaders.Length > 0 ? context.ReplyHeaders.ToString() : null;
        if (!ReplyOn(tx, code, reason, null, headers, body))
        {
            return -1;
        }

        context.Replied = true;
        return 1;
    }

    private static byte[] WithBody(byte[] reply, byte[]? body) => UacMessages.WithBody(reply, body);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "tm: {What}")]
    private static partial void LogUac(ILogger logger, string what);

    /// <summary>Logs a UAC problem that has no caller to tell (e.g. t_new_request's reply never awaited).</summary>
    public void LogUacProblem(string what) => LogUac(_logger, what);
}
