using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Parley.Protocol;

namespace Parley.Transport;

/// <summary>
/// A socket to listen on, written <c>udp:IP[:PORT]</c> or <c>tcp:IP[:PORT]</c>, IPv6 in brackets
/// (<c>udp:[::1]:5060</c>). The port defaults to 5060 (RFC 3261 §19.1.2); port 0 asks the OS for a free one.
/// Exactly the given address is bound: an IPv6 listener never accepts IPv4 traffic.
/// </summary>
public sealed class ListenAddress : IEquatable<ListenAddress>
{
    public const int DefaultPort = 5060;

    private const string Expected = "expected udp:IP[:PORT] or tcp:IP[:PORT], e.g. udp:0.0.0.0:5060 or tcp:[::1]:5060";

    public ListenAddress(SipTransport transport, IPAddress address, int port = DefaultPort)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (transport is not (SipTransport.Udp or SipTransport.Tcp))
        {
            throw new ArgumentException($"Only udp and tcp listeners are supported, not {transport}.", nameof(transport));
        }

        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("A listen address is IPv4 or IPv6.", nameof(address));
        }

        if ((uint)port > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is between 0 and 65535.");
        }

        Transport = transport;
        Address = address;
        Port = port;
        EndPoint = new SipEndPoint(address, port);
    }

    public SipTransport Transport { get; }

    public IPAddress Address { get; }

    /// <summary>Configured port; 0 means "any free port", see <see cref="SipListener.LocalEndPoint"/> for the bound one.</summary>
    public int Port { get; }

    public SipEndPoint EndPoint { get; }

    public AddressFamily AddressFamily => Address.AddressFamily;

    public static bool operator ==(ListenAddress? left, ListenAddress? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(ListenAddress? left, ListenAddress? right) => !(left == right);

    /// <summary>Parses a listen address; on failure <paramref name="error"/> says what is wrong, for the operator.</summary>
    public static bool TryParse(
        string? text,
        [NotNullWhen(true)] out ListenAddress? address,
        [NotNullWhen(false)] out string? error)
    {
        address = null;
        var input = text.AsSpan().Trim();
        if (input.IsEmpty)
        {
            error = $"empty listen address; {Expected}";
            return false;
        }

        int colon = input.IndexOf(':');
        if (colon < 0)
        {
            error = $"'{text}' has no transport prefix; {Expected}";
            return false;
        }

        var scheme = input[..colon];
        SipTransport transport;
        if (scheme.Equals("udp", StringComparison.OrdinalIgnoreCase))
        {
            transport = SipTransport.Udp;
        }
        else if (scheme.Equals("tcp", StringComparison.OrdinalIgnoreCase))
        {
            transport = SipTransport.Tcp;
        }
        else
        {
            error = IsKnownTransport(scheme)
                ? $"'{text}': transport '{scheme}' is not supported yet; only udp and tcp can be listened on"
                : $"'{text}': unknown transport '{scheme}'; {Expected}";
            return false;
        }

        var rest = input[(colon + 1)..];
        if (rest.IsEmpty)
        {
            error = $"'{text}' has no IP address; {Expected}";
            return false;
        }

        ReadOnlySpan<char> host;
        ReadOnlySpan<char> portText = default;
        bool hasPort;
        IPAddress? ip;
        if (rest[0] == '[')
        {
            int close = rest.IndexOf(']');
            if (close < 0)
            {
                error = $"'{text}': '[' without a closing ']'";
                return false;
            }

            host = rest[1..close];
            var after = rest[(close + 1)..];
            hasPort = !after.IsEmpty;
            if (hasPort)
            {
                if (after[0] != ':')
                {
                    error = $"'{text}': expected ':PORT' after ']', found '{after}'";
                    return false;
                }

                portText = after[1..];
            }

            if (!IPAddress.TryParse(host, out ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{text}': '{host}' in brackets is not an IPv6 address";
                return false;
            }
        }
        else
        {
            int portColon = rest.IndexOf(':');
            if (portColon >= 0 && rest[(portColon + 1)..].Contains(':'))
            {
                error = $"'{text}': an IPv6 address must be in brackets, e.g. {scheme}:[{rest}]:{DefaultPort}";
                return false;
            }

            hasPort = portColon >= 0;
            host = hasPort ? rest[..portColon] : rest;
            portText = hasPort ? rest[(portColon + 1)..] : default;
            if (!TryParseDottedQuad(host, out ip))
            {
                error = $"'{text}': '{host}' is not an IPv4 address (host names are not allowed: a listener binds a numeric address)";
                return false;
            }
        }

        int port = DefaultPort;
        if (hasPort && !TryParsePort(portText, out port))
        {
            error = $"'{text}': port '{portText}' is not a number from 0 to 65535";
            return false;
        }

        address = new ListenAddress(transport, ip, port);
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with the same message <see cref="TryParse"/> gives.</summary>
    public static ListenAddress Parse(string text) =>
        TryParse(text, out var address, out string? error) ? address : throw new FormatException(error);

    public bool Equals(ListenAddress? other) =>
        other is not null && Transport == other.Transport && Port == other.Port && Address.Equals(other.Address);

    public override bool Equals(object? obj) => Equals(obj as ListenAddress);

    public override int GetHashCode() => HashCode.Combine(Transport, Address, Port);

    /// <summary>The canonical text form, parseable by <see cref="Parse"/>: <c>udp:[::1]:5060</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Transport == SipTransport.Udp ? "udp" : "tcp")}:{EndPoint}");

    private static bool IsKnownTransport(ReadOnlySpan<char> scheme) =>
        scheme.Equals("tls", StringComparison.OrdinalIgnoreCase)
        || scheme.Equals("sctp", StringComparison.OrdinalIgnoreCase)
        || scheme.Equals("ws", StringComparison.OrdinalIgnoreCase)
        || scheme.Equals("wss", StringComparison.OrdinalIgnoreCase);

    /// <summary>Strict a.b.c.d: <see cref="IPAddress.TryParse(string)"/> also takes "1", "1.2" and octal or hex parts.</summary>
    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        Span<byte> octets = stackalloc byte[4];
        int part = 0;
        foreach (var range in text.Split('.'))
        {
            var digits = text[range];
            if (part == 4 || digits.IsEmpty || digits.Length > 3 || !IsAllDigits(digits))
            {
                return false;
            }

            int value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            octets[part++] = (byte)value;
        }

        if (part != 4)
        {
            return false;
        }

        address = new IPAddress(octets);
        return true;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        return !text.IsEmpty
            && text.Length <= 5
            && IsAllDigits(text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port <= ushort.MaxValue;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');
}
