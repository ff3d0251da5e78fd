using System.Buffers;

namespace Parley.Protocol.Framing;

/// <summary>
/// Delimits SIP messages on a byte stream (TCP, TLS) by finding the end of the header section and reading
/// Content-Length (RFC 3261 §18.3). It does not parse the message; it only tells where one ends.
/// </summary>
/// <remarks>
/// <para>
/// One instance per connection. The framer is resumable: after <see cref="FramingStatus.NeedMore"/> call again with
/// the same unconsumed buffer plus whatever arrived since (the System.IO.Pipelines pattern), and only the new bytes
/// are scanned, so a message that trickles in byte by byte costs linear, not quadratic, time. After any other status
/// the framer resets itself; the caller drops <see cref="FramingResult.Consumed"/> bytes and calls again with the rest.
/// Passing a buffer shorter than what was already scanned also resets it.
/// </para>
/// <para>No call allocates.</para>
/// <para>
/// Tolerated on input: CR/LF before the start-line (RFC 3261 §7.5 says to ignore it), bare LF line ends, header
/// names in any case, the compact form <c>l</c>, whitespace before the colon, folded header lines (§7.3.1), and
/// repeated Content-Length headers that agree.
/// </para>
/// </remarks>
public sealed class SipStreamFramer
{
    /// <summary>Largest message accepted unless configured otherwise: the largest a UDP datagram could carry.</summary>
    public const int DefaultMaxMessageSize = 65535;

    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Sp = (byte)' ';
    private const byte Ht = (byte)'\t';

    private static ReadOnlySpan<byte> Ping => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> ContentLengthName => "content-length"u8;

    private readonly int _maxMessageSize;

    private State _state;
    private int _scanned;
    private int _messageStart;
    private int _headerEnd;
    private bool _pingCandidate;
    private int _nameIndex;
    private bool _compactName;
    private bool _inContentLength;
    private ValuePhase _valuePhase;
    private long _value;
    private int _contentLength;
    private FramingError _error;

