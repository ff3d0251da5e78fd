using System.Text;
using Parley.Protocol;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>A copy of an <see cref="InboundPacket"/>, taken before its pooled buffer was released.</summary>
internal sealed record ReceivedPacket(byte[] Data, SipTransport Transport, SipEndPoint Remote, SipListener Listener, long ConnectionId)
{
    public string Text => Encoding.ASCII.GetString(Data);

    public static ReceivedPacket From(InboundPacket packet) =>
        new(packet.Span.ToArray(), packet.Transport, packet.RemoteEndPoint, packet.Listener, packet.ConnectionId);
}
