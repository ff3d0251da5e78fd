using System.Text;
using System.Text.Json;

namespace Parley.Management.Fifo;

/// <summary>What the framer made of the bytes read so far.</summary>
internal enum MiFifoFrameKind
{
    /// <summary>No complete request yet; read more.</summary>
    NeedMore,

    /// <summary>A complete request: <see cref="MiFifoFrame.Body"/> is exactly one JSON value.</summary>
    Request,

    /// <summary>
    /// The JSON after <c>:reply_fifo:</c> cannot be parsed (or does not fit in the buffer). The buffer was discarded;
    /// <see cref="MiFifoFrame.Body"/> holds the unparsable bytes so the dispatcher can answer them with its parse error.
    /// </summary>
    Malformed,

    /// <summary>The bytes are not a FIFO request at all (no leading ':', forbidden reply name…); the buffer was discarded.</summary>
    Discarded,
}

/// <summary>One result of <see cref="MiFifoRequestFramer.Next"/>.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="ReplyName">Reply FIFO name (relative to <c>reply_dir</c>); null when the request asks for no reply.</param>
/// <param name="Body">The JSON bytes (<see cref="MiFifoFrameKind.Request"/>, <see cref="MiFifoFrameKind.Malformed"/>).</param>
/// <param name="Problem">Why bytes were discarded or are malformed, for the log.</param>
/// <param name="Text">A printable preview of the offending bytes, for the log.</param>
internal readonly record struct MiFifoFrame(MiFifoFrameKind Kind, string? ReplyName, byte[]? Body, string? Problem, string? Text);

/// <summary>
/// Splits the bytes read from the MI FIFO into requests, as OpenSIPS 3.x <c>mi_fifo</c> does
/// (<c>modules/mi_fifo/fifo_fnc.c</c>, <c>mi_fifo_server</c>): a request is
/// <c>':' [reply_fifo] ':' json</c>, leading white space (space, tab, CR, LF) is skipped, the JSON value ends
/// the request (no new line needed) and what follows it is the next request.
/// </summary>
/// <remarks>
/// <para>
/// Like OpenSIPS, the buffer holds at most <see cref="DefaultBufferSize"/> bytes (<c>MAX_MI_FIFO_BUFFER</c>);
/// a reply name containing '.', '/' or '\' is forbidden, and <c>reply_dir</c> + name must fit in 127 bytes
/// (<c>MAX_MI_FILENAME</c>). Data not starting with ':' is discarded with the whole buffer.
/// </para>
/// <para>
/// Differences: OpenSIPS handles each read(2) on its own, so a request split over two writes is lost; here an
/// incomplete request waits for the rest (up to the buffer size). OpenSIPS drops unparsable JSON without a word
/// (the client waits forever on its reply FIFO); here it is reported as <see cref="MiFifoFrameKind.Malformed"/>
/// so the server can answer the JSON-RPC parse error, as mi_http does.
/// </para>
/// </remarks>
internal sealed class MiFifoRequestFramer
{
    /// <summary>OpenSIPS's <c>MAX_MI_FIFO_BUFFER</c>.</summary>
    public const int DefaultBufferSize = 4096;

    /// <summary>OpenSIPS's <c>MAX_MI_FILENAME</c>: reply_dir + name + NUL.</summary>
    public const int MaxReplyPathBytes = 128;

