using System.Buffers;
using Parley.Protocol;

namespace Parley.Transport;

/// <summary>
/// One received SIP message: exactly one UDP datagram or one framed stream message, in a buffer rented from
/// <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
/// <remarks>
/// <para>
/// Ownership: the transport hands the buffer to the <see cref="ISipPacketHandler"/> and never touches it again. The
/// handler (or whoever it passes the packet to, e.g. the worker chosen by a hash of the Call-ID) must call
/// <see cref="Release"/> exactly once when done with the bytes, and must not use them afterwards. Dropping a packet
/// without releasing it only costs the pool a buffer; releasing twice corrupts the pool for everyone.
/// </para>
/// <para>
/// This is a struct so that no object is allocated per packet; copies share the same buffer, so only one copy may
/// be released.
/// </para>
/// </remarks>
public readonly struct InboundPacket
{
    public InboundPacket(
        byte[] buffer,
        int offset,
        int length,
        SipTransport transport,
        SipEndPoint remoteEndPoint,
        SipListener listener,
        long connectionId)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(listener);
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(length), "Offset and length must lie within the buffer.");
        }

        Buffer = buffer;
        Offset = offset;
        Length = length;
        Transport = transport;
        RemoteEndPoint = remoteEndPoint;
        Listener = listener;
        ConnectionId = connectionId;
    }

    /// <summary>Rented from <see cref="ArrayPool{T}.Shared"/>; usually longer than <see cref="Length"/>.</summary>
    public byte[] Buffer { get; }

    public int Offset { get; }

    public int Length { get; }

    public SipTransport Transport { get; }

    /// <summary>Source address and port: for UDP where the datagram came from (the "received"/"rport" of RFC 3581), for TCP the peer of the connection.</summary>
    public SipEndPoint RemoteEndPoint { get; }

    /// <summary>The local socket the packet arrived on (for a connection we opened: the listener of its transport and address family).</summary>
    public SipListener Listener { get; }

    /// <summary>
    /// For a stream transport, the connection the message came on; pass it back to
    /// <see cref="SipTransportLayer.SendAsync(SipTransport, SipEndPoint, ReadOnlyMemory{byte}, long, CancellationToken)"/>
    /// so responses use that connection (RFC 3261 §18.2.2). 0 for UDP.
    /// </summary>
    public long ConnectionId { get; }

    public ReadOnlySpan<byte> Span => new(Buffer, Offset, Length);

    public ReadOnlyMemory<byte> Memory => new(Buffer, Offset, Length);

    /// <summary>Returns the buffer to the pool. Call exactly once, after the last use of the bytes.</summary>
    public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
}
