using System.Buffers;
using System.Globalization;
using System.Text;
using Parley.Protocol;
using Parley.Transactions.Api;
using Parley.Transport;

namespace Parley.Transactions.Proxy;

/// <summary>
/// The requests tm's UAC writes (OpenSIPS's <c>build_uac_req</c>): a new request from a <see cref="UacRequest"/>
/// (RFC 3261 §8.1.1: Request-URI, To, From with a tag, Call-ID, CSeq, Max-Forwards, Via with a branch), and the ACK
/// of a 2xx to a local INVITE (§13.2.2.4: a new transaction to the remote target, through the route set).
/// </summary>
internal static class UacMessages
{
    /// <summary>Writes the request; <paramref name="from"/> already carries its tag.</summary>
    public static byte[] Build(UacRequest request, string callId, string from, uint cseq, SipListener listener, ReadOnlySpan<byte> branch, string userAgent)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(listener);
        var headers = request.Headers ?? string.Empty;
        var text = new StringBuilder(512);
        text.Append(request.Method).Append(' ').Append(request.RequestUri).Append(" SIP/2.0\r\n");
        AppendVia(text, listener, branch);
        if (!HasHeader(headers, "Max-Forwards"))
        {
            text.Append("Max-Forwards: 70\r\n");
        }

        text.Append("From: ").Append(from).Append("\r\n");
        text.Append("To: ").Append(request.To).Append("\r\n");
        text.Append("Call-ID: ").Append(callId).Append("\r\n");
        text.Append("CSeq: ").Append(cseq.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(request.Method).Append("\r\n");
        foreach (var route in request.RouteSet)
        {
            text.Append("Route: ").Append(route).Append("\r\n");
        }

        if (userAgent.Length > 0 && !HasHeader(headers, "User-Agent"))
        {
            text.Append("User-Agent: ").Append(userAgent).Append("\r\n");
        }

        text.Append(headers);
        if (headers.Length > 0 && !headers.EndsWith("\r\n", StringComparison.Ordinal))
        {
            text.Append("\r\n");
        }

        var body = request.Body ?? [];
        text.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        var head = Encoding.UTF8.GetBytes(text.ToString());
        var bytes = new byte[head.Length + body.Length];
        head.CopyTo(bytes, 0);
        body.CopyTo(bytes, head.Length);
        return bytes;
    }

    /// <summary>
    /// The ACK for a 2xx to the INVITE in <paramref name="invite"/>: to the reply's Contact, through its Record-Route
    /// reversed, with a new branch; also returns the URI to send it to (first Route, else the remote target).
    /// </summary>
    public static (byte[] Bytes, string NextHop) AckFor2xx(SipMessage invite, SipMessage reply, SipListener listener)
    {
        ArgumentNullException.ThrowIfNull(invite);
        ArgumentNullException.ThrowIfNull(reply);
        var target = invite.GetString(invite.RequestUri);
        foreach (var contact in reply.Contacts)
        {
            target = reply.GetString(contact.Uri);
            break;
        }

        var routes = new List<string>();
        foreach (var rr in reply.RecordRoutes)
        {
            routes.Add(reply.GetString(rr.Value));
        }

        routes.Reverse();
        Span<byte> random = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        var branch = Encoding.ASCII.GetBytes("z9hG4bK" + Convert.ToHexStringLower(random));
        var text = new StringBuilder(512);
        text.Append("ACK ").Append(target).Append(" SIP/2.0\r\n");
        AppendVia(text, listener, branch);
        text.Append("Max-Forwards: 70\r\n");
        text.Append("From: ").Append(invite.GetString(invite.From.Value)).Append("\r\n");
        text.Append("To: ").Append(reply.GetString(reply.To.Value)).Append("\r\n");
        text.Append("Call-ID: ").Append(invite.GetString(invite.CallId)).Append("\r\n");
        text.Append("CSeq: ").Append(invite.CSeq.Number.ToString(CultureInfo.InvariantCulture)).Append(" ACK\r\n");
        foreach (var route in routes)
        {
            text.Append("Route: ").Append(route).Append("\r\n");
        }

        text.Append("Content-Length: 0\r\n\r\n");
        var next = routes.Count > 0 ? RouteUri(routes[0]) : target;
        return (Encoding.UTF8.GetBytes(text.ToString()), next);
    }

