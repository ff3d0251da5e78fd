using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Parley.Transport;

/// <summary>
/// An IPv4 or IPv6 address and port held by value: no <see cref="IPAddress"/>, no heap. Used as the remote address of
/// every packet and as a dictionary key, so it must stay cheap to copy, compare and hash.
/// </summary>
/// <remarks>
/// The default value is "no endpoint" (<see cref="IsEmpty"/>). IPv6 scope ids are kept, so link-local peers on
/// different interfaces are different endpoints. IPv4-mapped IPv6 addresses stay IPv6: sockets here are never
/// dual-mode, so such an address only appears if it was configured.
/// </remarks>
public readonly struct SipEndPoint : IEquatable<SipEndPoint>, ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>Longest text form: "[" + 39-char IPv6 + "%" + 10-digit scope + "]:" + 5-digit port.</summary>
    public const int MaxFormattedLength = 58;

    private const byte FamilyNone = 0;
    private const byte FamilyV4 = 4;
    private const byte FamilyV6 = 6;

    // IPv6: bytes 0-7 and 8-15 in network order. IPv4: _high = 0, _low = the address in its low 32 bits.
    private readonly ulong _high;
    private readonly ulong _low;
    private readonly uint _scopeId;
    private readonly ushort _port;
    private readonly byte _family;

    public SipEndPoint(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        ValidatePort(port);
        Span<byte> bytes = stackalloc byte[16];
        switch (address.AddressFamily)
        {
            case AddressFamily.InterNetwork:
                address.TryWriteBytes(bytes, out _);
                _low = BinaryPrimitives.ReadUInt32BigEndian(bytes);
                _family = FamilyV4;
                break;
            case AddressFamily.InterNetworkV6:
                address.TryWriteBytes(bytes, out _);
                _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
                _low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
                _scopeId = (uint)address.ScopeId;
                _family = FamilyV6;
                break;
            default:
                throw new ArgumentException($"Address family {address.AddressFamily} is not IPv4 or IPv6.", nameof(address));
        }

        _port = (ushort)port;
    }

    public SipEndPoint(IPEndPoint endPoint)
        : this((endPoint ?? throw new ArgumentNullException(nameof(endPoint))).Address, endPoint.Port)
    {
    }

    private SipEndPoint(byte family, ulong high, ulong low, uint scopeId, ushort port)
    {
        _family = family;
        _high = high;
        _low = low;
        _scopeId = scopeId;
        _port = port;
    }

    /// <summary>True for <c>default(SipEndPoint)</c>, which names no endpoint.</summary>
    public bool IsEmpty => _family == FamilyNone;

    public bool IsIPv4 => _family == FamilyV4;

    public bool IsIPv6 => _family == FamilyV6;

    public AddressFamily AddressFamily => _family switch
    {
        FamilyV4 => AddressFamily.InterNetwork,
        FamilyV6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    public int Port => _port;

    /// <summary>IPv6 scope (interface index) of a link-local address; 0 otherwise.</summary>
    public long ScopeId => _scopeId;

    public static bool operator ==(SipEndPoint left, SipEndPoint right) => left.Equals(right);

    public static bool operator !=(SipEndPoint left, SipEndPoint right) => !left.Equals(right);

    /// <summary>Creates an IPv4 endpoint from the four address bytes in network order.</summary>
    public static SipEndPoint FromIPv4(ReadOnlySpan<byte> address, int port)
    {
        ValidatePort(port);
        if (address.Length != 4)
        {
            throw new ArgumentException("An IPv4 address has 4 bytes.", nameof(address));
        }

        return new SipEndPoint(FamilyV4, 0, BinaryPrimitives.ReadUInt32BigEndian(address), 0, (ushort)port);
    }

    /// <summary>Creates an IPv6 endpoint from the sixteen address bytes in network order.</summary>
    public static SipEndPoint FromIPv6(ReadOnlySpan<byte> address, int port, uint scopeId = 0)
    {
        ValidatePort(port);
        if (address.Length != 16)
        {
            throw new ArgumentException("An IPv6 address has 16 bytes.", nameof(address));
        }

        return new SipEndPoint(
            FamilyV6,
            BinaryPrimitives.ReadUInt64BigEndian(address),
            BinaryPrimitives.ReadUInt64BigEndian(address[8..]),
            scopeId,
            (ushort)port);
    }

    /// <summary>
    /// Reads a native socket address as filled in by <c>Socket.ReceiveFromAsync(..., SocketAddress, ...)</c> without
    /// allocating. The sockaddr_in / sockaddr_in6 field offsets are the same on Linux, Windows and the BSDs.
    /// </summary>
    public static bool TryFromSocketAddress(SocketAddress socketAddress, out SipEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span;
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when bytes.Length >= 8:
                endPoint = new SipEndPoint(
                    FamilyV4,
                    0,
                    BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
                    0,
                    BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]));
                return true;
            case AddressFamily.InterNetworkV6 when bytes.Length >= 28:
                endPoint = new SipEndPoint(
                    FamilyV6,
                    BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
                    BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
                    MemoryMarshal.Read<uint>(bytes[24..]),
                    BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]));
                return true;
            default:
                endPoint = default;
                return false;
        }
    }

    public static SipEndPoint FromSocketAddress(SocketAddress socketAddress) =>
        TryFromSocketAddress(socketAddress, out var endPoint)
            ? endPoint
            : throw new ArgumentException($"Socket address family {socketAddress.Family} is not IPv4 or IPv6.", nameof(socketAddress));

    /// <summary>Parses "1.2.3.4:5060" or "[::1]:5060"; a missing port gives port 0. Not for hot paths.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SipEndPoint endPoint)
    {
        if (IPEndPoint.TryParse(text, out var parsed)
            && parsed.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        {
            endPoint = new SipEndPoint(parsed);
            return true;
        }

        endPoint = default;
        return false;
    }

    public static SipEndPoint Parse(string text) =>
        TryParse(text, out var endPoint) ? endPoint : throw new FormatException($"'{text}' is not an IP endpoint.");

    /// <summary>Writes this endpoint into an existing socket address of the same family, so sends need not allocate one.</summary>
    public void WriteTo(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        if (IsEmpty || socketAddress.Family != AddressFamily)
        {
            throw new ArgumentException($"Cannot write a {AddressFamily} endpoint into a {socketAddress.Family} socket address.", nameof(socketAddress));
        }

        var bytes = socketAddress.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], _port);
        if (_family == FamilyV4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], (uint)_low);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], 0); // flow info
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _high);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], _low);
            MemoryMarshal.Write(bytes[24..], in _scopeId);
        }
    }

    public SocketAddress ToSocketAddress()
    {
        var socketAddress = new SocketAddress(AddressFamily);
        WriteTo(socketAddress);
        return socketAddress;
    }

    /// <summary>Allocates an <see cref="IPAddress"/>; for configuration and logging, not the packet path.</summary>
    public IPAddress GetAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        switch (_family)
        {
            case FamilyV4:
                BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)_low);
                return new IPAddress(bytes[..4]);
            case FamilyV6:
                BinaryPrimitives.WriteUInt64BigEndian(bytes, _high);
                BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _low);
                return new IPAddress(bytes, _scopeId);
            default:
                throw new InvalidOperationException("An empty SipEndPoint has no address.");
        }
    }

    public IPEndPoint ToIPEndPoint() => new(GetAddress(), _port);

    /// <summary>Writes the address bytes in network order (4 or 16 of them); returns how many.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        switch (_family)
        {
            case FamilyV4:
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
                return 4;
            case FamilyV6:
                BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
                BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
                return 16;
            default:
                return 0;
        }
    }

    public bool Equals(SipEndPoint other) =>
        _low == other._low && _high == other._high && _port == other._port && _family == other._family && _scopeId == other._scopeId;

    public override bool Equals(object? obj) => obj is SipEndPoint other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, _scopeId, _port, _family);

    /// <summary>"1.2.3.4:5060" or "[2001:db8::1]:5060" (RFC 5952 text form, as in a Via sent-by).</summary>
    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxFormattedLength];
        return new string(buffer[..Format(buffer)]);
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        Span<char> buffer = stackalloc char[MaxFormattedLength];
        int length = Format(buffer);
        if (length > destination.Length)
        {
            charsWritten = 0;
            return false;
        }

        buffer[..length].CopyTo(destination);
        charsWritten = length;
        return true;
    }

    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        Span<char> buffer = stackalloc char[MaxFormattedLength];
        int length = Format(buffer);
        if (length > utf8Destination.Length)
        {
            bytesWritten = 0;
            return false;
        }

        Ascii.FromUtf16(buffer[..length], utf8Destination, out bytesWritten);
        return true;
    }

    private static void ValidatePort(int port)
    {
        if ((uint)port > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is between 0 and 65535.");
        }
    }

    private static int FormatIPv4(uint address, Span<char> destination)
    {
        int length = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            if (shift != 24)
            {
                destination[length++] = '.';
            }

            ((address >> shift) & 0xFF).TryFormat(destination[length..], out int written);
            length += written;
        }

        return length;
    }

    /// <summary>Formats into a buffer of at least <see cref="MaxFormattedLength"/> chars.</summary>
    private int Format(Span<char> buffer)
    {
        if (_family == FamilyV4)
        {
            int length = FormatIPv4((uint)_low, buffer);
            buffer[length++] = ':';
            _port.TryFormat(buffer[length..], out int portLength);
            return length + portLength;
        }

        if (_family == FamilyNone)
        {
            "(none)".CopyTo(buffer);
            return 6;
        }

        int written = 0;
        buffer[written++] = '[';
        written += FormatIPv6(buffer[written..]);
        if (_scopeId != 0)
        {
            buffer[written++] = '%';
            _scopeId.TryFormat(buffer[written..], out int scopeLength);
            written += scopeLength;
        }

        buffer[written++] = ']';
        buffer[written++] = ':';
        _port.TryFormat(buffer[written..], out int v6PortLength);
        return written + v6PortLength;
    }

    /// <summary>RFC 5952 §4: lower-case hex, no leading zeros, the longest run (first on a tie) of two or more zero groups as "::".</summary>
    private int FormatIPv6(Span<char> destination)
    {
        if (_high == 0 && (_low >> 32) == 0xFFFF)
        {
            // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
            "::ffff:".CopyTo(destination);
            return 7 + FormatIPv4((uint)_low, destination[7..]);
        }

        Span<ushort> groups = stackalloc ushort[8];
        for (int i = 0; i < 4; i++)
        {
            groups[i] = (ushort)(_high >> (48 - (16 * i)));
            groups[i + 4] = (ushort)(_low >> (48 - (16 * i)));
        }

        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < 8 && groups[i] == 0)
            {
                i++;
            }

            if (i - start > bestLength)
            {
                bestStart = start;
                bestLength = i - start;
            }
        }

        int length = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                destination[length++] = ':';
                destination[length++] = ':';
                i += bestLength - 1;
                continue;
            }

            if (i != 0 && i != bestStart + bestLength)
            {
                destination[length++] = ':';
            }

            groups[i].TryFormat(destination[length..], out int written, "x");
            length += written;
        }

        return length;
    }
}
