using Parley.Protocol.Parsing;

namespace Parley.Protocol.Headers;

/// <summary>Parses name-addr / addr-spec values with their header parameters.</summary>
public static class NameAddressParser
{
    /// <summary>
    /// Parses one value at <paramref name="pos"/>. When <paramref name="list"/> is true a ',' ends the value and
    /// <paramref name="pos"/> moves past it; otherwise anything after the value is an error.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buf, ref int pos, int end, bool list, bool allowStar, out NameAddress value)
    {
        value = default;
        var p = Lexer.SkipLws(buf, pos, end);
        var start = p;
        if (p >= end)
        {
            return false;
        }

        if (allowStar && buf[p] == '*')
        {
            var after = Lexer.SkipLws(buf, p + 1, end);
            if (after != end)
            {
                return false;
            }

            value = new NameAddress { Value = new ByteRange(p, 1), IsStar = true, Expires = -1 };
            pos = end;
            return true;
        }

        ByteRange display = default, uri;
        bool nameAddr;
        if (buf[p] == '"')
        {
            var q = Lexer.ScanQuoted(buf, p, end);
            if (q < 0)
            {
                return false;
            }

            display = ByteRange.FromBounds(p, q);
            p = Lexer.SkipLws(buf, q, end);
            if (p >= end || buf[p] != '<')
            {
                return false;
            }
        }
        else if (buf[p] != '<')
        {
            // Either a display name of tokens (RFC 4475 §3.1.1.6: with or without LWS before '<') or an addr-spec "scheme:...".
            var t = p;
            while (t < end && (Lexer.IsToken(buf[t]) || Lexer.IsLws(buf[t])))
            {
                t++;
            }

            if (t < end && buf[t] == '<')
            {
                display = ByteRange.FromBounds(p, Lexer.TrimEnd(buf, p, t));
                p = t;
            }
            else if (t < end && buf[t] == ':' && !ContainsLws(buf, p, t))
            {
                // addr-spec: RFC 3261 §20.10 — a URI with ',', '?' or ';' must be in <>, so the URI ends at the first of them.
                var u = p;
                while (u < end && buf[u] is not ((byte)';' or (byte)',' or (byte)'?' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    u++;
                }

                if (u < end && buf[u] == '?')
                {
                    return false;
                }

                uri = ByteRange.FromBounds(p, u);
                return TryFinish(buf, ref pos, u, end, list, start, display, uri, nameAddr: false, out value);
            }
            else
            {
                return false; // RFC 4475 §3.1.2.15: non-token characters in an unquoted display name
            }
        }

        // name-addr: "<" addr-spec ">"
        var close = buf.Slice(p, end - p).IndexOf((byte)'>');
        if (close < 0)
        {
            return false;
        }

        uri = new ByteRange(p + 1, close - 1);
        nameAddr = true;
        if (uri.IsEmpty || ContainsLws(buf, uri.Start, uri.End) || buf.Slice(uri.Start, uri.Length).IndexOf((byte)'<') >= 0)
        {
            return false; // RFC 4475 §3.1.2.14: spaces within addr-spec
        }

        return TryFinish(buf, ref pos, p + close + 1, end, list, start, display, uri, nameAddr, out value);
    }

    private static bool TryFinish(ReadOnlySpan<byte> buf, ref int pos, int p, int end, bool list, int start, ByteRange display, ByteRange uri, bool nameAddr, out NameAddress value)
    {
        value = default;
        if (!HasScheme(buf.Slice(uri.Start, uri.Length)))
        {
            return false;
        }

        p = Lexer.SkipLws(buf, p, end);
        var paramsStart = p;
        ByteRange tag = default, q = default;
        var hasTag = false;
        long expires = -1;
        while (p < end && buf[p] == ';')
        {
            if (!Lexer.TryReadParam(buf, ref p, end, out var name, out var v, out var hasValue))
            {
                return false;
            }

            var n = buf.Slice(name.Start, name.Length);
            if (Lexer.EqualsIgnoreCase(n, "tag"u8))
            {
                if (!hasValue)
                {
                    return false;
                }

                tag = v;
                hasTag = true;
            }
            else if (Lexer.EqualsIgnoreCase(n, "expires"u8) && hasValue)
            {
                // RFC 4475 §3.1.2.4: an overlarge expires may be taken as the default rather than refused.
                expires = Lexer.TryParseDigits(buf.Slice(v.Start, v.Length), uint.MaxValue, out var e) ? (long)e : 3600;
            }
            else if (Lexer.EqualsIgnoreCase(n, "q"u8))
            {
                q = v;
            }
        }

        var valueEnd = Lexer.TrimEnd(buf, start, p);
        if (p < end)
        {
            if (!list || buf[p] != ',')
            {
                return false;
            }

            p++;
            if (Lexer.SkipLws(buf, p, end) == end)
            {
                return false;
            }
        }

        value = new NameAddress
        {
            Value = ByteRange.FromBounds(start, valueEnd),
            DisplayName = display,
            Uri = uri,
            IsNameAddr = nameAddr,
            Parameters = paramsStart < valueEnd ? ByteRange.FromBounds(paramsStart, valueEnd) : default,
            Tag = tag,
            HasTag = hasTag,
            Expires = expires,
            Q = q,
        };
        pos = p;
        return true;
    }

    /// <summary>absoluteURI / SIP-URI all start with <c>scheme ":"</c>, scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).</summary>
    private static bool HasScheme(ReadOnlySpan<byte> uri)
    {
        if (uri.IsEmpty || (uint)((uri[0] | 0x20) - 'a') > 25)
        {
            return false;
        }

        for (var i = 1; i < uri.Length; i++)
        {
            var c = uri[i];
            if (c == ':')
            {
                return true;
            }

            if (!(Lexer.IsDigit(c) || (uint)((c | 0x20) - 'a') <= 25 || c is (byte)'+' or (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        return false;
    }

    private static bool ContainsLws(ReadOnlySpan<byte> buf, int start, int end) => buf[start..end].IndexOfAny(" \t\r\n"u8) >= 0;
}
