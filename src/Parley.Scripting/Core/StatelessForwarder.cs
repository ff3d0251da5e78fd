using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Security.Cryptography;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Scripting.Core;

/// <summary>
/// OpenSIPS's stateless <c>forward()</c> (RFC 3261 §16.11): picks the next hop ($du, else the Request-URI, or the
/// given destination), the transport and the outbound socket, adds the proxy's Via with a branch derived from the
/// request (so a retransmission gets the same branch and the downstream sees one transaction), lets the forward hooks
/// (rr) add Record-Route, writes the Request-URI and the script's edits, and sends. The Via and Record-Route are
/// taken back afterwards, so the script's edits are what the next forward starts from.
/// </summary>
public static class StatelessForwarder
{
    private static readonly ulong Secret = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>Length of the branch this proxy puts in its Via: the magic cookie plus 16 hex digits.</summary>
    public const int BranchLength = 7 + 1 + 16;

    /// <summary>Forwards the request in <paramref name="context"/>; 1 on success, -1 (with LastErrorCode set) on failure.</summary>
    /// <param name="destination">An explicit next hop (<c>forward("udp:10.0.0.1:5060")</c>) or null for $du / R-URI.</param>
    public static int Forward(ScriptContext context, string? destination)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Msg;
        if (!request.IsRequest)
        {
            return Fail(context, 500, "forward() needs a request");
        }

        NextHop hop;
        bool parsed;
        if (destination is not null)
        {
            parsed = NextHop.TryParse(destination, out hop);
        }
        else if (context.DestinationUri is { } du)
        {
            parsed = NextHop.TryParse(du, out hop);
        }
        else
        {
            parsed = NextHop.TryParse(context.RequestUriText, out hop);
        }

        if (!parsed)
        {
            return Fail(context, 400, "Bad Request-URI or destination");
        }

        var host = context.Host;
        var editor = context.Edits;
        var size = editor.GetLength() + 200;
        var transport = host.Resolver.SelectTransport(hop.Transport, hop.Sips, size);
        var resolving = host.Resolver.ResolveAsync(hop.Host, hop.Port, transport, hop.Sips, size);
        if (resolving.IsCompletedSuccessfully)
        {
            var targets = resolving.Result;
            if (!targets.Succeeded || targets.Count == 0)
            {
                return Fail(context, 478, "Unresolvable destination");
            }

            return Send(context, targets.Transport, targets[0]);
        }

        // A host name: write the request now (its buffer is only valid during this call) and send once resolved.
        var listener = ChooseListener(context, transport, AddressFamily.InterNetwork);
        if (listener is null)
        {
            return Fail(context, 503, "No socket for the transport");
        }

