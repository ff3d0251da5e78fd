using Parley.Protocol.Text;

namespace Parley.Protocol.Uri;

/// <summary>
/// "%" HEX HEX handling for URI components (RFC 3261 §19.1.2, §19.1.4). Comparisons decode escapes on the fly,
/// once and never recursively, so <c>%2541</c> compares as the three octets <c>%41</c>, never as <c>A</c>.
/// </summary>
public static class UriEscaping
{
    // Escaped octets from the RFC 2396 "reserved" set are tagged with this bit so they never match their literal form.
    private const int EscapedReservedTag = 0x100;

    /// <summary>
    /// Compares two escaped components. An escaped octet equals its literal form unless it is in the RFC 2396
    /// <c>reserved</c> set (RFC 3261 §19.1.4: only characters outside "reserved" are equivalent to their
    /// encoding), so <c>%61lice</c> equals <c>alice</c> but <c>a%3Bb</c> does not equal <c>a;b</c>.
    /// Hex digits of escapes are case-insensitive; <paramref name="ignoreCase"/> also folds ASCII letters.
    /// </summary>
    public static bool EscapedEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, bool ignoreCase)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (!UnitsEqual(Next(a, ref i), Next(b, ref j), ignoreCase))
            {
                return false;
            }
        }

        return i == a.Length && j == b.Length;
    }

    /// <summary>
    /// Compares an escaped component with a plain literal (for example a parameter name such as <c>lr</c>),
    /// so <c>%6C%72</c> matches <c>lr</c> (RFC 4475 §3.1.1.3).
    /// </summary>
    public static bool EscapedEqualsLiteral(ReadOnlySpan<byte> escaped, ReadOnlySpan<byte> literal, bool ignoreCase)
    {
        int i = 0, j = 0;
        while (i < escaped.Length && j < literal.Length)
        {
            if (!UnitsEqual(Next(escaped, ref i), literal[j++], ignoreCase))
            {
                return false;
            }
        }

        return i == escaped.Length && j == literal.Length;
    }

    /// <summary>
    /// Decodes every valid escape of <paramref name="escaped"/> into <paramref name="destination"/>, once.
    /// An invalid escape is copied literally. Fails only when <paramref name="destination"/> is too small;
    /// <c>escaped.Length</c> octets always suffice.
    /// </summary>
    public static bool TryUnescape(ReadOnlySpan<byte> escaped, Span<byte> destination, out int written)
    {
        written = 0;
        var i = 0;
        while (i < escaped.Length)
        {
            if (written == destination.Length)
            {
                return false;
            }

            destination[written++] = (byte)(Next(escaped, ref i) & 0xFF);
        }

        return true;
    }

    /// <summary>Octet count after unescaping.</summary>
    public static int UnescapedLength(ReadOnlySpan<byte> escaped)
    {
        int count = 0, i = 0;
        while (i < escaped.Length)
        {
            Next(escaped, ref i);
            count++;
        }

        return count;
    }

    private static int Next(ReadOnlySpan<byte> s, ref int i)
    {
        var b = s[i];
        if (b == (byte)'%' && i + 2 < s.Length)
        {
            var hi = Ascii.HexValue(s[i + 1]);
            var lo = Ascii.HexValue(s[i + 2]);
            if (hi >= 0 && lo >= 0)
            {
                i += 3;
                var value = (hi << 4) | lo;
                return UriChars.Is((byte)value, UriChars.Reserved) ? value | EscapedReservedTag : value;
            }
        }

        i++;
        return b;
    }

    private static bool UnitsEqual(int x, int y, bool ignoreCase)
    {
        if (x == y)
        {
            return true;
        }

        // Tagged (escaped reserved) units are > 0xFF and never letters, so folding leaves them distinct.
        return ignoreCase && x <= 0xFF && y <= 0xFF && Ascii.ToLower((byte)x) == Ascii.ToLower((byte)y);
    }
}
