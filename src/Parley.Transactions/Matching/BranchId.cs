namespace Parley.Transactions.Matching;

/// <summary>
/// The Via branch tm puts on each outgoing branch (opensips-behaviour.md §9.2, <c>syn_branch=1</c>):
/// <c>z9hG4bK</c> + revhex(bucket) + <c>.</c> + revhex(label) + <c>.</c> + revhex(branch index), where revhex writes
/// the hexadecimal digits lowest first (OpenSIPS's <c>int2reverse_hex</c>). A reply's top Via branch therefore names
/// its transaction and branch directly: matching is O(1).
/// </summary>
public static class BranchId
{
    /// <summary>RFC 3261 §8.1.1.7 magic cookie.</summary>
    public static ReadOnlySpan<byte> MagicCookie => "z9hG4bK"u8;

    /// <summary>Longest value: cookie + 8 + 1 + 8 + 1 + 8 hex digits.</summary>
    public const int MaxLength = 7 + 8 + 1 + 8 + 1 + 8;

    public static int Write(Span<byte> destination, int bucket, uint label, int branchIndex)
    {
        MagicCookie.CopyTo(destination);
        var n = MagicCookie.Length;
        n += WriteReverseHex(destination[n..], (uint)bucket);
        destination[n++] = (byte)'.';
        n += WriteReverseHex(destination[n..], label);
        destination[n++] = (byte)'.';
        n += WriteReverseHex(destination[n..], (uint)branchIndex);
        return n;
    }

    public static string ToString(int bucket, uint label, int branchIndex)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        return System.Text.Encoding.ASCII.GetString(buffer[..Write(buffer, bucket, label, branchIndex)]);
    }

    /// <summary>
    /// Splits a branch value made by <see cref="Write"/>; false for anything else (another proxy's or UA's branch, a
    /// bucket outside the table), so such replies are not matched to a transaction.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> branch, out int bucket, out uint label, out int branchIndex)
    {
        bucket = 0;
        label = 0;
        branchIndex = 0;
        if (branch.Length <= MagicCookie.Length || !branch[..MagicCookie.Length].SequenceEqual(MagicCookie))
        {
            return false;
        }

        var rest = branch[MagicCookie.Length..];
        var dot1 = rest.IndexOf((byte)'.');
        if (dot1 <= 0)
        {
            return false;
        }

        var afterFirst = rest[(dot1 + 1)..];
        var dot2 = afterFirst.IndexOf((byte)'.');
        if (dot2 <= 0 || dot2 == afterFirst.Length - 1)
        {
            return false;
        }

        if (!TryReadReverseHex(rest[..dot1], out var b) || b >= TmHash.TableSize
            || !TryReadReverseHex(afterFirst[..dot2], out label)
            || !TryReadReverseHex(afterFirst[(dot2 + 1)..], out var index) || index > int.MaxValue)
        {
            return false;
        }

        bucket = (int)b;
        branchIndex = (int)index;
        return true;
    }

    /// <summary><c>$T_id</c>: revhex(label) <c>.</c> revhex(bucket) (note: the other order than the branch).</summary>
    public static string TransactionId(int bucket, uint label)
    {
        Span<byte> buffer = stackalloc byte[17];
        var n = WriteReverseHex(buffer, label);
        buffer[n++] = (byte)'.';
        n += WriteReverseHex(buffer[n..], (uint)bucket);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>OpenSIPS's <c>int2reverse_hex</c>: lowest digit first, lower case, "0" for zero.</summary>
    internal static int WriteReverseHex(Span<byte> destination, uint value)
    {
        if (value == 0)
        {
            destination[0] = (byte)'0';
            return 1;
        }

        var n = 0;
        while (value != 0)
        {
            var digit = value & 0xF;
            destination[n++] = (byte)(digit < 10 ? '0' + digit : 'a' + digit - 10);
            value >>= 4;
        }

        return n;
    }

    /// <summary>OpenSIPS's <c>reverse_hex2int</c> (either case); at most 8 digits.</summary>
    internal static bool TryReadReverseHex(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 8)
        {
            return false;
        }

        for (var i = text.Length - 1; i >= 0; i--)
        {
            var c = text[i];
            uint digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => (uint)(c - '0'),
                >= (byte)'a' and <= (byte)'f' => (uint)(c - 'a' + 10),
                >= (byte)'A' and <= (byte)'F' => (uint)(c - 'A' + 10),
                _ => uint.MaxValue,
            };
            if (digit == uint.MaxValue)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }
}
