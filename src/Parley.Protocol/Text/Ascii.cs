namespace Parley.Protocol.Text;

/// <summary>
/// Allocation-free ASCII helpers for SIP text (RFC 3261 §25.1). SIP's grammar is defined over octets, so
/// everything here works on bytes and never touches <see cref="string"/> or culture data.
/// </summary>
public static class Ascii
{
    private const byte TokenFlag = 0x01;
    private const byte AlphaFlag = 0x02;
    private const byte DigitFlag = 0x04;
    private const byte HexFlag = 0x08;
    private const byte WspFlag = 0x10;

    // One entry per octet: bit 0 token (RFC 3261 §25.1: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"),
    // bit 1 ALPHA, bit 2 DIGIT, bit 3 HEXDIG, bit 4 WSP (SP / HTAB). Octets >= 0x80 are in no class.
    private static ReadOnlySpan<byte> Classes =>
    [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0x00
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0x10
        0x10, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00,  // 0x20
        0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0x30
        0x00, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  // 0x40
        0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01,  // 0x50
        0x01, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  // 0x60
        0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00,  // 0x70
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0x80
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0x90
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0xA0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0xB0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0xC0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0xD0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0xE0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 0xF0
    ];

    /// <summary>True for octets allowed in a <c>token</c> (RFC 3261 §25.1).</summary>
    public static bool IsTokenChar(byte b) => (Classes[b] & TokenFlag) != 0;

    public static bool IsAlpha(byte b) => (Classes[b] & AlphaFlag) != 0;

    public static bool IsDigit(byte b) => (Classes[b] & DigitFlag) != 0;

    public static bool IsAlphaNumeric(byte b) => (Classes[b] & (AlphaFlag | DigitFlag)) != 0;

    public static bool IsHexDigit(byte b) => (Classes[b] & HexFlag) != 0;

    /// <summary>SP or HTAB (RFC 3261 §25.1 <c>WSP</c>).</summary>
    public static bool IsWsp(byte b) => (Classes[b] & WspFlag) != 0;

    /// <summary>Value of a hex digit (either case), or -1 when <paramref name="b"/> is not one.</summary>
    public static int HexValue(byte b)
    {
        if ((uint)(b - '0') <= 9)
        {
            return b - '0';
        }

        var lower = b | 0x20;
        return (uint)(lower - 'a') <= 5 ? lower - 'a' + 10 : -1;
    }

    /// <summary>Folds A-Z to a-z; every other octet (including non-ASCII) is returned unchanged.</summary>
    public static byte ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>Ordinal comparison that folds ASCII letters only.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLower(a[i]) != ToLower(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="text"/> is a non-empty <c>token</c> (RFC 3261 §25.1).</summary>
    public static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Parses <c>1*DIGIT</c> as an unsigned 32-bit value. No sign, no whitespace; leading zeros are allowed
    /// (RFC 4475 §3.1.1.1 uses "0068"). Returns false on empty input, any non-digit, or overflow.
    /// </summary>
    public static bool TryParseUInt32(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        uint acc = 0;
        foreach (var b in text)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            // acc * 10 + digit must stay <= uint.MaxValue (4294967295).
            if (acc > 429496729 || (acc == 429496729 && digit > 5))
            {
                return false;
            }

            acc = (acc * 10) + digit;
        }

        value = acc;
        return true;
    }

    /// <summary>
    /// Parses <c>["-"] 1*DIGIT</c> as a signed 32-bit value. A minus sign is accepted so callers can see and
    /// reject negative values explicitly (RFC 4475 §3.1.2.3 sends Content-Length: -999); "+" is not accepted.
    /// Returns false on empty input, a lone sign, any non-digit, or overflow.
    /// </summary>
    public static bool TryParseInt32(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == (byte)'-';
        if (!TryParseUInt32(negative ? text[1..] : text, out var magnitude))
        {
            return false;
        }

        if (negative)
        {
            if (magnitude > 2147483648u)
            {
                return false;
            }

            value = (int)(0u - magnitude);
            return true;
        }

        if (magnitude > int.MaxValue)
        {
            return false;
        }

        value = (int)magnitude;
        return true;
    }
}
