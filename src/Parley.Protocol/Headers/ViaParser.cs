using Parley.Protocol.Parsing;

namespace Parley.Protocol.Headers;

/// <summary>Parses Via values: <c>sent-protocol LWS sent-by *( SEMI via-params )</c> (RFC 3261 §25.1), several per line.</summary>
public static class ViaParser
{
    /// <summary>
    /// Parses the value starting at <paramref name="pos"/>; on success <paramref name="pos"/> is after the value and its comma,
    /// or at <paramref name="end"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buf, ref int pos, int end, out ViaValue via)
    {
        via = default;
        var p = Lexer.SkipLws(buf, pos, end);
        var start = p;

        var nameEnd = Lexer.ScanToken(buf, p, end);
        if (nameEnd == p)
        {
            return false;
        }

        var protocolName = ByteRange.FromBounds(p, nameEnd);
        p = Lexer.SkipLws(buf, nameEnd, end);
        if (p >= end || buf[p] != '/')
        {
            return false;
        }

        p = Lexer.SkipLws(buf, p + 1, end);
        var versionEnd = Lexer.ScanToken(buf, p, end);
        if (versionEnd == p)
        {
            return false;
        }

        var protocolVersion = ByteRange.FromBounds(p, versionEnd);
        p = Lexer.SkipLws(buf, versionEnd, end);
        if (p >= end || buf[p] != '/')
        {
            return false;
        }

        p = Lexer.SkipLws(buf, p + 1, end);
        var transportEnd = Lexer.ScanToken(buf, p, end);
        if (transportEnd == p)
        {
            return false;
        }

        var transportToken = ByteRange.FromBounds(p, transportEnd);
        p = Lexer.SkipLws(buf, transportEnd, end);
        if (p == transportEnd)
        {
            return false; // sent-protocol LWS sent-by: the LWS is mandatory
        }

        if (!TryParseHostPort(buf, ref p, end, out var host, out var port))
        {
            return false;
        }

        p = Lexer.SkipLws(buf, p, end);
        var paramsStart = p;
        ByteRange branch = default, received = default, maddr = default;
        bool hasBranch = false, hasReceived = false, hasRport = false;
        int rport = -1, rportEnd = -1, ttl = -1;
        while (p < end && buf[p] == ';')
        {
            if (!Lexer.TryReadParam(buf, ref p, end, out var name, out var value, out var hasValue))
            {
                return false;
            }

            var n = buf.Slice(name.Start, name.Length);
            if (Lexer.EqualsIgnoreCase(n, "branch"u8))
            {
                if (!hasValue)
                {
                    return false;
                }

                branch = value;
                hasBranch = true;
            }
            else if (Lexer.EqualsIgnoreCase(n, "received"u8))
            {
                received = value;
                hasReceived = hasValue;
            }
            else if (Lexer.EqualsIgnoreCase(n, "rport"u8))
            {
                hasRport = true;
                rportEnd = hasValue ? value.End : name.End;
                if (hasValue)
                {
                    if (!Lexer.TryParseDigits(buf.Slice(value.Start, value.Length), 65535, out var rp))
                    {
                        return false;
                    }

                    rport = (int)rp;
                }
            }
            else if (Lexer.EqualsIgnoreCase(n, "maddr"u8))
            {
                maddr = value;
            }
            else if (Lexer.EqualsIgnoreCase(n, "ttl"u8))
            {
                if (!hasValue || !Lexer.TryParseDigits(buf.Slice(value.Start, value.Length), 255, out var t))
                {
                    return false;
                }

                ttl = (int)t;
            }
        }

        var valueEnd = Lexer.TrimEnd(buf, start, p);
        if (p < end)
        {
            if (buf[p] != ',')
            {
                return false;
            }

            p++;
            if (Lexer.SkipLws(buf, p, end) == end)
            {
                return false; // a trailing comma announces a value that is not there
            }
        }

        via = new ViaValue
        {
            Value = ByteRange.FromBounds(start, valueEnd),
            ProtocolName = protocolName,
            ProtocolVersion = protocolVersion,
            TransportToken = transportToken,
            Transport = ParseTransport(buf.Slice(transportToken.Start, transportToken.Length)),
            Host = host,
            Port = port,
            Parameters = paramsStart < valueEnd ? ByteRange.FromBounds(paramsStart, valueEnd) : default,
            Branch = branch,
            HasBranch = hasBranch,
            Received = received,
            HasReceived = hasReceived,
            HasRport = hasRport,
            Rport = rport,
            RportEnd = rportEnd,
            Maddr = maddr,
            Ttl = ttl,
        };
        pos = p;
        return true;
    }

    public static SipTransport ParseTransport(ReadOnlySpan<byte> token) => token.Length switch
    {
        2 when Lexer.EqualsIgnoreCase(token, "WS"u8) => SipTransport.Ws,
        3 when Lexer.EqualsIgnoreCase(token, "UDP"u8) => SipTransport.Udp,
        3 when Lexer.EqualsIgnoreCase(token, "TCP"u8) => SipTransport.Tcp,
        3 when Lexer.EqualsIgnoreCase(token, "TLS"u8) => SipTransport.Tls,
        3 when Lexer.EqualsIgnoreCase(token, "WSS"u8) => SipTransport.Wss,
        4 when Lexer.EqualsIgnoreCase(token, "SCTP"u8) => SipTransport.Sctp,
        _ => SipTransport.Unknown,
    };

    /// <summary><c>host [":" port]</c> where host is a hostname, IPv4 address or bracketed IPv6 reference.</summary>
    internal static bool TryParseHostPort(ReadOnlySpan<byte> buf, ref int pos, int end, out ByteRange host, out int port)
    {
        port = -1;
        host = default;
        var p = pos;
        if (p < end && buf[p] == '[')
        {
            var close = buf.Slice(p, end - p).IndexOf((byte)']');
            if (close < 2)
            {
                return false;
            }

            for (var i = p + 1; i < p + close; i++)
            {
                var c = buf[i];
                if (!(Lexer.IsDigit(c) || (uint)((c | 0x20) - 'a') <= 5 || c is (byte)':' or (byte)'.'))
                {
                    return false;
                }
            }

            host = new ByteRange(p, close + 1);
            p += close + 1;
        }
        else
        {
            var h = p;
            while (p < end && (Lexer.IsDigit(buf[p]) || (uint)((buf[p] | 0x20) - 'a') <= 25 || buf[p] is (byte)'-' or (byte)'.' or (byte)'_'))
            {
                p++;
            }

            if (p == h)
            {
                return false;
            }

            host = ByteRange.FromBounds(h, p);
        }

        var q = Lexer.SkipLws(buf, p, end);
        if (q < end && buf[q] == ':')
        {
            q = Lexer.SkipLws(buf, q + 1, end);
            var d = q;
            while (q < end && Lexer.IsDigit(buf[q]))
            {
                q++;
            }

            if (!Lexer.TryParseDigits(buf.Slice(d, q - d), 65535, out var pv))
            {
                return false;
            }

            port = (int)pv;
            p = q;
        }

        pos = p;
        return true;
    }
}
