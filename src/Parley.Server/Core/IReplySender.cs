using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>Sends bytes back to where a packet came from: its UDP source through the socket it arrived on, or its TCP connection.</summary>
internal interface IReplySender
{
    ValueTask SendToSourceAsync(InboundPacket packet, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
