namespace Parley.Protocol.Parsing;

/// <summary>
/// Hashes the Call-ID of an unparsed message by scanning header line starts only. The receive path uses it to pick the
/// worker for a packet before parsing, so every message of one call is handled by one worker in arrival order.
/// </summary>
public static class CallIdHash
{
    /// <summary>A non-negative hash of the trimmed Call-ID value; 0 when none is found (such messages are refused anyway).</summary>
    public static int Compute(ReadOnlySpan<byte> message)
    {
        var pos = 0;
        while (true)
        {
            var nl = message[pos..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                return 0;
            }

            pos += nl + 1;
            if (pos >= message.Length || message[pos] is (byte)'\r' or (byte)'\n')
            {
                return 0; // end of the header section
            }

            var line = message[pos..];
            int nameLength;
            if ((line[0] | 0x20) == 'i' && (line.Length == 1 || line[1] is (byte)':' or (byte)' ' or (byte)'\t'))
            {
                nameLength = 1;
            }
            else if (line.Length > 7 && System.Text.Ascii.EqualsIgnoreCase(line[..7], "Call-ID"u8) && line[7] is (byte)':' or (byte)' ' or (byte)'\t')
            {
                nameLength = 7;
            }
            else
            {
                continue;
            }

            var p = nameLength;
            while (p < line.Length && line[p] is (byte)' ' or (byte)'\t')
            {
                p++;
            }

            if (p >= line.Length || line[p] != ':')
            {
                continue;
            }

            p = Lexer.SkipLws(line, p + 1, line.Length);
            var end = p;
            while (end < line.Length && !Lexer.IsLws(line[end]))
            {
                end++;
            }

            var hash = 2166136261u;
            foreach (var b in line[p..end])
            {
                hash = (hash ^ b) * 16777619u;
            }

            return (int)(hash & 0x7FFFFFFF);
        }
    }
}
