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

    /// <summary>Length of the <c>syn_branch=0</c> key: 32 lower-case hex digits of an MD5.</summary>
    public const int KeyLength = 32;

    /// <summary>Longest <c>syn_branch=0</c> value: cookie + 8 + 1 + 32 + 1 + 8 hex digits.</summary>
    public const int MaxKeyedLength = 7 + 8 + 1 + KeyLength + 1 + 8;

    /// <summary>
    /// The <c>syn_branch=0</c> branch (OpenSIPS's <c>branch_builder</c> with a "characteristic value"): the label is
    /// replaced by <paramref name="key"/>, the request's MD5 (<see cref="ComputeKey"/>), so the branch of a request does
    /// not depend on this process's labels and survives a restart.
    /// </summary>
    public static int Write(Span<byte> destination, int bucket, ReadOnlySpan<byte> key, int branchIndex)
    {
        MagicCookie.CopyTo(destination);
        var n = MagicCookie.Length;
        n += WriteReverseHex(destination[n..], (uint)bucket);
        destination[n++] = (byte)'.';
        key.CopyTo(destination[n..]);
        n += key.Length;
        destination[n++] = (byte)'.';
        n += WriteReverseHex(destination[n..], (uint)branchIndex);
        return n;
    }

    /// <summary>Splits a branch made by the keyed <see cref="Write(Span{byte}, int, ReadOnlySpan{byte}, int)"/>; false for any other.</summary>
    public static bool TryParseKeyed(ReadOnlySpan<byte> branch, out int bucket, out ReadOnlySpan<byte> key, out int branchIndex)
    {
        bucket = 0;
        key = default;
        branchIndex = 0;
        if (branch.Length <= MagicCookie.Length || !branch[..MagicCookie.Length].SequenceEqual(MagicCookie))
        {
            return false;
        }

        var rest = branch[MagicCookie.Length..];
        var dot1 = rest.IndexOf((byte)'.');
        if (dot1 <= 0 || rest.Length < dot1 + 1 + KeyLength + 2 || rest[dot1 + 1 + KeyLength] != (byte)'.')
        {
            return false;
        }

        if (!TryReadReverseHex(rest[..dot1], out var b) || b >= TmHash.TableSize
            || !TryReadReverseHex(rest[(dot1 + KeyLength + 2)..], out var index) || index > int.MaxValue)
        {
            return false;
        }

        key = rest.Slice(dot1 + 1, KeyLength);
        bucket = (int)b;
        branchIndex = (int)index;
        return true;
    }

    /// <summary>
    /// OpenSIPS's <c>char_msg_val</c>: the MD5, as 32 lower-case hex digits, of the request's transaction key — From,
    /// To and Call-ID bodies, Request-URI, CSeq number, and the top Via's host, port and branch — each trimmed of
    /// surrounding white space. False (and '0's) when a header of the key is missing.
    /// </summary>
    public static bool ComputeKey(Parley.Protocol.SipMessage request, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = destination[..KeyLength];
        var from = request.IndexOf(Parley.Protocol.HeaderKind.From);
        var to = request.IndexOf(Parley.Protocol.HeaderKind.To);
        var cseq = request.IndexOf(Parley.Protocol.HeaderKind.CSeq);
        if (from < 0 || to < 0 || cseq < 0 || request.CallId.Length == 0 || !request.TryGetTopVia(out var via))
        {
            key.Fill((byte)'0');
            return false;
        }

#pragma warning disable CA5351 // OpenSIPS's synonym-free branch is an MD5 by definition (a fingerprint, not security).
        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
#pragma warning restore CA5351
        var headers = request.Headers;
        md5.AppendData(Trim(request[headers[from].Value]));
        md5.AppendData(Trim(request[headers[to].Value]));
        md5.AppendData(Trim(request[request.CallId]));
        md5.AppendData(Trim(request[request.RequestUri]));
        var cseqValue = Trim(request[headers[cseq].Value]);
        var space = cseqValue.IndexOfAny((byte)' ', (byte)'\t');
        md5.AppendData(space < 0 ? cseqValue : cseqValue[..space]);
        md5.AppendData(Trim(request[via.Host]));
        var afterHost = request.Buffer.AsSpan(via.Host.Start + via.Host.Length, Math.Max(0, via.Value.Start + via.Value.Length - via.Host.Start - via.Host.Length));
        if (afterHost.Length > 1 && afterHost[0] == (byte)':')
        {
            var digits = afterHost[1..];
            var end = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
            md5.AppendData(end < 0 ? digits : digits[..end]);
        }

        if (via.HasBranch)
        {
            md5.AppendData(Trim(request[via.Branch]));
        }

        Span<byte> digest = stackalloc byte[16];
        md5.GetHashAndReset(digest);
        for (var i = 0; i < digest.Length; i++)
        {
            key[2 * i] = Hex(digest[i] >> 4);
            key[(2 * i) + 1] = Hex(digest[i] & 0xF);
        }

        return true;

        static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);

        static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value) => value.Trim(" \t\r\n"u8);
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