    public SipStreamFramer(int maxMessageSize = DefaultMaxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, 16);
        _maxMessageSize = maxMessageSize;
        Reset();
    }

    private enum State : byte
    {
        Leading,
        SkipLine,
        LineStart,
        LineStartCr,
        Name,
        AfterName,
        Value,
        Body,
    }

    private enum ValuePhase : byte
    {
        BeforeDigits,
        Digits,
        AfterDigits,
    }

    private enum Outcome : byte
    {
        NeedMore,
        Ping,
        HeadersComplete,
    }

    public int MaxMessageSize => _maxMessageSize;

    /// <summary>Forgets any partial scan, e.g. when the caller discarded its buffer.</summary>
    public void Reset()
    {
        _state = State.Leading;
        _scanned = 0;
        _messageStart = 0;
        _headerEnd = 0;
        _pingCandidate = true;
        _nameIndex = 0;
        _compactName = false;
        _inContentLength = false;
        _valuePhase = ValuePhase.BeforeDigits;
        _value = 0;
        _contentLength = -1;
        _error = FramingError.None;
    }

    /// <summary>Frames the next unit at the start of a contiguous buffer.</summary>
    public FramingResult Frame(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < _scanned)
        {
            Reset();
        }

        var outcome = _state == State.Body ? Outcome.HeadersComplete : Scan(buffer[_scanned..]);
        return Conclude(outcome, buffer.Length);
    }

    /// <summary>Frames the next unit at the start of a possibly multi-segment buffer (a PipeReader's ReadResult).</summary>
    public FramingResult Frame(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            return Frame(buffer.FirstSpan);
        }

        long available = buffer.Length;
        if (available < _scanned)
        {
            Reset();
        }

        var outcome = Outcome.HeadersComplete;
        if (_state != State.Body)
        {
            outcome = Outcome.NeedMore;
            foreach (var segment in buffer.Slice(_scanned))
            {
                outcome = Scan(segment.Span);
                if (outcome != Outcome.NeedMore)
                {
                    break;
                }
            }
        }

        return Conclude(outcome, available);
    }

    private FramingResult Conclude(Outcome outcome, long available)
    {
        FramingResult result;
        switch (outcome)
        {
            case Outcome.Ping:
                result = FramingResult.KeepAlivePing(Ping.Length);
                break;

            case Outcome.HeadersComplete:
                int headerLength = _headerEnd - _messageStart;
                if (_error != FramingError.None)
                {
                    result = FramingResult.Failure(_error, _messageStart, headerLength);
                    break;
                }

                if (_contentLength < 0)
                {
                    // RFC 3261 §18.3: on a stream-oriented transport Content-Length MUST be present; without it the
                    // end of the body cannot be known.
                    result = FramingResult.Failure(FramingError.MissingContentLength, _messageStart, headerLength);
                    break;
                }

                long total = (long)headerLength + _contentLength;
                if (total > _maxMessageSize)
                {
                    result = FramingResult.Failure(FramingError.MessageTooLarge, _messageStart, headerLength);
                    break;
                }

                if (available - _messageStart < total)
                {
                    return FramingResult.NeedMore;
                }

                result = FramingResult.Message(_messageStart, (int)total);
                break;

            default:
                // Without the end of the header section yet, give up once it can no longer fit in a message. The
                // run of CR/LF before a start-line counts too, so a peer cannot grow the buffer without bound.
                int pending = _state == State.Leading ? _scanned : _scanned - _messageStart;
                if (pending < _maxMessageSize)
                {
                    return FramingResult.NeedMore;
                }

                result = FramingResult.Failure(FramingError.MessageTooLarge, 0, 0);
                break;
        }

        Reset();
        return result;
    }

    /// <summary>Advances the state machine over <paramref name="span"/>, the bytes following the scanned prefix.</summary>
    private Outcome Scan(ReadOnlySpan<byte> span)
    {
        int i = 0;
        while (i < span.Length)
        {
            byte b = span[i];
            switch (_state)
            {
                case State.Leading:
                    if (b is Cr or Lf)
                    {
                        int position = _scanned + i;
                        if (_pingCandidate && position < Ping.Length && b == Ping[position])
                        {
                            if (position == Ping.Length - 1)
                            {
                                _scanned += i + 1;
                                return Outcome.Ping;
                            }
                        }
                        else
                        {
                            _pingCandidate = false;
                        }

                        i++;
                        break;
                    }

                    // RFC 3261 §7.5: CRLFs before the start-line are ignored. The start-line is skipped unread.
                    _messageStart = _scanned + i;
                    _state = State.SkipLine;
                    break;

                case State.SkipLine:
                    int lineFeed = span[i..].IndexOf(Lf);
                    if (lineFeed < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    i += lineFeed + 1;
                    _state = State.LineStart;
                    break;

                case State.LineStart:
                    if (b is Sp or Ht)
                    {
                        // A folded continuation of the previous header line (RFC 3261 §7.3.1).
                        _state = _inContentLength ? State.Value : State.SkipLine;
                        i++;
                        break;
                    }

                    if (_inContentLength)
                    {
                        CommitContentLength();
                    }

                    if (b == Lf)
                    {
                        return HeadersComplete(i + 1);
                    }

                    if (b == Cr)
                    {
                        _state = State.LineStartCr;
                        i++;
                        break;
                    }

                    _state = State.Name;
                    _nameIndex = 0;
                    break;

                case State.LineStartCr:
                    if (b == Lf)
                    {
                        return HeadersComplete(i + 1);
                    }

                    // A stray CR opening a line: not a header this framer cares about.
                    _state = State.SkipLine;
                    break;

                case State.Name:
                    ScanName(b, ref i);
                    break;

                case State.AfterName:
                    if (b is Sp or Ht)
                    {
                        i++;
                    }
                    else if (b == (byte)':')
                    {
                        _inContentLength = true;
                        _valuePhase = ValuePhase.BeforeDigits;
                        _value = 0;
                        _state = State.Value;
                        i++;
                    }
                    else
                    {
                        // e.g. "Content-Lengthy:" or "lr:", another header.
                        _state = State.SkipLine;
                    }

                    break;

                case State.Value:
                    ScanValue(b);
                    i++;
                    break;

                default:
                    throw new InvalidOperationException("Scan called after the header section was complete.");
            }
        }

        _scanned += span.Length;
        return Outcome.NeedMore;
    }

    private void ScanName(byte b, ref int i)
    {
        byte lower = b - (uint)'A' <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
        if (_nameIndex == 0)
        {
            if (lower is (byte)'l' or (byte)'c')
            {
                _compactName = lower == (byte)'l';
                _nameIndex = 1;
                i++;
            }
            else
            {
                _state = State.SkipLine;
            }

            return;
        }

        if (_compactName || _nameIndex == ContentLengthName.Length)
        {
            // The whole name matched; only HCOLON (*(SP / HTAB) ":") may follow.
            _state = State.AfterName;
            return;
        }

        if (lower == ContentLengthName[_nameIndex])
        {
            _nameIndex++;
            i++;
        }
        else
        {
            _state = State.SkipLine;
        }
    }

    private void ScanValue(byte b)
    {
        if (b - (uint)'0' <= 9)
        {
            if (_valuePhase == ValuePhase.AfterDigits)
            {
                FailContentLength(FramingError.InvalidContentLength);
                return;
            }

            _valuePhase = ValuePhase.Digits;
            _value = (_value * 10) + (b - '0');
            if (_value > int.MaxValue)
            {
                FailContentLength(FramingError.ContentLengthOverflow);
            }

            return;
        }

        switch (b)
        {
            case Sp or Ht or Cr:
                if (_valuePhase == ValuePhase.Digits)
                {
                    _valuePhase = ValuePhase.AfterDigits;
                }

                break;

            case Lf:
                if (_valuePhase == ValuePhase.Digits)
                {
                    _valuePhase = ValuePhase.AfterDigits;
                }

                // Still _inContentLength: the next line may be a folded continuation of this value.
                _state = State.LineStart;
                break;

            case (byte)'-' when _valuePhase == ValuePhase.BeforeDigits:
                FailContentLength(FramingError.NegativeContentLength);
                break;

            default:
                FailContentLength(FramingError.InvalidContentLength);
                break;
        }
    }

    private void CommitContentLength()
    {
        _inContentLength = false;
        if (_valuePhase == ValuePhase.BeforeDigits)
        {
            RecordError(FramingError.InvalidContentLength);
            return;
        }

        int value = (int)_value;
        if (_contentLength >= 0 && _contentLength != value)
        {
            RecordError(FramingError.ConflictingContentLength);
            return;
        }

        _contentLength = value;
    }

    /// <summary>Records a bad value and skips the rest of its line; scanning goes on to delimit the header section.</summary>
    private void FailContentLength(FramingError error)
    {
        RecordError(error);
        _inContentLength = false;
        _state = State.SkipLine;
    }

    private void RecordError(FramingError error)
    {
        if (_error == FramingError.None)
        {
            _error = error;
        }
    }

    private Outcome HeadersComplete(int consumedInSpan)
    {
        _scanned += consumedInSpan;
        _headerEnd = _scanned;
        _state = State.Body;
        return Outcome.HeadersComplete;
    }
}
