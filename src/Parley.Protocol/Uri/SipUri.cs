using Parley.Protocol.Text;

namespace Parley.Protocol.Uri;

/// <summary>
/// A parsed SIP, SIPS, tel or other absolute URI (RFC 3261 §19.1, §25.1; RFC 3966). Plain data: every range is
/// relative to the start of the span given to <see cref="TryParse"/> and holds the raw, still-escaped text.
/// Absent ranges are <c>default</c>; use <see cref="Offset"/> to make them absolute in a message buffer.
/// </summary>
public readonly struct SipUri
{
    // Stored +1 so that default(SipUri) reports -1 ("absent") for both.
    private readonly int _portPlusOne;
    private readonly int _ttlPlusOne;

    public UriScheme Scheme { get; private init; }

    /// <summary>The scheme name as written, without the ":".</summary>
    public ByteRange SchemeRange { get; private init; }

    /// <summary>The user (or telephone-subscriber) part of a SIP/SIPS URI; empty when absent.</summary>
    public ByteRange User { get; private init; }

    /// <summary>The password after the first ":" of the userinfo; may be present yet empty, see <see cref="HasPassword"/>.</summary>
    public ByteRange Password { get; private init; }

    /// <summary>True when the URI has a userinfo, that is an "@".</summary>
    public bool HasUserInfo { get; private init; }

    /// <summary>True when the userinfo has a ":" (a password, possibly empty).</summary>
    public bool HasPassword { get; private init; }

    /// <summary>The host; for IPv6 it includes the brackets.</summary>
    public ByteRange Host { get; private init; }

    public HostKind HostKind { get; private init; }

    /// <summary>The port, or -1 when absent. An explicit 5060 is not the same as no port (RFC 3261 §19.1.4).</summary>
    public int Port { get => _portPlusOne - 1; private init => _portPlusOne = value + 1; }

    /// <summary>
    /// The whole parameter section <b>including its leading ";"</b> (for example <c>;transport=tcp;lr</c>), so it
    /// can be handed unchanged to <see cref="ParameterEnumerator"/> or copied/stripped verbatim; empty when absent.
    /// For SIP/SIPS it ends at "?"; for tel it holds the RFC 3966 parameters after the number.
    /// </summary>
    public ByteRange Parameters { get; private init; }

    /// <summary>The header section after "?", <b>without</b> the "?"; empty when absent. See <see cref="UriHeaderEnumerator"/>.</summary>
    public ByteRange Headers { get; private init; }

    /// <summary>For tel: the number; for other absolute URIs: everything after "scheme:"; empty for SIP/SIPS.</summary>
    public ByteRange Opaque { get; private init; }

    /// <summary>Value of <c>transport=</c> (SIP/SIPS only; raw, may be escaped); empty when absent.</summary>
    public ByteRange TransportParam { get; private init; }

    /// <summary>Value of <c>user=</c> (SIP/SIPS only); empty when absent.</summary>
    public ByteRange UserParam { get; private init; }

    /// <summary>Value of <c>method=</c> (SIP/SIPS only); empty when absent.</summary>
    public ByteRange MethodParam { get; private init; }

    /// <summary>Value of <c>maddr=</c> (SIP/SIPS only), validated as a host; empty when absent.</summary>
    public ByteRange MaddrParam { get; private init; }

    /// <summary>Value of <c>ttl=</c> (0..255, SIP/SIPS only), or -1 when absent.</summary>
    public int TtlParam { get => _ttlPlusOne - 1; private init => _ttlPlusOne = value + 1; }

    /// <summary>True when an <c>lr</c> parameter is present (with or without a value; "lr=on" is common).</summary>
    public bool HasLr { get; private init; }

    /// <summary>
    /// Parses <paramref name="text"/>, which must be exactly one URI (no surrounding "&lt;&gt;", no whitespace).
    /// Never allocates. On failure <paramref name="uri"/> is <c>default</c>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out SipUri uri, out UriError error)
    {
        uri = default;
        error = Precheck(text, out var colon);
        if (error != UriError.None)
        {
            return false;
        }

        var schemeText = text[..colon];
        if (Ascii.EqualsIgnoreCase(schemeText, "sip"u8))
        {
            error = ParseSip(text, colon, UriScheme.Sip, out uri);
        }
        else if (Ascii.EqualsIgnoreCase(schemeText, "sips"u8))
        {
            error = ParseSip(text, colon, UriScheme.Sips, out uri);
        }
        else if (Ascii.EqualsIgnoreCase(schemeText, "tel"u8))
        {
            error = ParseTel(text, colon, out uri);
        }
        else
        {
            error = ParseAbsolute(text, colon, out uri);
        }

        if (error != UriError.None)
        {
            uri = default;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Looks up a URI parameter by name, case-insensitively and after unescaping the stored name (so <c>%6C%72</c>
    /// is <c>lr</c>). <paramref name="text"/> must be the span this URI was parsed from (same origin as the ranges).
    /// Returns true when the parameter is present with a value; <paramref name="present"/> is true when it is
    /// present at all. The first occurrence wins. <paramref name="value"/> is relative to <paramref name="text"/>.
    /// </summary>
    public bool TryGetParameter(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name, out ByteRange value, out bool present)
    {
        value = default;
        present = false;
        var parameters = Parameters;
        if (parameters.IsEmpty || !Fits(parameters, text.Length))
        {
            return false;
        }

        var section = text.Slice(parameters.Start, parameters.Length);
        foreach (var p in new ParameterEnumerator(section, ParameterSyntax.Uri))
        {
            if (UriEscaping.EscapedEqualsLiteral(section.Slice(p.Name.Start, p.Name.Length), name, ignoreCase: true))
            {
                present = true;
                if (p.HasValue)
                {
                    value = new ByteRange(p.Value.Start + parameters.Start, p.Value.Length);
                }

                return p.HasValue;
            }
        }

        return false;
    }

    /// <summary>Returns a copy with every present range shifted by <paramref name="delta"/>; absent ranges stay <c>default</c>.</summary>
    public SipUri Offset(int delta) => this with
    {
        SchemeRange = Shift(SchemeRange, delta),
        User = Shift(User, delta),
        Password = Shift(Password, delta),
        Host = Shift(Host, delta),
        Parameters = Shift(Parameters, delta),
        Headers = Shift(Headers, delta),
        Opaque = Shift(Opaque, delta),
        TransportParam = Shift(TransportParam, delta),
        UserParam = Shift(UserParam, delta),
        MethodParam = Shift(MethodParam, delta),
        MaddrParam = Shift(MaddrParam, delta),
    };

    /// <summary>
    /// URI equivalence; <paramref name="ua"/> must be relative to <paramref name="a"/> and <paramref name="ub"/> to
    /// <paramref name="b"/>. No DNS is ever involved. Escapes are decoded once, and an escaped RFC 2396 reserved
    /// character never equals its literal form.
    /// </summary>
    /// <remarks>
    /// SIP/SIPS (RFC 3261 §19.1.4): same scheme (sip never equals sips); userinfo case-sensitive; host
    /// case-insensitive, IP addresses by value (RFC 5954 §4); port equal including presence; user, ttl, method,
    /// maddr and transport present in both or neither and equal; other parameters compared only when present in
    /// both (names and values case-insensitive); headers present in both and equal, in any order (names
    /// case-insensitive, values case-sensitive, the conservative reading of the per-header rules of §20).
    /// tel (RFC 3966 §4): both global or both local, digits equal ignoring visual separators, the same parameter
    /// names in both with equal values, all case-insensitive. Other schemes: scheme case-insensitive, the rest
    /// case-sensitive after escape normalisation.
    /// </remarks>
    public static bool Equivalent(ReadOnlySpan<byte> a, in SipUri ua, ReadOnlySpan<byte> b, in SipUri ub) =>
        SipUriEquivalence.Equivalent(a, ua, b, ub);

    internal static bool Fits(ByteRange range, int length) =>
        range.Start >= 0 && range.Length >= 0 && range.Start <= length - range.Length;

    internal bool FitsIn(int length) =>
        Fits(SchemeRange, length) && Fits(User, length) && Fits(Password, length) && Fits(Host, length) &&
        Fits(Parameters, length) && Fits(Headers, length) && Fits(Opaque, length) && Fits(MaddrParam, length) &&
        Fits(TransportParam, length) && Fits(UserParam, length) && Fits(MethodParam, length);

    private static ByteRange Shift(ByteRange range, int delta) =>
        range == default ? range : new ByteRange(range.Start + delta, range.Length);

    private static UriError Precheck(ReadOnlySpan<byte> text, out int colon)
    {
        colon = -1;
        if (text.IsEmpty)
        {
            return UriError.Empty;
        }

        // RFC 4475 §3.1.2.8: LWS inside a Request-URI makes it malformed; no URI production admits whitespace.
        if (text.IndexOfAny(" \t\r\n"u8) >= 0)
        {
            return UriError.WhitespaceInUri;
        }

        // "%" is never literal in any URI grammar used here: it must always start "%" HEX HEX (RFC 3261 §25.1 escaped).
        var i = 0;
        while (true)
        {
            var pct = text[i..].IndexOf((byte)'%');
            if (pct < 0)
            {
                break;
            }

            i += pct;
            if (i + 2 >= text.Length || !Ascii.IsHexDigit(text[i + 1]) || !Ascii.IsHexDigit(text[i + 2]))
            {
                return UriError.BadEscape;
            }

            i += 3;
        }

        colon = text.IndexOf((byte)':');
        if (colon < 0)
        {
            return UriError.MissingScheme;
        }

        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3261 §25.1).
        if (colon == 0 || !Ascii.IsAlpha(text[0]))
        {
            return UriError.BadScheme;
        }

        for (var k = 1; k < colon; k++)
        {
            if (!UriChars.Is(text[k], UriChars.SchemeTail))
            {
                return UriError.BadScheme;
            }
        }

        return UriError.None;
    }

    private static UriError ParseSip(ReadOnlySpan<byte> text, int colon, UriScheme scheme, out SipUri uri)
    {
        uri = default;
        var start = colon + 1;
        ByteRange user = default, password = default;
        bool hasUserInfo = false, hasPassword = false;

        // The only unescaped "@" a SIP URI may hold is the userinfo terminator: params and headers cannot contain
        // one, while the user part may contain ";", "?" and "/" (RFC 3261 §25.1 user-unreserved; RFC 4475 §3.1.1.2, §3.1.1.9).
        var at = text[start..].IndexOf((byte)'@');
        var hostStart = start;
        if (at >= 0)
        {
            hasUserInfo = true;
            var userInfo = text.Slice(start, at);
            var pc = userInfo.IndexOf((byte)':');
            var userText = pc < 0 ? userInfo : userInfo[..pc];
            if (userText.IsEmpty || !UriChars.IsValid(userText, UriChars.User))
            {
                return UriError.BadUserInfo;
            }

            user = new ByteRange(start, userText.Length);
            if (pc >= 0)
            {
                hasPassword = true;
                var passwordText = userInfo[(pc + 1)..];
                if (!UriChars.IsValid(passwordText, UriChars.Password))
                {
                    return UriError.BadUserInfo;
                }

                password = new ByteRange(start + pc + 1, passwordText.Length);
            }

            hostStart = start + at + 1;
        }

        var i = hostStart;
        HostKind hostKind;
        if (i < text.Length && text[i] == (byte)'[')
        {
            var close = text[i..].IndexOf((byte)']');
            if (close < 0)
            {
                return UriError.BadHost;
            }

            hostKind = HostParser.Classify(text.Slice(i, close + 1));
            if (hostKind != HostKind.IPv6)
            {
                return UriError.BadHost;
            }

            i += close + 1;
            if (i < text.Length && text[i] != (byte)':' && text[i] != (byte)';' && text[i] != (byte)'?')
            {
                return UriError.TrailingGarbage;
            }
        }
        else
        {
            var end = text[i..].IndexOfAny(":;?"u8);
            i = end < 0 ? text.Length : i + end;
            hostKind = HostParser.Classify(text[hostStart..i]);
            if (hostKind == HostKind.None)
            {
                return UriError.BadHost;
            }
        }

        var host = ByteRange.FromBounds(hostStart, i);
        var port = -1;
        if (i < text.Length && text[i] == (byte)':')
        {
            var portStart = i + 1;
            var end = text[portStart..].IndexOfAny(";?"u8);
            i = end < 0 ? text.Length : portStart + end;
            if (!Ascii.TryParseUInt32(text[portStart..i], out var value) || value > 65535)
            {
                return UriError.BadPort;
            }

            port = (int)value;
        }

        ByteRange parameters = default, transport = default, userParam = default, method = default, maddr = default;
        var ttl = -1;
        var lr = false;
        if (i < text.Length && text[i] == (byte)';')
        {
            var end = text[i..].IndexOf((byte)'?');
            var sectionEnd = end < 0 ? text.Length : i + end;
            parameters = ByteRange.FromBounds(i, sectionEnd);
            var error = ParseSipParameters(text, parameters, out transport, out userParam, out method, out maddr, out ttl, out lr);
            if (error != UriError.None)
            {
                return error;
            }

            i = sectionEnd;
        }

        ByteRange headers = default;
        if (i < text.Length)
        {
            // Only "?" can remain: the host, port and parameter scans above stop at nothing else.
            headers = ByteRange.FromBounds(i + 1, text.Length);
            if (headers.IsEmpty)
            {
                return UriError.BadHeaders;
            }

            var e = new UriHeaderEnumerator(text[(i + 1)..]);
            while (e.MoveNext())
            {
            }

            if (e.Error != UriError.None)
            {
                return e.Error;
            }
        }

        uri = new SipUri
        {
            Scheme = scheme,
            SchemeRange = new ByteRange(0, colon),
            User = user,
            Password = password,
            HasUserInfo = hasUserInfo,
            HasPassword = hasPassword,
            Host = host,
            HostKind = hostKind,
            Port = port,
            Parameters = parameters,
            Headers = headers,
            TransportParam = transport,
            UserParam = userParam,
            MethodParam = method,
            MaddrParam = maddr,
            TtlParam = ttl,
            HasLr = lr,
        };
        return UriError.None;
    }

    private static UriError ParseSipParameters(
        ReadOnlySpan<byte> text,
        ByteRange section,
        out ByteRange transport,
        out ByteRange user,
        out ByteRange method,
        out ByteRange maddr,
        out int ttl,
        out bool lr)
    {
        transport = user = method = maddr = default;
        ttl = -1;
        lr = false;
        var span = text.Slice(section.Start, section.Length);
        var e = new ParameterEnumerator(span, ParameterSyntax.Uri);
        while (e.MoveNext())
        {
            var p = e.Current;
            var name = span.Slice(p.Name.Start, p.Name.Length);
            var value = p.HasValue ? span.Slice(p.Value.Start, p.Value.Length) : default;
            var absolute = new ByteRange(p.Value.Start + section.Start, p.Value.Length);

            if (UriEscaping.EscapedEqualsLiteral(name, "lr"u8, ignoreCase: true))
            {
                lr = true;
                continue;
            }

            if (UriEscaping.EscapedEqualsLiteral(name, "transport"u8, ignoreCase: true))
            {
                if (!SetOnce(ref transport, p, absolute))
                {
                    return UriError.BadParameter;
                }
            }
            else if (UriEscaping.EscapedEqualsLiteral(name, "user"u8, ignoreCase: true))
            {
                if (!SetOnce(ref user, p, absolute))
                {
                    return UriError.BadParameter;
                }
            }
            else if (UriEscaping.EscapedEqualsLiteral(name, "method"u8, ignoreCase: true))
            {
                if (!SetOnce(ref method, p, absolute))
                {
                    return UriError.BadParameter;
                }
            }
            else if (UriEscaping.EscapedEqualsLiteral(name, "maddr"u8, ignoreCase: true))
            {
                // maddr-param = "maddr=" host (RFC 3261 §25.1).
                if (!SetOnce(ref maddr, p, absolute) || HostParser.Classify(value) == HostKind.None)
                {
                    return UriError.BadParameter;
                }
            }
            else if (UriEscaping.EscapedEqualsLiteral(name, "ttl"u8, ignoreCase: true))
            {
                // ttl = 1*3DIGIT ; 0 to 255 (RFC 3261 §25.1).
                if (!p.HasValue || ttl >= 0 || value.Length > 3 || !Ascii.TryParseUInt32(value, out var t) || t > 255)
                {
                    return UriError.BadParameter;
                }

                ttl = (int)t;
            }
        }

        return e.Error switch
        {
            ParameterError.None => UriError.None,
            ParameterError.BadEscape => UriError.BadEscape,
            _ => UriError.BadParameter,
        };
    }

    // transport/user/method/maddr have no value-less form in RFC 3261 §25.1. A repeated one is rejected too:
    // elements that picked different occurrences would route the same request differently.
    private static bool SetOnce(ref ByteRange slot, Parameter p, ByteRange absolute)
    {
        if (!p.HasValue || !slot.IsEmpty)
        {
            return false;
        }

        slot = absolute;
        return true;
    }

    private static UriError ParseTel(ReadOnlySpan<byte> text, int colon, out SipUri uri)
    {
        uri = default;
        var start = colon + 1;
        var semi = text[start..].IndexOf((byte)';');
        var numberEnd = semi < 0 ? text.Length : start + semi;
        if (!IsTelNumber(text[start..numberEnd]))
        {
            return UriError.BadOpaque;
        }

        ByteRange parameters = default;
        if (numberEnd < text.Length)
        {
            parameters = ByteRange.FromBounds(numberEnd, text.Length);
            if (!ParameterEnumerator.Validate(text[numberEnd..], ParameterSyntax.Uri, out var perror, out _))
            {
                return perror == ParameterError.BadEscape ? UriError.BadEscape : UriError.BadParameter;
            }
        }

        uri = new SipUri
        {
            Scheme = UriScheme.Tel,
            SchemeRange = new ByteRange(0, colon),
            Opaque = ByteRange.FromBounds(start, numberEnd),
            Parameters = parameters,
        };
        return UriError.None;
    }

    /// <summary>
    /// RFC 3966 §3: <c>global-number-digits = "+" *phonedigit DIGIT *phonedigit</c> or
    /// <c>local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex</c>. "#" must travel escaped
    /// in a URI, so escapes are decoded before the check. The phone-context RFC 3966 requires for local numbers
    /// is not enforced here: many deployed elements send bare local numbers.
    /// </summary>
    internal static bool IsTelNumber(ReadOnlySpan<byte> number)
    {
        if (number.IsEmpty)
        {
            return false;
        }

        var global = number[0] == (byte)'+';
        var significant = false;
        var i = global ? 1 : 0;
        while (i < number.Length)
        {
            var b = number[i];
            if (b == (byte)'%' && i + 2 < number.Length && Ascii.IsHexDigit(number[i + 1]) && Ascii.IsHexDigit(number[i + 2]))
            {
                b = (byte)((Ascii.HexValue(number[i + 1]) << 4) | Ascii.HexValue(number[i + 2]));
                i += 3;
            }
            else
            {
                i++;
            }

            if (IsVisualSeparator(b))
            {
                continue;
            }

            if (global ? Ascii.IsDigit(b) : (Ascii.IsHexDigit(b) || b == (byte)'*' || b == (byte)'#'))
            {
                significant = true;
                continue;
            }

            return false;
        }

        return significant;
    }

    internal static bool IsVisualSeparator(byte b) => b is (byte)'-' or (byte)'.' or (byte)'(' or (byte)')';

    private static UriError ParseAbsolute(ReadOnlySpan<byte> text, int colon, out SipUri uri)
    {
        uri = default;
        var body = text[(colon + 1)..];

        // absoluteURI = scheme ":" ( hier-part / opaque-part ), both 1* uric in effect (RFC 3261 §25.1, RFC 2396).
        if (body.IsEmpty || !UriChars.IsValid(body, UriChars.Uric))
        {
            return UriError.BadOpaque;
        }

        uri = new SipUri
        {
            Scheme = UriScheme.Unknown,
            SchemeRange = new ByteRange(0, colon),
            Opaque = ByteRange.FromBounds(colon + 1, text.Length),
        };
        return UriError.None;
    }
}