    private const int PreviewLength = 80;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 512,
    };

    private readonly byte[] _buffer;
    private readonly int _maxReplyNameLength;
    private int _length;

    /// <param name="replyDirByteLength">UTF-8 length of the reply directory the names are appended to.</param>
    /// <param name="bufferSize">Largest request accepted.</param>
    public MiFifoRequestFramer(int replyDirByteLength, int bufferSize = DefaultBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replyDirByteLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 3);
        _buffer = new byte[bufferSize];
        _maxReplyNameLength = MaxReplyPathBytes - 1 - replyDirByteLength;
    }

    /// <summary>Bytes waiting in the buffer.</summary>
    public int Length => _length;

    /// <summary>Where the next read goes; never empty after <see cref="Next"/> returned <see cref="MiFifoFrameKind.NeedMore"/>.</summary>
    public Span<byte> FreeSpace => _buffer.AsSpan(_length);

    /// <summary>Records that <paramref name="count"/> bytes were read into <see cref="FreeSpace"/>.</summary>
    public void Commit(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }

    /// <summary>Copies <paramref name="data"/> in (as a read would); false when it does not fit.</summary>
    public bool Append(ReadOnlySpan<byte> data)
    {
        if (data.Length > _buffer.Length - _length)
        {
            return false;
        }

        data.CopyTo(FreeSpace);
        _length += data.Length;
        return true;
    }

    /// <summary>Forgets everything buffered.</summary>
    public void Clear() => _length = 0;

    /// <summary>
    /// Takes the next request off the buffer. Call until it returns <see cref="MiFifoFrameKind.NeedMore"/>, then read more.
    /// </summary>
    public MiFifoFrame Next()
    {
        int start = 0;
        while (start < _length && IsWhiteSpace(_buffer[start]))
        {
            start++;
        }

        if (start == _length)
        {
            _length = 0;
            return new MiFifoFrame(MiFifoFrameKind.NeedMore, null, null, null, null);
        }

        if (_buffer[start] != (byte)':')
        {
            return Discard("command must begin with ':'", start);
        }

        var afterColon = _buffer.AsSpan(start + 1, _length - start - 1);
        int separator = afterColon.IndexOf((byte)':');
        if (separator < 0 || separator + 1 >= afterColon.Length)
        {
            // ":name" or ":name:" so far: the rest is still to come.
            return NeedMore(start, null, "file separator missing or no command");
        }

        var name = afterColon[..separator];
        string? replyName = null;
        if (!name.IsEmpty)
        {
            if (name.IndexOfAny((byte)'.', (byte)'/', (byte)'\\') >= 0 || name.Contains((byte)0))
            {
                return Discard("forbidden reply fifo name", start);
            }

            if (name.Length > _maxReplyNameLength)
            {
                return Discard("reply fifo name too long", start);
            }

            replyName = Encoding.UTF8.GetString(name);
        }

        int jsonStart = start + 1 + separator + 1;
        var json = _buffer.AsSpan(jsonStart, _length - jsonStart);
        switch (MeasureJsonValue(json, out int consumed))
        {
            case JsonScan.Complete:
                var body = json[..consumed].ToArray();
                Consume(jsonStart + consumed);
                return new MiFifoFrame(MiFifoFrameKind.Request, replyName, body, null, null);
            case JsonScan.Incomplete:
                return NeedMore(start, replyName, "request too long");
            default:
                var bad = json.ToArray();
                var text = Preview(start);
                _length = 0;
                return new MiFifoFrame(MiFifoFrameKind.Malformed, replyName, bad, "cannot parse command", text);
        }
    }

    private MiFifoFrame NeedMore(int start, string? replyName, string overflowProblem)
    {
        if (_length < _buffer.Length)
        {
            // Keep the partial request at the front so the next read has all the room there is.
            if (start > 0)
            {
                _buffer.AsSpan(start, _length - start).CopyTo(_buffer);
                _length -= start;
            }

            return new MiFifoFrame(MiFifoFrameKind.NeedMore, null, null, null, null);
        }

        if (start > 0)
        {
            _buffer.AsSpan(start, _length - start).CopyTo(_buffer);
            _length -= start;
            return new MiFifoFrame(MiFifoFrameKind.NeedMore, null, null, null, null);
        }

        // The buffer is full and still holds no complete request.
        if (replyName is null)
        {
            return Discard(overflowProblem, start);
        }

        int jsonStart = _buffer.AsSpan(1).IndexOf((byte)':') + 2;
        var bad = _buffer.AsSpan(jsonStart, _length - jsonStart).ToArray();
        var text = Preview(start);
        _length = 0;
        return new MiFifoFrame(MiFifoFrameKind.Malformed, replyName, bad, overflowProblem, text);
    }

    private MiFifoFrame Discard(string problem, int start)
    {
        var text = Preview(start);
        _length = 0;
        return new MiFifoFrame(MiFifoFrameKind.Discarded, null, null, problem, text);
    }

    private void Consume(int count)
    {
        int rest = _length - count;
        if (rest > 0)
        {
            _buffer.AsSpan(count, rest).CopyTo(_buffer);
        }

        _length = rest;
    }

    private string Preview(int start)
    {
        var bytes = _buffer.AsSpan(start, Math.Min(_length - start, PreviewLength));
        var chars = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            chars.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        }

        if (_length - start > PreviewLength)
        {
            chars.Append('…');
        }

        return chars.ToString();
    }

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private enum JsonScan
    {
        Complete,
        Incomplete,
        Invalid,
    }

    private static JsonScan MeasureJsonValue(ReadOnlySpan<byte> json, out int consumed)
    {
        consumed = 0;
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: false, new JsonReaderState(ReaderOptions));
            if (!reader.Read())
            {
                return JsonScan.Incomplete;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
            {
                return JsonScan.Incomplete;
            }

            consumed = checked((int)reader.BytesConsumed);
            return JsonScan.Complete;
        }
        catch (JsonException)
        {
            return JsonScan.Invalid;
        }
    }
}
