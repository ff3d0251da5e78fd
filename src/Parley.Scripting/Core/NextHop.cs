using System.Globalization;
using System.Text;
using Parley.Protocol;
using Parley.Protocol.Uri;

namespace Parley.Scripting.Core;

/// <summary>
/// Where to send a request: a host, an optional port, a transport and whether it is a <c>sips:</c> target. Parsed from
/// a SIP URI (<c>$du</c>, the Request-URI, <c>forward("sip:…")</c>) or from OpenSIPS's <c>[proto:]host[:port]</c>.
/// </summary>
public readonly record struct NextHop(string Host, int? Port, SipTransport Transport, bool Sips)
{
    private static readonly System.Buffers.SearchValues<byte> NotInHost = System.Buffers.SearchValues.Create(" ;,<>\"/"u8);

    /// <summary>Parses a next hop; false when the text is neither a SIP URI nor <c>[proto:]host[:port]</c>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out NextHop hop)
    {
        hop = default;
        text = text.Trim((byte)' ');
        if (text.IsEmpty)
        {
            return false;
        }

        if (text.StartsWith("sip:"u8) || text.StartsWith("sips:"u8) || text.StartsWith("SIP:"u8) || text.StartsWith("SIPS:"u8))
        {
            if (!SipUri.TryParse(text, out var uri, out _))
            {
                return false;
            }

            // RFC 3261 §19.1.1: maddr overrides the host when present.
            var hostRange = uri.MaddrParam.Length > 0 ? uri.MaddrParam : uri.Host;
            var transport = uri.TransportParam.Length > 0 ? ParseTransport(text.Slice(uri.TransportParam.Start, uri.TransportParam.Length)) : SipTransport.Unknown;
            hop = new NextHop(Encoding.ASCII.GetString(text.Slice(hostRange.Start, hostRange.Length)), uri.Port > 0 ? uri.Port : null, transport, uri.Scheme == UriScheme.Sips);
            return hop.Host.Length > 0;
        }

        var proto = SipTransport.Unknown;
        var colon = text.IndexOf((byte)':');
        if (colon > 0 && ParseTransport(text[..colon]) is var t && t != SipTransport.Unknown)
        {
            proto = t;
            text = text[(colon + 1)..];
        }

        int? port = null;
        ReadOnlySpan<byte> host;
        if (text.Length > 0 && text[0] == '[')
        {
            var close = text.IndexOf((byte)']');
            if (close < 0)
            {
                return false;
            }

            host = text[..(close + 1)];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':' || !TryPort(rest[1..], out var p))
                {
                    return false;
                }

                port = p;
            }
        }
        else
        {
            var last = text.LastIndexOf((byte)':');
            if (last >= 0 && text.IndexOf((byte)':') == last)
            {
                if (!TryPort(text[(last + 1)..], out var p))
                {
                    return false;
                }

                port = p;
                host = text[..last];
            }
            else
            {
                host = text;
            }
        }

        if (host.IsEmpty || host.IndexOfAny(NotInHost) >= 0)
        {
            return false;
        }

        hop = new NextHop(Encoding.ASCII.GetString(host), port, proto, false);
        return true;
    }

    public static bool TryParse(string text, out NextHop hop)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(Encoding.UTF8.GetBytes(text), out hop);
    }

    internal static SipTransport ParseTransport(ReadOnlySpan<byte> name) =>
        System.Text.Ascii.EqualsIgnoreCase(name, "udp"u8) ? SipTransport.Udp
        : System.Text.Ascii.EqualsIgnoreCase(name, "tcp"u8) ? SipTransport.Tcp
        : System.Text.Ascii.EqualsIgnoreCase(name, "tls"u8) ? SipTransport.Tls
        : System.Text.Ascii.EqualsIgnoreCase(name, "sctp"u8) ? SipTransport.Sctp
        : System.Text.Ascii.EqualsIgnoreCase(name, "ws"u8) ? SipTransport.Ws
        : System.Text.Ascii.EqualsIgnoreCase(name, "wss"u8) ? SipTransport.Wss
        : SipTransport.Unknown;

    private static bool TryPort(ReadOnlySpan<byte> text, out int port) =>
        int.TryParse(Encoding.ASCII.GetString(text), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
