using System.Security.Cryptography;

namespace Parley.Protocol.Writing;

/// <summary>
/// To tags for replies Parley sends without a transaction (OpenSIPS's sl module): derived from the Call-ID, the From tag
/// and the top Via branch with a per-process secret, so a retransmitted request gets the same tag (RFC 3261 §8.2.6.2
/// asks for the same tag on every response of one request) while tags stay unguessable across restarts.
/// </summary>
public static class StatelessTag
{
    private static readonly ulong Secret = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    public const int Length = 16;

    public static void Write(SipMessage request, Span<byte> destination)
    {
        var hash = 14695981039346656037UL ^ Secret;
        hash = Mix(hash, request[request.CallId]);
        if (request.TryGetFrom(out var from))
        {
            hash = Mix(hash, request[from.Tag]);
        }

        if (request.TryGetTopVia(out var via))
        {
            hash = Mix(hash, request[via.Branch]);
        }

        for (var i = Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(hash & 0xF)];
            hash >>= 4;
        }
    }

    private static ulong Mix(ulong hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL; // FNV-1a
        }

        return (hash ^ 0xFF) * 1099511628211UL;
    }
}
