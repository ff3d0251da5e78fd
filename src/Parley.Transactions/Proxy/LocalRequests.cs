using System.Buffers;
using Parley.Protocol;

namespace Parley.Transactions.Proxy;

/// <summary>
/// The requests tm makes for a branch from the request it sent on it: the CANCEL (RFC 3261 §9.1: same Request-URI,
/// Call-ID, From, To, CSeq number and Route set, only the proxy's own Via, method CANCEL) and the hop-by-hop ACK for a
/// non-2xx final response (§17.1.1.3: the same, but the To of the response and method ACK). The transaction's
/// <c>t_add_hdrs</c> lines, when given, end the header section of both.
/// </summary>
public static class LocalRequests
{
    /// <summary>Builds a CANCEL for the request in <paramref name="sent"/>; null when it cannot be parsed.</summary>
    /// <param name="extraHeaders">Whole header lines, each ending in CRLF, to add (tm's <c>t_add_hdrs</c>); empty for none.</param>
    public static byte[]? Cancel(ReadOnlySpan<byte> sent, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders = default) =>
        Build(sent, "CANCEL"u8, default, reason, extraHeaders);

    /// <summary>Builds the ACK for <paramref name="response"/>'s To; null when the request cannot be parsed.</summary>
    /// <param name="extraHeaders">Whole header lines, each ending in CRLF, to add (tm's <c>t_add_hdrs</c>); empty for none.</param>
    public static byte[]? Ack(ReadOnlySpan<byte> sent, SipMessage response, ReadOnlySpan<byte> extraHeaders = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.TryGetTo(out var to) ? Build(sent, "ACK"u8, response[to.Value], default, extraHeaders) : null;
    }

    private static byte[]? Build(ReadOnlySpan<byte> sent, ReadOnlySpan<byte> method, ReadOnlySpan<byte> toOverride, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders)
    {
        var bytes = sent.ToArray();
        var request = new SipMessage();
        if (SipParser.Parse(bytes, 0, bytes.Length, request, datagram: true).Status != ParseStatus.Complete
            || !request.TryGetTopVia(out var via) || !request.TryGetFrom(out var from) || !request.TryGetTo(out var to)
            || !request.TryGetCSeq(out var cseq))
        {
            return null;
        }

        var w = new ArrayBufferWriter<byte>(512);
        Append(w, method);
        Append(w, " "u8);
        Append(w, request[request.RequestUri]);
        Append(w, " SIP/2.0\r\nVia: "u8);
        Append(w, request[via.Value]);
        Append(w, "\r\nFrom: "u8);
        Append(w, request[from.Value]);
        Append(w, "\r\nTo: "u8);
        Append(w, toOverride.IsEmpty ? request[to.Value] : toOverride);
        Append(w, "\r\nCall-ID: "u8);
        Append(w, request[request.CallId]);
        Append(w, "\r\nCSeq: "u8);
        Span<byte> digits = stackalloc byte[10];
        System.Buffers.Text.Utf8Formatter.TryFormat(cseq.Number, digits, out var n);
        Append(w, digits[..n]);
        Append(w, " "u8);
        Append(w, method);
        Append(w, "\r\n"u8);
        foreach (var header in request.Headers)
        {
            if (header.Kind == HeaderKind.Route)
            {
                Append(w, "Route: "u8);
                Append(w, request[header.Value]);
                Append(w, "\r\n"u8);
            }
        }

        Append(w, "Max-Forwards: 70\r\n"u8);
        if (!reason.IsEmpty)
        {
            Append(w, "Reason: "u8);
            Append(w, reason);
            Append(w, "\r\n"u8);
        }

        Append(w, extraHeaders);
        Append(w, "Content-Length: 0\r\n\r\n"u8);
        return w.WrittenSpan.ToArray();
    }

    private static void Append(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> s) => w.Write(s);
}