    /// <summary>The URI inside a Route value ("&lt;sip:p1;lr&gt;" → "sip:p1;lr").</summary>
    public static string RouteUri(string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var open = route.IndexOf('<', StringComparison.Ordinal);
        var close = route.IndexOf('>', StringComparison.Ordinal);
        return open >= 0 && close > open ? route[(open + 1)..close] : route.Trim();
    }

    /// <summary>
    /// The From value with a tag: kept when it has one, else <c>;tag=</c> + <paramref name="tag"/> added (a bare URI
    /// with parameters is put in angle brackets first, RFC 3261 §20.10).
    /// </summary>
    public static string EnsureFromTag(string from, string tag)
    {
        ArgumentNullException.ThrowIfNull(from);
        var close = from.IndexOf('>', StringComparison.Ordinal);
        var parameters = close >= 0 ? from[(close + 1)..] : from;
        if (parameters.Contains(";tag=", StringComparison.OrdinalIgnoreCase))
        {
            return from;
        }

        var value = close < 0 && from.Contains(';', StringComparison.Ordinal) ? "<" + from.Trim() + ">" : from.TrimEnd();
        return value + ";tag=" + tag;
    }

    /// <summary>t_new_request's "[display ]URI" as a header value: <c>display &lt;URI&gt;</c>, or <c>&lt;URI&gt;</c>.</summary>
    public static string NameAddr(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Contains('<', StringComparison.Ordinal))
        {
            return text;
        }

        var space = text.LastIndexOf(' ');
        return space < 0 ? "<" + text + ">" : text[..space].TrimEnd() + " <" + text[(space + 1)..] + ">";
    }

    /// <summary>Replaces the empty body a reply was written with by <paramref name="body"/> (Content-Length updated).</summary>
    public static byte[] WithBody(byte[] reply, byte[]? body)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var empty = "Content-Length: 0\r\n\r\n"u8;
        if (body is null || body.Length == 0 || !reply.AsSpan().EndsWith(empty))
        {
            return reply;
        }

        var w = new ArrayBufferWriter<byte>(reply.Length + body.Length + 8);
        w.Write(reply.AsSpan(0, reply.Length - empty.Length));
        w.Write(Encoding.ASCII.GetBytes("Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture) + "\r\n\r\n"));
        w.Write(body);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Whether a header block (lines ending in CRLF) has a header of that name (full form, case-insensitive).</summary>
    public static bool HasHeader(string headers, string name)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var line in headers.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A fresh Call-ID: random hex @ the sending address (RFC 3261 §8.1.1.4: globally unique).</summary>
    public static string NewCallId(SipListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Span<byte> random = stackalloc byte[12];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random) + "@" + listener.Address.Address;
    }

    /// <summary>A fresh From tag (RFC 3261 §19.3: at least 32 bits of randomness).</summary>
    public static string NewTag()
    {
        Span<byte> random = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random);
    }

    private static void AppendVia(StringBuilder text, SipListener listener, ReadOnlySpan<byte> branch)
    {
        var proto = listener.Transport switch
        {
            SipTransport.Tcp => "TCP",
            SipTransport.Tls => "TLS",
            SipTransport.Sctp => "SCTP",
            SipTransport.Ws => "WS",
            SipTransport.Wss => "WSS",
            _ => "UDP",
        };
        text.Append("Via: SIP/2.0/").Append(proto).Append(' ').Append(listener.LocalEndPoint.ToString())
            .Append(";branch=").Append(Encoding.ASCII.GetString(branch)).Append("\r\n");
    }
}
