using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Parley.Protocol;

namespace Parley.Transport;

/// <summary>
/// Turns the host, port, transport parameter and scheme of a next-hop URI into a transport and the endpoints to try
/// in order, following RFC 3263 §4.1 (transport) and §4.2 (address and port).
/// </summary>
/// <remarks>
/// <para>
/// Only the steps that need no NAPTR or SRV records are done: NAPTR (§4.1) and SRV (§4.2) lookups are out of scope,
/// so a host name without a port goes straight to A/AAAA at the default port, which is what RFC 3263 §4.2 prescribes
/// when no SRV records are found. A later version may add them behind <see cref="IHostResolver"/>.
/// </para>
/// <para>
/// Transport: an explicit <c>transport</c> parameter wins (§4.1). Otherwise TLS for a SIPS URI, else UDP; but a
/// request larger than <see cref="MaxUdpRequestSize"/> goes over TCP when a TCP listener exists (RFC 3261 §18.1.1).
/// An explicit <c>transport=udp</c> is honoured even for a large request; whether to override it is the core's call.
/// </para>
/// </remarks>
public sealed class TargetResolver
{
    /// <summary>
    /// RFC 3261 §18.1.1: a request within 200 bytes of the path MTU, or over 1300 bytes when the MTU is unknown
    /// (1500-byte Ethernet assumed), MUST use a congestion-controlled transport such as TCP.
    /// </summary>
    public const int MaxUdpRequestSize = 1300;

    /// <summary>Default port for SIP over UDP, TCP and SCTP (RFC 3261 §19.1.2).</summary>
    public const int DefaultSipPort = 5060;

    /// <summary>Default port for SIP over TLS (RFC 3261 §19.1.2).</summary>
    public const int DefaultSipsPort = 5061;

    private static readonly SearchValues<char> NotInHostName = SearchValues.Create(" []/@");

    private static readonly SearchValues<char> DottedQuadChars = SearchValues.Create("0123456789.");

    private readonly IHostResolver _hostResolver;
    private readonly Func<SipTransport, bool> _hasListener;

    /// <param name="hostResolver">A/AAAA lookups, e.g. <see cref="DnsHostResolver.Instance"/>.</param>
    /// <param name="hasListener">Whether a listener of a transport is bound, e.g. <see cref="SipTransportLayer.HasListener"/>.</param>
    public TargetResolver(IHostResolver hostResolver, Func<SipTransport, bool> hasListener)
    {
        ArgumentNullException.ThrowIfNull(hostResolver);
        ArgumentNullException.ThrowIfNull(hasListener);
        _hostResolver = hostResolver;
        _hasListener = hasListener;
    }

    /// <summary>Default port of a transport: 5061 for TLS (and WSS), 5060 for the others (RFC 3261 §19.1.2).</summary>
    public static int DefaultPort(SipTransport transport) =>
        transport is SipTransport.Tls or SipTransport.Wss ? DefaultSipsPort : DefaultSipPort;

    /// <summary>Picks the transport (RFC 3263 §4.1 without NAPTR, plus the size rule of RFC 3261 §18.1.1).</summary>
    /// <param name="transportParameter">The URI's <c>transport</c> parameter, or <see cref="SipTransport.Unknown"/> if absent.</param>
    public SipTransport SelectTransport(SipTransport transportParameter, bool sips, int messageSize)
    {
        if (transportParameter != SipTransport.Unknown)
        {
            return transportParameter;
        }

        if (sips)
        {
            // RFC 3263 §4.1: "TCP for a SIPS URI", i.e. TLS over TCP.
            return SipTransport.Tls;
        }

        return messageSize > MaxUdpRequestSize && _hasListener(SipTransport.Tcp) ? SipTransport.Tcp : SipTransport.Udp;
    }

    /// <summary>Resolves a next hop.</summary>
    /// <param name="host">A host name, an IPv4 address, or an IPv6 reference with or without brackets.</param>
    /// <param name="port">The URI's port, or null to use the transport's default (RFC 3263 §4.2).</param>
    /// <param name="transportParameter">The URI's <c>transport</c> parameter, or <see cref="SipTransport.Unknown"/>.</param>
    /// <param name="sips">True for a <c>sips:</c> URI.</param>
    /// <param name="messageSize">Size of the request to send, for the TCP-when-large rule.</param>
    /// <returns>
    /// The endpoints in the order to try them. For a numeric host this completes synchronously without allocating.
    /// A name that does not resolve is an error result, not an exception.
    /// </returns>
    public ValueTask<ResolvedTargets> ResolveAsync(
        string host,
        int? port,
        SipTransport transportParameter,
        bool sips,
        int messageSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var transport = SelectTransport(transportParameter, sips, messageSize);
        if (port is { } explicitPort && (explicitPort < 1 || explicitPort > ushort.MaxValue))
        {
            return ValueTask.FromResult(ResolvedTargets.Failed(transport, $"port {explicitPort.ToString(CultureInfo.InvariantCulture)} is out of range"));
        }

        int targetPort = port ?? DefaultPort(transport);
        var span = host.AsSpan();
        if (span.Length >= 2 && span[0] == '[' && span[^1] == ']')
        {
            // An IPv6 reference (RFC 3261 §25.1): brackets only ever surround an IPv6 address.
            return ValueTask.FromResult(
                IPAddress.TryParse(span[1..^1], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                    ? ResolvedTargets.One(transport, new SipEndPoint(v6, targetPort))
                    : ResolvedTargets.Failed(transport, $"'{host}' is not an IPv6 reference"));
        }

        if (IsNumericHost(span, out var address))
        {
            // RFC 3263 §4.2: a numeric IP address is used as it is; no DNS.
            return ValueTask.FromResult(ResolvedTargets.One(transport, new SipEndPoint(address, targetPort)));
        }

        if (span.IsEmpty || span.ContainsAny(NotInHostName))
        {
            return ValueTask.FromResult(ResolvedTargets.Failed(transport, $"'{host}' is not a host name"));
        }

        return ResolveNameAsync(host, transport, targetPort, cancellationToken);
    }

    private static bool IsNumericHost(ReadOnlySpan<char> host, out IPAddress address)
    {
        address = IPAddress.None;
        if (host.Contains(':'))
        {
            // Only an IPv6 address has colons (the port is passed separately).
            if (IPAddress.TryParse(host, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = v6;
                return true;
            }

            return false;
        }

        // Dotted quad only: IPAddress.TryParse would also read "10" or "1.2" as addresses, which as SIP hosts are names.
        if (host.IsEmpty || host.ContainsAnyExcept(DottedQuadChars) || host.Count('.') != 3)
        {
            return false;
        }

        if (IPAddress.TryParse(host, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork)
        {
            address = v4;
            return true;
        }

        return false;
    }

    private async ValueTask<ResolvedTargets> ResolveNameAsync(string host, SipTransport transport, int port, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            // RFC 3263 §4.2: no SRV (out of scope), so an A or AAAA lookup of the name itself.
            addresses = await _hostResolver.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            return ResolvedTargets.Failed(transport, $"cannot resolve '{host}': {ex.SocketErrorCode}");
        }

        var endPoints = new List<SipEndPoint>(addresses.Length);
        foreach (var address in addresses)
        {
            var usable = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (usable.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                continue;
            }

            var endPoint = new SipEndPoint(usable, port);
            if (!endPoints.Contains(endPoint))
            {
                endPoints.Add(endPoint);
            }
        }

        return endPoints.Count == 0
            ? ResolvedTargets.Failed(transport, $"'{host}' has no IPv4 or IPv6 address")
            : ResolvedTargets.Many(transport, endPoints.ToArray());
    }
}
