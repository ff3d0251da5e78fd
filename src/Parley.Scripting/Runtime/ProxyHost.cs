using System.Net;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Transport;

namespace Parley.Scripting.Runtime;

/// <summary>
/// Sends bytes on behalf of the script (stateless forwarding, sl replies, reply forwarding). Implemented over the
/// transport layer by the server and by fakes in tests. Never blocks: the send may complete later.
/// </summary>
public interface ISipSender
{
    /// <summary>
    /// Sends <paramref name="length"/> bytes of <paramref name="pooledBuffer"/> (rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>),
    /// taking ownership of the buffer: the sender returns it to the pool when done.
    /// </summary>
    /// <param name="from">The listener to send from (its socket for UDP); null lets the transport choose one of <paramref name="transport"/>.</param>
    /// <param name="connectionId">For TCP, a connection to reuse (the one a request arrived on), or 0.</param>
    void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId);

    /// <summary>
    /// Sends as <see cref="Send"/> does and reports the outcome (a refused TCP connection, no socket for the address
    /// family…), for RFC 3263 §4.3 failover to the next address. Completes synchronously when the transport knows at
    /// once (UDP); a sender that cannot tell reports <see cref="SendResult.Sent"/>.
    /// </summary>
    ValueTask<SendResult> SendReportingAsync(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        Send(from, transport, destination, pooledBuffer, length, connectionId);
        return ValueTask.FromResult(SendResult.Sent);
    }
}

/// <summary>
/// What the script sees of the running proxy: its sockets and aliases (for <c>myself</c>), the sender, next-hop
/// resolution, logging and the identity strings. One per configuration; shared by every worker.
/// </summary>
public sealed class ProxyHost
{
    public ProxyHost(IReadOnlyList<SipListener> listeners, ISipSender sender, ILoggerFactory loggerFactory, IHostResolver? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Listeners = listeners;
        Sender = sender;
        ScriptLogger = loggerFactory.CreateLogger("Parley.Script");
        CoreLogger = loggerFactory.CreateLogger("Parley.Core");
        var hasListener = new Func<SipTransport, bool>(t =>
        {
            foreach (var l in Listeners)
            {
                if (l.Transport == t)
                {
                    return true;
                }
            }

            return false;
        });
        Resolver = new TargetResolver(resolver ?? DnsHostResolver.Instance, hasListener);
    }

    /// <summary>The sockets Parley listens on, in configuration order.</summary>
    public IReadOnlyList<SipListener> Listeners { get; }

    /// <summary><c>alias=</c> entries: host names (with an optional port) that are also "myself".</summary>
    public IReadOnlyList<HostAlias> Aliases { get; init; } = [];

    public ISipSender Sender { get; }

    public TargetResolver Resolver { get; }

    /// <summary>Logger for <c>xlog</c> and <c>log</c>.</summary>
    public ILogger ScriptLogger { get; }

    /// <summary>Logger for the core's and modules' own messages.</summary>
    public ILogger CoreLogger { get; }

    /// <summary><c>server_header</c> value (without "Server: "), empty for none.</summary>
    public string ServerHeader { get; init; } = "Parley";

    /// <summary><c>user_agent_header</c> value (without "User-Agent: "), empty for none.</summary>
    public string UserAgentHeader { get; init; } = "Parley";

    /// <summary>The core parameter <c>disable_dns_failover</c>: tm then uses only the first address of a destination.</summary>
    public bool DisableDnsFailover { get; init; }

