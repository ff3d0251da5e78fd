namespace Parley.Modules.SipMsgOps;

/// <summary>
/// Shell wildcard matching as <c>fnmatch(pattern, name, FNM_CASEFOLD)</c> for <c>remove_hf_glob</c>: <c>*</c> any run,
/// <c>?</c> one character, <c>[a-z]</c>/<c>[!x]</c>/<c>[^x]</c> sets, <c>\</c> escapes; ASCII case-insensitive.
/// </summary>
internal static class Glob
{
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                starP = ++p;
                starT = t;
                continue;
            }

            if (p < pattern.Length && MatchOne(pattern, ref p, text[t]))
            {
                t++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            // Backtrack: let the last '*' swallow one more character.
            p = starP;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>, advancing past it on success.</summary>
    private static bool MatchOne(ReadOnlySpan<byte> pattern, ref int p, byte c)
    {
        var lc = Lower(c);
        switch (pattern[p])
        {
            case (byte)'?':
                p++;
                return true;
            case (byte)'\\' when p + 1 < pattern.Length:
                if (Lower(pattern[p + 1]) != lc)
                {
                    return false;
                }

                p += 2;
                return true;
            case (byte)'[':
            {
                var i = p + 1;
                var negate = i < pattern.Length && pattern[i] is (byte)'!' or (byte)'^';
                if (negate)
                {
                    i++;
                }

                var matched = false;
                var first = true;
                while (i < pattern.Length && (first || pattern[i] != (byte)']'))
                {
                    first = false;
                    var lo = Lower(pattern[i]);
                    if (i + 2 < pattern.Length && pattern[i + 1] == (byte)'-' && pattern[i + 2] != (byte)']')
                    {
                        matched |= lc >= lo && lc <= Lower(pattern[i + 2]);
                        i += 3;
                    }
                    else
                    {
                        matched |= lc == lo;
                        i++;
                    }
                }

                if (i >= pattern.Length)
                {
                    // No closing ']': the '[' is an ordinary character.
                    if (lc != (byte)'[')
                    {
                        return false;
                    }

                    p++;
                    return true;
                }

                if (matched == negate)
                {
                    return false;
                }

                p = i + 1;
                return true;
            }

            default:
                if (Lower(pattern[p]) != lc)
                {
                    return false;
                }

                p++;
                return true;
        }
    }

    private static byte Lower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c | 0x20) : c;
}
