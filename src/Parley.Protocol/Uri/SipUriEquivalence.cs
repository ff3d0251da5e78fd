using Parley.Protocol.Text;

namespace Parley.Protocol.Uri;

/// <summary>The comparison rules documented on <see cref="SipUri.Equivalent"/>.</summary>
internal static class SipUriEquivalence
{
    public static bool Equivalent(ReadOnlySpan<byte> a, in SipUri ua, ReadOnlySpan<byte> b, in SipUri ub)
    {
        if (ua.Scheme != ub.Scheme || ua.SchemeRange.IsEmpty || ub.SchemeRange.IsEmpty ||
            !ua.FitsIn(a.Length) || !ub.FitsIn(b.Length))
        {
            return false;
        }

        return ua.Scheme switch
        {
            UriScheme.Sip or UriScheme.Sips => SipEquivalent(a, ua, b, ub),
            UriScheme.Tel => TelEquivalent(a, ua, b, ub),
            _ => Ascii.EqualsIgnoreCase(Slice(a, ua.SchemeRange), Slice(b, ub.SchemeRange)) &&
                 UriEscaping.EscapedEquals(Slice(a, ua.Opaque), Slice(b, ub.Opaque), ignoreCase: false),
        };
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> text, ByteRange range) => text.Slice(range.Start, range.Length);

    private static bool SipEquivalent(ReadOnlySpan<byte> a, in SipUri ua, ReadOnlySpan<byte> b, in SipUri ub)
    {
        // Userinfo, including passwords and telephone-subscribers, is compared case-sensitively (§19.1.4).
        if (ua.HasUserInfo != ub.HasUserInfo || ua.HasPassword != ub.HasPassword ||
            !UriEscaping.EscapedEquals(Slice(a, ua.User), Slice(b, ub.User), ignoreCase: false) ||
            !UriEscaping.EscapedEquals(Slice(a, ua.Password), Slice(b, ub.Password), ignoreCase: false))
        {
            return false;
        }

        // "sip:bob@biloxi.com" and "sip:bob@biloxi.com:5060" differ: an absent port is not 5060 (§19.1.4).
        if (!HostParser.HostEquals(Slice(a, ua.Host), ua.HostKind, Slice(b, ub.Host), ub.HostKind) || ua.Port != ub.Port)
        {
            return false;
        }

        // A URI omitting user, ttl, method, maddr or transport never matches one that includes it (§19.1.4).
        if (!SameOptional(a, ua.TransportParam, b, ub.TransportParam) ||
            !SameOptional(a, ua.UserParam, b, ub.UserParam) ||
            !SameOptional(a, ua.MethodParam, b, ub.MethodParam) ||
            ua.TtlParam != ub.TtlParam ||
            ua.MaddrParam.IsEmpty != ub.MaddrParam.IsEmpty)
        {
            return false;
        }

        if (!ua.MaddrParam.IsEmpty)
        {
            var ma = Slice(a, ua.MaddrParam);
            var mb = Slice(b, ub.MaddrParam);
            if (!HostParser.HostEquals(ma, HostParser.Classify(ma), mb, HostParser.Classify(mb)))
            {
                return false;
            }
        }

        var pa = Slice(a, ua.Parameters);
        var pb = Slice(b, ub.Parameters);
        return SharedParametersMatch(pa, pb) && SharedParametersMatch(pb, pa) &&
               HeadersMatch(Slice(a, ua.Headers), Slice(b, ub.Headers));
    }

    private static bool SameOptional(ReadOnlySpan<byte> a, ByteRange ra, ReadOnlySpan<byte> b, ByteRange rb) =>
        ra.IsEmpty == rb.IsEmpty && UriEscaping.EscapedEquals(Slice(a, ra), Slice(b, rb), ignoreCase: true);

    private static bool IsPresenceCompared(ReadOnlySpan<byte> name) =>
        UriEscaping.EscapedEqualsLiteral(name, "transport"u8, ignoreCase: true) ||
        UriEscaping.EscapedEqualsLiteral(name, "user"u8, ignoreCase: true) ||
        UriEscaping.EscapedEqualsLiteral(name, "method"u8, ignoreCase: true) ||
        UriEscaping.EscapedEqualsLiteral(name, "ttl"u8, ignoreCase: true) ||
        UriEscaping.EscapedEqualsLiteral(name, "maddr"u8, ignoreCase: true);

