using System.Buffers.Text;

namespace Parley.Transactions.Matching;

/// <summary>
/// The transaction table's bucket of a request: OpenSIPS's <c>core_hash</c> (hash_func.h) over the Call-ID and the CSeq
/// number, masked to 65536 buckets (opensips-behaviour.md §9.1). Computed exactly as OpenSIPS does (bytes read as C's
/// signed <c>char</c> on x86) so <c>t_hash</c>, <c>$T_id</c> and branch values are the ones an OpenSIPS would produce.
/// </summary>
public static class TmHash
{
    public const int TableSize = 65536;

    /// <summary><c>core_hash(callId, cseqNumber, 65536)</c>.</summary>
    public static int Bucket(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> cseqNumber) =>
        (int)(Finish(Update(Update(0, callId), cseqNumber)) & (TableSize - 1));

    /// <summary>The bucket for a CSeq number held as an integer (formatted as its decimal digits).</summary>
    public static int Bucket(ReadOnlySpan<byte> callId, uint cseqNumber)
    {
        Span<byte> digits = stackalloc byte[10];
        Utf8Formatter.TryFormat(cseqNumber, digits, out var n);
        return Bucket(callId, digits[..n]);
    }

    /// <summary>The unmasked hash of one or two strings (OpenSIPS's <c>core_hash(s1, s2, 0)</c>).</summary>
    public static uint Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default) =>
        Finish(Update(Update(0, first), second));

    private static uint Update(uint h, ReadOnlySpan<byte> s)
    {
        uint v;
        var p = 0;
        for (; p + 4 <= s.Length; p += 4)
        {
            v = (uint)(((sbyte)s[p] << 24) + ((sbyte)s[p + 1] << 16) + ((sbyte)s[p + 2] << 8) + (sbyte)s[p + 3]);
            h += v ^ (v >> 3);
        }

        v = 0;
        for (; p < s.Length; p++)
        {
            v <<= 8;
            v += (uint)(sbyte)s[p];
        }

        h += v ^ (v >> 3);
        return h;
    }

    private static uint Finish(uint h) => h + (h >> 11) + ((h >> 13) + (h >> 23));
}
