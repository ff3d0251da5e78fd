namespace Parley.Protocol.Tests.Fuzz;

/// <summary>
/// Deterministic byte-level mutations of SIP messages, aimed at the places a parser gets wrong: separators and quotes
/// injected, line ends added or removed, chunks duplicated, digit runs grown past every integer width, truncation.
/// </summary>
internal sealed class Mutator(Random random)
{
    private static readonly byte[][] Injections =
    [
        "\r\n"u8.ToArray(), "\r\n "u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(),
        ":"u8.ToArray(), ";"u8.ToArray(), ","u8.ToArray(), "\""u8.ToArray(), "<"u8.ToArray(), ">"u8.ToArray(),
        "\\"u8.ToArray(), "="u8.ToArray(), "@"u8.ToArray(), "?"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "/"u8.ToArray(),
        [0], [0xFF], "\r\n\r\n"u8.ToArray(), ";tag="u8.ToArray(), ";branch="u8.ToArray(), ";rport"u8.ToArray(), ";received="u8.ToArray(),
        "\r\nContent-Length: 5\r\n"u8.ToArray(), "\r\nVia: SIP/2.0/UDP h\r\n"u8.ToArray(), "\r\nRoute: <sip:r;lr>\r\n"u8.ToArray(),
        "\r\nl: 0\r\n"u8.ToArray(), "\r\nMax-Forwards: 1\r\n"u8.ToArray(), "SIP/2.0"u8.ToArray(),
    ];

    private static readonly byte[] Interesting = "\r\n \t:;,\"<>\\=@?[]/0123456789-"u8.ToArray();

    public int OperationCount => 9;

    /// <summary>Applies 1 to 4 random operations to a copy of <paramref name="seed"/>.</summary>
    public byte[] Mutate(byte[] seed)
    {
        var data = new List<byte>(seed);
        var operations = random.Next(1, 5);
        for (var i = 0; i < operations; i++)
        {
            Apply(data, random.Next(OperationCount));
        }

        return [.. data];
    }

    public void Apply(List<byte> data, int operation)
    {
        switch (operation)
        {
            case 0: // bit flip
                if (data.Count > 0)
                {
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 1: // insert a byte, often one that means something to SIP
                data.Insert(random.Next(data.Count + 1), random.Next(3) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)]);
                break;
            case 2: // delete a byte or a short run
                if (data.Count > 0)
                {
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, random.Next(4) == 0 ? random.Next(1, 32) : 1));
                }

                break;
            case 3: // duplicate a chunk somewhere else
                if (data.Count > 0)
                {
                    var from = random.Next(data.Count);
                    var length = Math.Min(data.Count - from, random.Next(1, 200));
                    var chunk = data.GetRange(from, length);
                    data.InsertRange(random.Next(data.Count + 1), chunk);
                }

                break;
            case 4: // inject a separator, quote, bracket, line end or header fragment
                data.InsertRange(random.Next(data.Count + 1), Injections[random.Next(Injections.Length)]);
                break;
            case 5: // replace a byte at a syntactically interesting place (a separator) with another separator
                {
                    var at = FindInteresting(data);
                    if (at >= 0)
                    {
                        data[at] = Interesting[random.Next(Interesting.Length)];
                    }

                    break;
                }

            case 6: // truncate: keep a prefix (a short read) or a suffix (a stream picked up mid-message)
                if (data.Count > 0)
                {
                    var at = random.Next(data.Count);
                    if (random.Next(2) == 0)
                    {
                        data.RemoveRange(at, data.Count - at);
                    }
                    else
                    {
                        data.RemoveRange(0, at);
                    }
                }

                break;
            case 7: // enlarge a run of digits: past 255, 65535, 2^31, 2^32, 2^64
                EnlargeDigits(data);
                break;
            default: // remove a line end, joining two lines (or breaking a fold)
                {
                    var at = data.IndexOf((byte)'\n', random.Next(data.Count + 1));
                    if (at >= 0)
                    {
                        data.RemoveAt(at);
                    }

                    break;
                }
        }
    }

    private int FindInteresting(List<byte> data)
    {
        if (data.Count == 0)
        {
            return -1;
        }

        var start = random.Next(data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var at = (start + i) % data.Count;
            if (Array.IndexOf(Interesting, data[at]) >= 0)
            {
                return at;
            }
        }

        return -1;
    }

    private void EnlargeDigits(List<byte> data)
    {
        if (data.Count == 0)
        {
            return;
        }

        var start = random.Next(data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var at = (start + i) % data.Count;
            if (data[at] is >= (byte)'0' and <= (byte)'9')
            {
                var digits = random.Next(4) switch
                {
                    0 => "256",
                    1 => "65536",
                    2 => "4294967296",
                    _ => new string('9', random.Next(11, 40)),
                };
                data.InsertRange(at, System.Text.Encoding.ASCII.GetBytes(digits));
                return;
            }
        }
    }
}
