using Parley.Transactions.Matching;

namespace Parley.Dialogs.Core;

/// <summary>
/// A dialog's identity in OpenSIPS's formats (opensips-behaviour.md §2): the bucket <c>h_entry</c> is OpenSIPS's
/// <c>core_hash</c> of the trimmed Call-ID masked to the table size, the DID is <c>reverse-hex(h_entry) "."
/// reverse-hex(h_id)</c> and the DB id is <c>(h_entry &lt;&lt; 32) | h_id</c>, so IDs match what OpenSIPS would print.
/// </summary>
public static class DialogId
{
    /// <summary>Longest DID text: two 8-digit reverse-hex numbers and the dot.</summary>
    public const int MaxLength = 17;

    /// <summary>The bucket of <paramref name="callId"/> in a table of <paramref name="size"/> (a power of two) buckets.</summary>
    public static uint Entry(ReadOnlySpan<byte> callId, int size) => TmHash.Hash(Trim(callId)) & (uint)(size - 1);

    /// <summary>OpenSIPS's <c>dlg_id</c>: <c>(h_entry &lt;&lt; 32) | h_id</c>.</summary>
    public static ulong DbId(uint hEntry, uint hId) => ((ulong)hEntry << 32) | hId;

    /// <summary>Writes the DID into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); returns its length.</summary>
    public static int Format(uint hEntry, uint hId, Span<byte> destination)
    {
        var n = WriteReverseHex(hEntry, destination);
        destination[n++] = (byte)'.';
        return n + WriteReverseHex(hId, destination[n..]);
    }

    /// <summary>The DID as a string (MI, events, <c>$DLG_did</c>).</summary>
    public static string Format(uint hEntry, uint hId)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        return System.Text.Encoding.ASCII.GetString(buffer[..Format(hEntry, hId, buffer)]);
    }

    /// <summary>
    /// Parses a DID (<c>h_entry.h_id</c> in reverse hex, either case). False for anything else: no dot, an empty or
    /// non-hex part, or a part longer than 8 digits (OpenSIPS's <c>parse_dlg_did</c>).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out uint hEntry, out uint hId)
    {
        hEntry = hId = 0;
        var dot = text.IndexOf((byte)'.');
        return dot > 0 && TryParseReverseHex(text[..dot], out hEntry) && TryParseReverseHex(text[(dot + 1)..], out hId);
    }

    /// <inheritdoc cref="TryParse(ReadOnlySpan{byte}, out uint, out uint)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out uint hEntry, out uint hId)
    {
        hEntry = hId = 0;
        if (text.Length > MaxLength || !System.Text.Ascii.IsValid(text))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[MaxLength];
        var n = System.Text.Encoding.ASCII.GetBytes(text, bytes);
        return TryParse(bytes[..n], out hEntry, out hId);
    }

    /// <summary>Lowercase hex, least significant nibble first, no padding; zero is "0" (OpenSIPS's <c>int2reverse_hex</c>).</summary>
    public static int WriteReverseHex(uint value, Span<byte> destination)
    {
        var n = 0;
        do
        {
            destination[n++] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
        while (value != 0);

        return n;
    }

    /// <summary>Reads reverse hex (OpenSIPS's <c>reverse_hex2int</c>: the last character is the most significant digit).</summary>
    public static bool TryParseReverseHex(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 8)
        {
            return false;
        }

        for (var i = text.Length - 1; i >= 0; i--)
        {
            var c = text[i];
            uint digit;
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                digit = (uint)(c - '0');
            }
            else if (c is >= (byte)'a' and <= (byte)'f')
            {
                digit = (uint)(c - 'a' + 10);
            }
            else if (c is >= (byte)'A' and <= (byte)'F')
            {
                digit = (uint)(c - 'A' + 10);
            }
            else
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    /// <summary>The Call-ID as OpenSIPS hashes it: without surrounding whitespace (its <c>trim()</c>).</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> callId) => callId.Trim(" \t\r\n"u8);
}
