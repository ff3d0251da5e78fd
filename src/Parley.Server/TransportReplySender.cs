using Parley.Server.Core;
using Parley.Transport;

namespace Parley.Server;

/// <summary>Replies through the socket a packet came in on (UDP) or over its connection (TCP, RFC 3261 §18.2.2).</summary>
internal sealed class TransportReplySender(Func<SipTransportLayer> transport) : IReplySender
{
    public async ValueTask SendToSourceAsync(InboundPacket packet, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        await transport().SendAsync(packet.Listener, packet.RemoteEndPoint, data, packet.ConnectionId, cancellationToken).ConfigureAwait(false);
}