    /// <summary>Every other parameter of <paramref name="pa"/> that also appears in <paramref name="pb"/> has an equal value there.</summary>
    private static bool SharedParametersMatch(ReadOnlySpan<byte> pa, ReadOnlySpan<byte> pb)
    {
        foreach (var p in new ParameterEnumerator(pa, ParameterSyntax.Uri))
        {
            var name = Slice(pa, p.Name);
            if (IsPresenceCompared(name) || !IsFirstOccurrence(pa, p))
            {
                continue;
            }

            if (TryFind(pb, name, out var q) && !ValuesEqual(pa, p, pb, q))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValuesEqual(ReadOnlySpan<byte> pa, Parameter p, ReadOnlySpan<byte> pb, Parameter q) =>
        p.HasValue == q.HasValue && UriEscaping.EscapedEquals(Slice(pa, p.Value), Slice(pb, q.Value), ignoreCase: true);

    private static bool IsFirstOccurrence(ReadOnlySpan<byte> section, Parameter p) =>
        TryFind(section, Slice(section, p.Name), out var first) && first.Name == p.Name;

    private static bool TryFind(ReadOnlySpan<byte> section, ReadOnlySpan<byte> escapedName, out Parameter found)
    {
        foreach (var q in new ParameterEnumerator(section, ParameterSyntax.Uri))
        {
            if (UriEscaping.EscapedEquals(Slice(section, q.Name), escapedName, ignoreCase: true))
            {
                found = q;
                return true;
            }
        }

        found = default;
        return false;
    }

    /// <summary>Headers are a multiset: each name/value pair occurs equally often in both (order is irrelevant).</summary>
    private static bool HeadersMatch(ReadOnlySpan<byte> ha, ReadOnlySpan<byte> hb)
    {
        if (CountHeaders(ha) != CountHeaders(hb))
        {
            return false;
        }

        foreach (var h in new UriHeaderEnumerator(ha))
        {
            if (Occurrences(ha, ha, h) != Occurrences(hb, ha, h))
            {
                return false;
            }
        }

        return true;
    }

    private static int CountHeaders(ReadOnlySpan<byte> headers)
    {
        var n = 0;
        foreach (var unused in new UriHeaderEnumerator(headers))
        {
            n++;
        }

        return n;
    }

    private static int Occurrences(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> origin, Parameter h)
    {
        var name = Slice(origin, h.Name);
        var value = Slice(origin, h.Value);
        var n = 0;
        foreach (var x in new UriHeaderEnumerator(headers))
        {
            if (UriEscaping.EscapedEquals(Slice(headers, x.Name), name, ignoreCase: true) &&
                UriEscaping.EscapedEquals(Slice(headers, x.Value), value, ignoreCase: false))
            {
                n++;
            }
        }

        return n;
    }

    private static bool TelEquivalent(ReadOnlySpan<byte> a, in SipUri ua, ReadOnlySpan<byte> b, in SipUri ub)
    {
        var na = Slice(a, ua.Opaque);
        var nb = Slice(b, ub.Opaque);
        if (na.IsEmpty || nb.IsEmpty || (na[0] == (byte)'+') != (nb[0] == (byte)'+') || !DigitsEqual(na, nb))
        {
            return false;
        }

        var pa = Slice(a, ua.Parameters);
        var pb = Slice(b, ub.Parameters);
        return TelParametersIn(pa, pb) && TelParametersIn(pb, pa);
    }

    /// <summary>RFC 3966 §4: every parameter name of <paramref name="pa"/> appears in <paramref name="pb"/> with an equal value.</summary>
    private static bool TelParametersIn(ReadOnlySpan<byte> pa, ReadOnlySpan<byte> pb)
    {
        foreach (var p in new ParameterEnumerator(pa, ParameterSyntax.Uri))
        {
            var name = Slice(pa, p.Name);
            if (!IsFirstOccurrence(pa, p))
            {
                continue;
            }

            if (!TryFind(pb, name, out var q) || p.HasValue != q.HasValue)
            {
                return false;
            }

            var va = Slice(pa, p.Value);
            var vb = Slice(pb, q.Value);

            // ext and a global-number phone-context are digit strings: visual separators do not count (RFC 3966 §4).
            var digits = UriEscaping.EscapedEqualsLiteral(name, "ext"u8, ignoreCase: true) ||
                         (UriEscaping.EscapedEqualsLiteral(name, "phone-context"u8, ignoreCase: true) &&
                          !va.IsEmpty && va[0] == (byte)'+' && !vb.IsEmpty && vb[0] == (byte)'+');
            if (digits ? !DigitsEqual(va, vb) : !UriEscaping.EscapedEquals(va, vb, ignoreCase: true))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Case-insensitive comparison that skips RFC 3966 visual separators and decodes escapes.</summary>
    private static bool DigitsEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int i = 0, j = 0;
        while (true)
        {
            var x = NextDigit(a, ref i);
            var y = NextDigit(b, ref j);
            if (x != y)
            {
                return false;
            }

            if (x < 0)
            {
                return true;
            }
        }
    }

    private static int NextDigit(ReadOnlySpan<byte> s, ref int i)
    {
        while (i < s.Length)
        {
            int b = s[i];
            if (b == '%' && i + 2 < s.Length && Ascii.IsHexDigit(s[i + 1]) && Ascii.IsHexDigit(s[i + 2]))
            {
                b = (Ascii.HexValue(s[i + 1]) << 4) | Ascii.HexValue(s[i + 2]);
                i += 3;
            }
            else
            {
                i++;
            }

            if (!SipUri.IsVisualSeparator((byte)b))
            {
                return Ascii.ToLower((byte)b);
            }
        }

        return -1;
    }
}
