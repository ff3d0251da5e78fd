using System.Buffers;

namespace Parley.Protocol.Parsing;

/// <summary>RFC 3261 §25.1 character classes and scanners over absolute positions in a buffer. Nothing here allocates.</summary>
internal static class Lexer
{
    // token characters plus ':' and '[' ']' for host values such as received=2001:db8::1 (RFC 3261 §25.1).
    private static readonly SearchValues<byte> ParamValueChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~:[]"u8);

    /// <summary>RFC 3261 §25.1 token character; the table lives in <see cref="Text.Ascii"/>.</summary>
    public static bool IsToken(byte b) => Text.Ascii.IsTokenChar(b);

    /// <summary>SP, HTAB, and CR/LF of a folded line: inside a header value all are linear white space.</summary>
    public static bool IsLws(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static int SkipLws(ReadOnlySpan<byte> buf, int pos, int end)
    {
        while (pos < end && IsLws(buf[pos]))
        {
            pos++;
        }

        return pos;
    }

    public static int TrimEnd(ReadOnlySpan<byte> buf, int start, int end)
    {
        while (end > start && IsLws(buf[end - 1]))
        {
            end--;
        }

        return end;
    }

    public static int ScanToken(ReadOnlySpan<byte> buf, int pos, int end)
    {
        while (pos < end && IsToken(buf[pos]))
        {
            pos++;
        }

        return pos;
    }

    /// <summary>At an opening quote, returns the position after the closing quote, or -1 when unterminated (RFC 4475 §3.1.2.6).</summary>
    public static int ScanQuoted(ReadOnlySpan<byte> buf, int pos, int end)
    {
        pos++;
        while (pos < end)
        {
            var b = buf[pos];
            if (b == '"')
            {
                return pos + 1;
            }

            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            pos += b == '\\' ? 2 : 1;
        }

        return -1;
    }

    /// <summary>Digits only, leading zeros allowed (RFC 4475 §3.1.1.1), false on overflow past <paramref name="max"/>.</summary>
    public static bool TryParseDigits(ReadOnlySpan<byte> digits, ulong max, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (var b in digits)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            value = (value * 10) + (ulong)(b - '0');
            if (value > max)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads one generic-param (RFC 3261 §25.1: <c>SEMI token [EQUAL (token / host / quoted-string)]</c>) starting at the ';'.
    /// Returns false on an empty name or a bad value; <paramref name="pos"/> ends after the parameter and trailing LWS.
    /// </summary>
    public static bool TryReadParam(ReadOnlySpan<byte> buf, ref int pos, int end, out ByteRange name, out ByteRange value, out bool hasValue)
    {
        value = default;
        hasValue = false;
        var p = SkipLws(buf, pos + 1, end);
        var nameEnd = ScanToken(buf, p, end);
        name = ByteRange.FromBounds(p, nameEnd);
        if (name.IsEmpty)
        {
            return false;
        }

        p = SkipLws(buf, nameEnd, end);
        if (p < end && buf[p] == '=')
        {
            hasValue = true;
            p = SkipLws(buf, p + 1, end);
            if (p < end && buf[p] == '"')
            {
                var q = ScanQuoted(buf, p, end);
                if (q < 0)
                {
                    return false;
                }

                value = ByteRange.FromBounds(p, q);
                p = q;
            }
            else
            {
                var v = p;
                var length = buf[p..end].IndexOfAnyExcept(ParamValueChars);
                p = length < 0 ? end : p + length;

                value = ByteRange.FromBounds(v, p);
                if (value.IsEmpty)
                {
                    return false;
                }
            }
        }

        pos = SkipLws(buf, p, end);
        return true;
    }

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => System.Text.Ascii.EqualsIgnoreCase(a, b);
}
