using Parley.Protocol.Framing;

namespace Parley.Transport;

/// <summary>
/// Receives what the transport reads. Calls come from socket loops: several at once (one per UDP receive loop and
/// one per TCP connection), so an implementation must be thread-safe and should return quickly, e.g. by queueing the
/// packet to a worker. An exception thrown here is logged and otherwise ignored; it does not stop the loop.
/// </summary>
public interface ISipPacketHandler
{
    /// <summary>A complete message. The handler owns <paramref name="packet"/>'s buffer and must <see cref="InboundPacket.Release"/> it.</summary>
    void OnPacket(InboundPacket packet);

    /// <summary>
    /// A stream connection carried something that cannot be framed (RFC 3261 §18.3: bad or missing Content-Length,
    /// or more than the maximum message size). <paramref name="headerSection"/> holds the offending message's header
    /// section when its end was found (its <see cref="InboundPacket.Length"/> is 0 otherwise), so the core can answer
    /// 400 with the reason on <see cref="InboundPacket.ConnectionId"/>. The connection stops reading at once and is
    /// closed after the first message sent on it completes, or after
    /// <see cref="SipTransportOptions.FramingErrorLinger"/>: the stream position is lost for good
    /// (RFC 4475 §3.1.2.3, §3.3.9). The handler owns and must release the buffer, as for <see cref="OnPacket"/>.
    /// </summary>
    void OnFramingError(InboundPacket headerSection, FramingError error);
}
