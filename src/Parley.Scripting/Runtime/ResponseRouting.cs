using System.Net;
using Parley.Protocol;
using Parley.Protocol.Headers;
using Parley.Transport;

namespace Parley.Scripting.Runtime;

/// <summary>Where a response goes (RFC 3261 §18.2.2 with RFC 3581 §4), for local replies and for relayed ones.</summary>
public static class ResponseRouting
{
    /// <summary>
    /// The destination of a response the proxy generates for a request it received from <paramref name="source"/>.
    /// Reliable transports answer on the same connection. Over UDP the response goes to the address the request came
    /// from (the <c>received</c> address), to the source port when the Via asked for <c>rport</c>, else to the Via's
    /// sent-by port (default 5060).
    /// </summary>
    public static SipEndPoint ForLocalReply(SipMessage request, in MessageSource source)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (source.Transport != SipTransport.Udp || source.Remote.IsEmpty)
        {
            return source.Remote;
        }

        if (request.TryGetTopVia(out var via) && !via.HasRport)
        {
            var port = via.Port > 0 ? via.Port : TargetResolver.DefaultSipPort;
            return new SipEndPoint(source.Remote.GetAddress(), port);
        }

        return source.Remote;
    }

    /// <summary>
    /// The destination of a relayed response once the proxy's own Via is gone: the (new) top Via's <c>received</c>
    /// address or else its sent-by host, and its <c>rport</c> value or else its sent-by port (RFC 3261 §18.2.2,
    /// RFC 3581 §4). Returns false when the Via gives no usable address; <paramref name="hostName"/> is set instead when
    /// the sent-by is a name that must be resolved.
    /// </summary>
    /// <param name="viaIndex">0 for the top Via, 1 for the one below it (when the top one is ours and is being removed).</param>
    public static bool TryForRelayedReply(SipMessage response, int viaIndex, out SipTransport transport, out SipEndPoint destination, out string? hostName, out int port)
    {
        ArgumentNullException.ThrowIfNull(response);
        transport = SipTransport.Udp;
        destination = default;
        hostName = null;
        port = 0;
        var vias = response.Vias;
        var i = 0;
        ViaValue via = default;
        var found = false;
        while (vias.MoveNext())
        {
            if (i++ == viaIndex)
            {
                via = vias.Current;
                found = true;
                break;
            }
        }

        if (!found)
        {
            return false;
        }

        transport = via.Transport;
        port = via.HasRport && via.Rport > 0 ? via.Rport : via.Port > 0 ? via.Port : TargetResolver.DefaultPort(via.Transport);
        var host = via.HasReceived && via.Received.Length > 0 ? response[via.Received] : response[via.Host];
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        Span<char> chars = stackalloc char[Math.Min(host.Length, 255)];
        if (host.Length > chars.Length || !System.Text.Ascii.IsValid(host))
        {
            return false;
        }

        System.Text.Ascii.ToUtf16(host, chars, out var n);
        if (IPAddress.TryParse(chars[..n], out var address))
        {
            destination = new SipEndPoint(address, port);
            return true;
        }

        hostName = new string(chars[..n]);
        return true;
    }
}
