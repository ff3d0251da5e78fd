using System.Buffers.Binary;
using Parley.Protocol.Text;

namespace Parley.Protocol.Uri;

/// <summary>
/// Validates and classifies the <c>host</c> production of RFC 3261 §25.1 (hostname / IPv4address / IPv6reference),
/// with the IPv6 grammar corrected by RFC 5954 §3 (the RFC 3986 / RFC 4291 forms). Allocation-free.
/// </summary>
public static class HostParser
{
    /// <summary>The kind of <paramref name="host"/>, or <see cref="HostKind.None"/> when it is not a valid host.
    /// An IPv6 reference must include its brackets.</summary>
    public static HostKind Classify(ReadOnlySpan<byte> host)
    {
        if (host.IsEmpty)
        {
            return HostKind.None;
        }

        if (host[0] == (byte)'[')
        {
            Span<byte> scratch = stackalloc byte[16];
            return host.Length > 2 && host[^1] == (byte)']' && TryParseIPv6(host[1..^1], scratch)
                ? HostKind.IPv6
                : HostKind.None;
        }

        if (TryParseIPv4(host, out _))
        {
            return HostKind.IPv4;
        }

        return IsHostname(host) ? HostKind.Name : HostKind.None;
    }

    /// <summary>
    /// <c>hostname = *( domainlabel "." ) toplabel [ "." ]</c>. Labels are alphanum with inner hyphens; the
    /// top label starts with ALPHA, which is what keeps a bad dotted quad such as 256.1.1.1 from being a name.
    /// </summary>
    public static bool IsHostname(ReadOnlySpan<byte> host)
    {
        if (!host.IsEmpty && host[^1] == (byte)'.')
        {
            host = host[..^1];
        }

        if (host.IsEmpty)
        {
            return false;
        }

        var labelStart = 0;
        for (var i = 0; i <= host.Length; i++)
        {
            if (i < host.Length && host[i] != (byte)'.')
            {
                var b = host[i];
                if (!Ascii.IsAlphaNumeric(b) && b != (byte)'-')
                {
                    return false;
                }

                continue;
            }

            var label = host[labelStart..i];
            if (label.IsEmpty || label[0] == (byte)'-' || label[^1] == (byte)'-')
            {
                return false;
            }

            if (i == host.Length && !Ascii.IsAlpha(label[0]))
            {
                return false;
            }

            labelStart = i + 1;
        }

        return true;
    }

    /// <summary>
    /// <c>IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT</c> with every part at most 255.
    /// <paramref name="address"/> is in network order (first octet in the high byte).
    /// </summary>
    public static bool TryParseIPv4(ReadOnlySpan<byte> text, out uint address)
    {
        address = 0;
        uint acc = 0;
        int parts = 0, digits = 0, part = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != (byte)'.')
            {
                var d = (uint)(text[i] - '0');
                if (d > 9 || ++digits > 3)
                {
                    return false;
                }

                part = (part * 10) + (int)d;
                continue;
            }

            if (digits == 0 || part > 255 || parts == 4)
            {
                return false;
            }

            acc = (acc << 8) | (uint)part;
            parts++;
            digits = 0;
            part = 0;
        }

        if (parts != 4)
        {
            return false;
        }

        address = acc;
        return true;
    }

    /// <summary>
    /// Parses an IPv6 address without brackets (RFC 4291 §2.2 text forms, as adopted for SIP by RFC 5954):
    /// eight hex groups, one optional "::", optional trailing dotted quad. Zone identifiers are not accepted.
    /// Writes the 16 octets to <paramref name="address"/>, which must hold at least 16.
    /// </summary>
    public static bool TryParseIPv6(ReadOnlySpan<byte> text, Span<byte> address)
    {
        if (address.Length < 16 || text.Length < 2)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        int count = 0, gap = -1, i = 0;
        if (text[0] == (byte)':')
        {
            if (text[1] != (byte)':')
            {
                return false;
            }

            gap = 0;
            i = 2;
        }

        while (i < text.Length)
        {
            var segmentEnd = text[i..].IndexOf((byte)':');
            segmentEnd = segmentEnd < 0 ? text.Length : i + segmentEnd;
            var segment = text[i..segmentEnd];

            if (segment.Contains((byte)'.'))
            {
                // The embedded dotted quad must be the last 32 bits.
                if (segmentEnd != text.Length || count > 6 || !TryParseIPv4(segment, out var v4))
                {
                    return false;
                }

                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                i = segmentEnd;
                break;
            }

            if (segment.IsEmpty || segment.Length > 4 || count == 8)
            {
                return false;
            }

            var value = 0;
            foreach (var b in segment)
            {
                var h = Ascii.HexValue(b);
                if (h < 0)
                {
                    return false;
                }

                value = (value << 4) | h;
            }

            groups[count++] = (ushort)value;
            i = segmentEnd;
            if (i == text.Length)
            {
                break;
            }

            i++;
            if (i == text.Length)
            {
                return false;
            }

            if (text[i] == (byte)':')
            {
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i++;
            }
        }

        // "::" stands for one or more zero groups (RFC 4291 §2.2), so with a gap at most seven are written.
        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        address[..16].Clear();
        var tail = count - (gap < 0 ? count : gap);
        var head = count - tail;
        for (var g = 0; g < head; g++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(address[(g * 2)..], groups[g]);
        }

        for (var g = 0; g < tail; g++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(address[((8 - tail + g) * 2)..], groups[head + g]);
        }

        return true;
    }

    /// <summary>
    /// Host comparison for RFC 3261 §19.1.4: names case-insensitively, and (RFC 5954 §4) IP addresses by their
    /// binary value, so <c>[2001:db8::9:1]</c> equals <c>[2001:DB8:0::9:01]</c>. No DNS is involved: a name
    /// never equals an address.
    /// </summary>
    public static bool HostEquals(ReadOnlySpan<byte> a, HostKind kindA, ReadOnlySpan<byte> b, HostKind kindB)
    {
        if (kindA != kindB)
        {
            return false;
        }

        switch (kindA)
        {
            case HostKind.IPv4:
                return TryParseIPv4(a, out var x) && TryParseIPv4(b, out var y) && x == y;
            case HostKind.IPv6:
                if (a.Length < 2 || b.Length < 2)
                {
                    return false;
                }

                Span<byte> ax = stackalloc byte[16];
                Span<byte> bx = stackalloc byte[16];
                return TryParseIPv6(a[1..^1], ax) && TryParseIPv6(b[1..^1], bx) && ax.SequenceEqual(bx);
            default:
                return Ascii.EqualsIgnoreCase(a, b);
        }
    }
}