        var (buffer, length) = Write(context, listener);
        _ = SendWhenResolved(host, resolving, listener, buffer, length);
        context.Forwarded = true;
        return 1;
    }

    /// <summary>
    /// OpenSIPS's <c>send(destination[, headers])</c>: the message as it arrived, with no Via added and none of the
    /// script's edits, plus <paramref name="headers"/> (each line ending in CRLF) at the end of its header section.
    /// Only numeric destinations (no DNS) are sent; 1 on success, -1 otherwise.
    /// </summary>
    public static int Send(ScriptContext context, string destination, string? headers)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(destination);
        var message = context.Msg;
        if (!NextHop.TryParse(destination, out var hop))
        {
            return Fail(context, 500, "Bad destination");
        }

        var host = context.Host;
        var transport = host.Resolver.SelectTransport(hop.Transport, hop.Sips, message.Length);
        var resolving = host.Resolver.ResolveAsync(hop.Host, hop.Port, transport, hop.Sips, message.Length);
        if (!resolving.IsCompletedSuccessfully)
        {
            _ = resolving.AsTask(); // observe it; send() does not wait for DNS
            return Fail(context, 500, "send() needs a numeric destination");
        }

        var targets = resolving.Result;
        if (!targets.Succeeded || targets.Count == 0)
        {
            return Fail(context, 478, "Unresolvable destination");
        }

        var listener = ChooseListener(context, targets.Transport, targets[0].AddressFamily);
        if (listener is null)
        {
            return Fail(context, 503, "No socket for the transport");
        }

        var editor = new SipMessageEditor();
        editor.Reset(message);
        if (!string.IsNullOrEmpty(headers))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(headers);
            editor.InsertLines(message.HeadersEnd, bytes);
        }

        var length = editor.GetLength();
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var written = editor.WriteTo(buffer);
        host.Sender.Send(listener, listener.Transport, targets[0], buffer, written, 0);
        return 1;
    }

    private static int Send(ScriptContext context, SipTransport transport, SipEndPoint target)
    {
        var listener = ChooseListener(context, transport, target.AddressFamily);
        if (listener is null)
        {
            return Fail(context, 503, "No socket for the transport");
        }

        var (buffer, length) = Write(context, listener);
        context.Host.Sender.Send(listener, listener.Transport, target, buffer, length, 0);
        context.Forwarded = true;
        return 1;
    }

    private static async Task SendWhenResolved(ProxyHost host, ValueTask<ResolvedTargets> resolving, SipListener listener, byte[] buffer, int length)
    {
        ResolvedTargets targets;
        try
        {
            targets = await resolving.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ScriptLog.ForwardFailed(host.CoreLogger, e.Message);
            return;
        }

        for (var i = 0; i < targets.Count; i++)
        {
            if (targets[i].AddressFamily == listener.Address.AddressFamily)
            {
                host.Sender.Send(listener, listener.Transport, targets[i], buffer, length, 0);
                return;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
        ScriptLog.ForwardFailed(host.CoreLogger, targets.Error ?? "the destination has no address the sending socket can reach");
    }

    /// <summary>The forced socket, else the one the request came in on when it fits, else the first that fits.</summary>
    public static SipListener? ChooseListener(ScriptContext context, SipTransport transport, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ForcedSocket is { } forced)
        {
            return forced;
        }

        if (context.Source.Listener is { } inbound && inbound.Transport == transport && inbound.Address.AddressFamily == family)
        {
            return inbound;
        }

        return context.Host.FindListener(transport, family);
    }

    /// <summary>Applies Via, hooks and Request-URI, writes into a pooled buffer, and takes the Via/hook edits back.</summary>
    private static (byte[] Buffer, int Length) Write(ScriptContext context, SipListener listener) => WriteRequest(context, listener, default);

    /// <summary>
    /// Writes the request in <paramref name="context"/> as it leaves through <paramref name="listener"/>: the proxy's Via
    /// (with <paramref name="branch"/>, or the stateless branch when empty), the forward hooks' headers (rr), the new
    /// Request-URI and the script's edits, into a pooled buffer the caller owns. The Via and hook edits are taken back.
    /// tm writes each branch through here.
    /// </summary>
    public static (byte[] Buffer, int Length) WriteRequest(ScriptContext context, SipListener listener, ReadOnlySpan<byte> branch)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(listener);
        var editor = context.Edits;
        var mark = editor.Mark();
        try
        {
            Span<byte> via = stackalloc byte[160];
            var viaLength = WriteVia(context.Msg, listener, via, branch);
            editor.PushVia(via[..viaLength]);
            foreach (var hook in context.Registry.ForwardHooks)
            {
                hook.BeforeForward(context, editor, listener);
            }

            context.ApplyRequestUri(editor);
            var length = editor.GetLength();
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            var written = editor.WriteTo(buffer);
            return (buffer, written);
        }
        finally
        {
            editor.RollBack(mark);
        }
    }

    /// <summary><c>SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK…</c> for the outbound socket (RFC 3261 §16.6 step 8).</summary>
    internal static int WriteVia(SipMessage request, SipListener listener, Span<byte> destination, ReadOnlySpan<byte> branch = default)
    {
        var n = 0;
        "SIP/2.0/"u8.CopyTo(destination);
        n += 8;
        var proto = listener.Transport switch
        {
            SipTransport.Tcp => "TCP"u8,
            SipTransport.Tls => "TLS"u8,
            SipTransport.Sctp => "SCTP"u8,
            SipTransport.Ws => "WS"u8,
            SipTransport.Wss => "WSS"u8,
            _ => "UDP"u8,
        };
        proto.CopyTo(destination[n..]);
        n += proto.Length;
        destination[n++] = (byte)' ';
        listener.LocalEndPoint.TryFormat(destination[n..], out var endpoint);
        n += endpoint;
        ";branch="u8.CopyTo(destination[n..]);
        n += 8;
        if (branch.IsEmpty)
        {
            n += WriteBranch(request, destination[n..]);
        }
        else
        {
            branch.CopyTo(destination[n..]);
            n += branch.Length;
        }

        return n;
    }

    /// <summary>
    /// RFC 3261 §16.11: a stateless proxy's branch must be the same for retransmissions of a request and differ between
    /// requests. Derived from the incoming top Via's branch when it has the magic cookie (RFC 3261 §8.1.1.7), else from
    /// the fields §16.11 names (To tag, From tag, Call-ID, CSeq number, Request-URI, top Via), with a per-process secret.
    /// CANCEL and the ACK of a non-2xx share the INVITE's incoming branch and so get the INVITE's outgoing one, as the
    /// next hop needs to match them to its transaction.
    /// </summary>
    internal static int WriteBranch(SipMessage request, Span<byte> destination)
    {
        var hash = 14695981039346656037UL ^ Secret;
        if (request.TryGetTopVia(out var via) && via.HasBranch && request[via.Branch].StartsWith("z9hG4bK"u8))
        {
            hash = Mix(hash, request[via.Branch]);
        }
        else
        {
            if (request.TryGetTo(out var to))
            {
                hash = Mix(hash, request[to.Tag]);
            }

            if (request.TryGetFrom(out var from))
            {
                hash = Mix(hash, request[from.Tag]);
            }

            hash = Mix(hash, request[request.CallId]);
            if (request.TryGetCSeq(out var cseq))
            {
                hash = Mix(hash, BitConverter.GetBytes(cseq.Number));
            }

            hash = Mix(hash, request[request.RequestUri]);
            if (request.TryGetTopVia(out var top))
            {
                hash = Mix(hash, request[top.Value]);
            }
        }

        "z9hG4bKP"u8.CopyTo(destination);
        Utf8Formatter.TryFormat(hash, destination[8..], out var written, new StandardFormat('x', 16));
        return 8 + written;
    }

    private static ulong Mix(ulong hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return (hash ^ 0xFF) * 1099511628211UL;
    }

    private static int Fail(ScriptContext context, int code, string reason)
    {
        context.LastErrorCode = code;
        context.LastErrorReason = reason;
        ScriptLog.ForwardFailed(context.Host.CoreLogger, reason);
        return -1;
    }
}