    /// <summary>The first listener of a transport and address family, or null.</summary>
    public SipListener? FindListener(SipTransport transport, System.Net.Sockets.AddressFamily family)
    {
        foreach (var l in Listeners)
        {
            if (l.Transport == transport && l.Address.AddressFamily == family)
            {
                return l;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether host[:port] names this proxy (OpenSIPS's <c>myself</c>): a listening address (port compared when given,
    /// else the default 5060 must be a listening port) or an alias. Host comparison is case-insensitive.
    /// </summary>
    /// <param name="port">0 when the URI has no port.</param>
    public bool IsMyself(ReadOnlySpan<byte> host, int port)
    {
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        Span<char> chars = stackalloc char[Math.Min(host.Length, 256)];
        if (host.Length > chars.Length || !System.Text.Ascii.IsValid(host))
        {
            return false;
        }

        System.Text.Ascii.ToUtf16(host, chars, out var n);
        chars = chars[..n];
        var effectivePort = port == 0 ? TargetResolver.DefaultSipPort : port;

        // Checked on every "uri == myself": an IPv4 host is parsed without allocating; IPv6 is rare enough to use IPAddress.
        Span<byte> address = stackalloc byte[16];
        var addressLength = 0;
        if (TryParseIPv4(chars, address))
        {
            addressLength = 4;
        }
        else if (chars.Contains(':') && IPAddress.TryParse(chars, out var v6))
        {
            v6.TryWriteBytes(address, out addressLength);
        }

        if (addressLength > 0)
        {
            Span<byte> listening = stackalloc byte[16];
            foreach (var l in Listeners)
            {
                var bound = l.Address.Address;
                bound.TryWriteBytes(listening, out var listeningLength);
                var matches = (listeningLength == addressLength && listening[..listeningLength].SequenceEqual(address[..addressLength]))
                    || (addressLength == 4 && IPAddress.Any.Equals(bound))
                    || (addressLength == 16 && IPAddress.IPv6Any.Equals(bound));
                if (matches && (l.LocalEndPoint.Port == effectivePort || (port == 0 && l.Transport is SipTransport.Tls && l.LocalEndPoint.Port == TargetResolver.DefaultSipsPort)))
                {
                    return true;
                }
            }
        }

        foreach (var alias in Aliases)
        {
            if (chars.Equals(alias.Host, StringComparison.OrdinalIgnoreCase) && (alias.Port == 0 || alias.Port == effectivePort))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A dotted-quad IPv4 address (four decimal parts 0-255) into 4 bytes.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var part = 0;
        var value = -1;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (value < 0 || part == 3)
                {
                    return false;
                }

                destination[part++] = (byte)value;
                value = -1;
            }
            else if (char.IsAsciiDigit(c))
            {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (part != 3 || value < 0)
        {
            return false;
        }

        destination[3] = (byte)value;
        return true;
    }

    /// <summary>
    /// Whether a bare host (an address or name, optionally with <c>:port</c>) is this proxy, on any port when none is
    /// given: <c>$rd == myself</c>, <c>$si == myself</c>.
    /// </summary>
    public bool IsMyselfHost(ReadOnlySpan<byte> host)
    {
        var port = 0;
        var colon = host.LastIndexOf((byte)':');
        if (colon > 0 && host.IndexOf((byte)':') == colon)
        {
            if (System.Buffers.Text.Utf8Parser.TryParse(host[(colon + 1)..], out int p, out var consumed) && consumed == host.Length - colon - 1)
            {
                port = p;
            }

            host = host[..colon];
        }

        if (port != 0)
        {
            return IsMyself(host, port);
        }

        foreach (var l in Listeners)
        {
            if (IsMyself(host, l.LocalEndPoint.Port))
            {
                return true;
            }
        }

        foreach (var alias in Aliases)
        {
            if (IsMyself(host, alias.Port == 0 ? TargetResolver.DefaultSipPort : alias.Port))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An <c>alias=</c> entry: <c>host</c> or <c>host:port</c> (port 0: any port).</summary>
public sealed record HostAlias(string Host, int Port)
{
    /// <summary>Parses <c>[proto:]host[:port]</c> as OpenSIPS accepts in <c>alias=</c>.</summary>
    public static HostAlias? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        foreach (var proto in (ReadOnlySpan<string>)["udp:", "tcp:", "tls:", "sctp:", "ws:", "wss:"])
        {
            if (s.StartsWith(proto, StringComparison.OrdinalIgnoreCase))
            {
                s = s[proto.Length..];
                break;
            }
        }

        var port = 0;
        var colon = s.LastIndexOf(':');
        if (colon > 0 && s.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            if (!int.TryParse(s.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                return null;
            }

            s = s[..colon];
        }

        if (s.Length > 2 && s[0] == '[' && s[^1] == ']')
        {
            s = s[1..^1];
        }

        return s.Length == 0 ? null : new HostAlias(s, port);
    }
}

/// <summary>Where the message being handled came from.</summary>
public readonly record struct MessageSource(SipEndPoint Remote, SipTransport Transport, SipListener? Listener, long ConnectionId)
{
    public static MessageSource From(in InboundPacket packet) => new(packet.RemoteEndPoint, packet.Transport, packet.Listener, packet.ConnectionId);
}
