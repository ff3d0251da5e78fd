using System.Buffers.Text;

namespace Parley.Protocol.Writing;

/// <summary>
/// Builds a response to a request as RFC 3261 §8.2.6.2 says: the same Via values in the same order, From, Call-ID and CSeq
/// copied, To copied with a tag added when it had none (except for 100, §8.2.6.2), Timestamp echoed on 100 (§8.2.6.1).
/// Header lines are copied as they arrived, so even a request too malformed to use can still be answered.
/// </summary>
public static class SipResponseWriter
{
    /// <summary>An upper bound for <see cref="Write"/>'s output.</summary>
    public static int GetMaxLength(SipMessage request, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> toTag, ReadOnlySpan<byte> extraHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        var length = 16 + reason.Length + 2 + toTag.Length + 5 + extraHeaders.Length + "Content-Length: 0\r\n\r\n"u8.Length;
        foreach (ref readonly var h in request.Headers)
        {
            if (IsCopied(h.Kind))
            {
                length += h.Name.Length + 2 + h.Value.Length + 2 + 12;
            }
        }

        return length;
    }

    /// <summary>Writes the response; <paramref name="extraHeaders"/> are whole lines, each ending in CRLF.</summary>
    public static int Write(SipMessage request, int statusCode, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> toTag, ReadOnlySpan<byte> extraHeaders, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (statusCode is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode));
        }

        var w = 0;
        "SIP/2.0 "u8.CopyTo(destination);
        w += 8;
        Utf8Formatter.TryFormat(statusCode, destination[w..], out var n);
        w += n;
        destination[w++] = (byte)' ';
        w += Copy(reason, destination[w..]);
        w += Copy("\r\n"u8, destination[w..]);

        var headers = request.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            ref readonly var h = ref headers[i];
            if (!IsCopied(h.Kind) || (h.Kind == HeaderKind.Timestamp && statusCode != 100))
            {
                continue;
            }

            // Only the first of a single-valued header is copied, so a response never repeats the ambiguity (RFC 4475 §3.3.8).
            if (h.Kind != HeaderKind.Via && request.IndexOf(h.Kind) != i)
            {
                continue;
            }

            w += Copy(HeaderNames.Canonical(h.Kind), destination[w..]);
            w += Copy(": "u8, destination[w..]);
            w += Copy(request[h.Value], destination[w..]);
            if (h.Kind == HeaderKind.To && statusCode != 100 && !toTag.IsEmpty && request.TryGetTo(out var to) && !to.HasTag)
            {
                w += Copy(";tag="u8, destination[w..]);
                w += Copy(toTag, destination[w..]);
            }

            w += Copy("\r\n"u8, destination[w..]);
        }

        w += Copy(extraHeaders, destination[w..]);
        w += Copy("Content-Length: 0\r\n\r\n"u8, destination[w..]);
        return w;
    }

    public static byte[] ToArray(SipMessage request, int statusCode, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> toTag, ReadOnlySpan<byte> extraHeaders = default)
    {
        var buffer = new byte[GetMaxLength(request, reason, toTag, extraHeaders)];
        var n = Write(request, statusCode, reason, toTag, extraHeaders, buffer);
        return buffer[..n];
    }

    private static bool IsCopied(HeaderKind kind) => kind is HeaderKind.Via or HeaderKind.From or HeaderKind.To or HeaderKind.CallId or HeaderKind.CSeq or HeaderKind.Timestamp;

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
