using Parley.Protocol;

namespace Parley.Transport;

/// <summary>
/// One bound local socket: what was configured and what the OS actually gave. Every <see cref="InboundPacket"/>
/// points at the listener it arrived on, so the core can put that address into Via or Record-Route (RFC 3261
/// §18.1.1, §16.6 step 4) and answer from the same socket (RFC 3581 §4).
/// </summary>
public sealed class SipListener
{
    public SipListener(int id, ListenAddress address, SipEndPoint localEndPoint)
    {
        Id = id;
        Address = address;
        LocalEndPoint = localEndPoint;
    }

    /// <summary>Position of this listener in <see cref="SipTransportLayer.Listeners"/>.</summary>
    public int Id { get; }

    public SipTransport Transport => Address.Transport;

    /// <summary>As configured; its port may be 0.</summary>
    public ListenAddress Address { get; }

    /// <summary>As bound, with the real port. For a wildcard address (0.0.0.0, ::) the address stays the wildcard.</summary>
    public SipEndPoint LocalEndPoint { get; }

    public override string ToString() => $"{(Transport == SipTransport.Udp ? "udp" : "tcp")}:{LocalEndPoint}";
}
