using System.Buffers.Text;
using Parley.Protocol;
using Parley.Transport;

namespace Parley.Modules.Sl;

/// <summary>
/// The top Via of a locally generated reply, as the request's top Via would read once the server transport has done its
/// part: RFC 3261 §18.2.1 adds <c>received</c> when the sent-by host is not the source address, and RFC 3581 §4 fills
/// an empty <c>rport</c> with the source port (and then always adds <c>received</c>). The reply copies the request's
/// Via values (RFC 3261 §8.2.6.2), so the client learns its public address from them, as OpenSIPS's sl replies do.
/// </summary>
internal static class LocalReplyVia
{
    /// <summary>The most a reply can grow: <c>;received=</c> with a scoped IPv6 address, and <c>=65535</c>.</summary>
    public const int MaxGrowth = 10 + SipEndPoint.MaxFormattedLength + 6;

    /// <summary>
    /// Rewrites the first Via of <paramref name="reply"/> (written by <see cref="Parley.Protocol.Writing.SipResponseWriter"/>
    /// from <paramref name="request"/>) in place; <paramref name="reply"/> must have <see cref="MaxGrowth"/> spare bytes.
    /// Returns the new length.
    /// </summary>
    public static int AddReceived(SipMessage request, SipEndPoint source, Span<byte> reply, int length)
    {
        if (source.IsEmpty || !request.TryGetTopVia(out var via))
        {
            return length;
        }

        // The status line has no CRLF inside (the reason was checked), and a header value cannot hold CRLF followed by
        // a name (folding needs whitespace), so the first "\r\nVia: " is the first Via line, copied from the request's
        // first Via header, whose first value is the top Via.
        var at = reply[..length].IndexOf("\r\nVia: "u8);
        if (at < 0)
        {
            return length;
        }

        var delta = at + 7 - request.Headers[request.IndexOf(HeaderKind.Via)].Value.Start;

        Span<byte> text = stackalloc byte[SipEndPoint.MaxFormattedLength];
        if (!source.TryFormat(text, out var written))
        {
            return length;
        }

        // "1.2.3.4:5060" or "[2001:db8::1]:5060": received= carries the bare address.
        var address = text[..text[..written].LastIndexOf((byte)':')];
        if (address.Length > 2 && address[0] == '[')
        {
            address = address[1..^1];
        }

        var fillRport = via.HasRport && via.Rport < 0;
        var host = request[via.Host];
        if (host.Length > 2 && host[0] == '[')
        {
            host = host[1..^1];
        }

        var addReceived = fillRport || !System.Text.Ascii.EqualsIgnoreCase(host, address);

        Span<byte> rport = stackalloc byte[6];
        rport[0] = (byte)'=';
        Utf8Formatter.TryFormat(source.Port, rport[1..], out var digits);
        rport = rport[..(digits + 1)];

        Span<byte> received = stackalloc byte[10 + address.Length];
        ";received="u8.CopyTo(received);
        address.CopyTo(received[10..]);

        // Apply the later edit first, so the earlier position stays valid; at one position (rport last) the received
        // goes in first so that "=port" ends up before it.
        var receivedAt = via.HasReceived ? via.Received.Start : via.Value.End;
        var receivedDelete = via.HasReceived ? via.Received.Length : 0;
        var receivedData = via.HasReceived ? received[10..] : received;
        if (addReceived && (!fillRport || receivedAt >= via.RportEnd))
        {
            length = Splice(reply, length, receivedAt + delta, receivedDelete, receivedData);
            addReceived = false;
        }

        if (fillRport)
        {
            length = Splice(reply, length, via.RportEnd + delta, 0, rport);
        }

        if (addReceived)
        {
            length = Splice(reply, length, receivedAt + delta, receivedDelete, receivedData);
        }

        return length;
    }

    private static int Splice(Span<byte> buffer, int length, int position, int deleteLength, ReadOnlySpan<byte> data)
    {
        buffer[(position + deleteLength)..length].CopyTo(buffer[(position + data.Length)..]);
        data.CopyTo(buffer[position..]);
        return length - deleteLength + data.Length;
    }
}
