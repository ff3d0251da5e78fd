using System.Text;
using Parley.Protocol.Headers;
using Parley.Protocol.Parsing;
using Parley.Protocol.Uri;

namespace Parley.Protocol;

/// <summary>
/// A parsed SIP request or response: the bytes it arrived in plus offsets. Headers are indexed at parse time; typed values
/// (Via, From, To, CSeq, …) are parsed on first use and cached. The object is reusable: <see cref="SipParser"/> resets it,
/// so a receive loop can parse every datagram into the same instance without allocating.
/// </summary>
public sealed class SipMessage
{
    private const int KindCount = (int)HeaderKind.RSeq + 1;

    private readonly short[] _first = new short[KindCount];
    private readonly byte[] _count = new byte[KindCount];
    private HeaderField[] _headers = new HeaderField[32];
    private byte[] _buffer = [];

    private Parsed _parsed;
    private ViaValue _topVia;
    private NameAddress _from;
    private NameAddress _to;
    private CSeqValue _cseq;
    private int _maxForwards;
    private SipUri _requestUri;

    [Flags]
    private enum Parsed : byte
    {
        None = 0,
        TopVia = 1,
        From = 2,
        To = 4,
        CSeq = 8,
        MaxForwards = 16,
        RequestUri = 32,
    }

    public SipMessage()
    {
        Reset([], 0);
    }

    /// <summary>The buffer every <see cref="ByteRange"/> of this message points into.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Offset of the start line in <see cref="Buffer"/> (after any leading CRLFs).</summary>
    public int Start { get; internal set; }

    /// <summary>Length of the message: start line, headers, blank line and body — never trailing datagram octets (RFC 3261 §18.3).</summary>
    public int Length { get; internal set; }

    public int End => Start + Length;

    public bool IsRequest { get; internal set; }

    public bool IsResponse => !IsRequest;

    public SipMethod Method { get; internal set; }

    public ByteRange MethodName { get; internal set; }

    public ByteRange RequestUri { get; internal set; }

    public ByteRange Version { get; internal set; }

    public int StatusCode { get; internal set; }

    public ByteRange ReasonPhrase { get; internal set; }

    /// <summary>Position of the first header line (end of the start line).</summary>
    public int HeadersStart { get; internal set; }

    /// <summary>Position of the empty line that ends the header section.</summary>
    public int HeadersEnd { get; internal set; }

    public ByteRange Body { get; internal set; }

    /// <summary>False when a datagram ended without the empty line that closes the header section; a writer must add it.</summary>
    public bool HeadersTerminated { get; internal set; }

    /// <summary>The Content-Length value, -1 when the header is absent.</summary>
    public int ContentLength { get; internal set; }

    public int HeaderCount { get; private set; }

    public ReadOnlySpan<HeaderField> Headers => _headers.AsSpan(0, HeaderCount);

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(Start, Length);

    public ReadOnlySpan<byte> this[ByteRange range] => _buffer.AsSpan(range.Start, range.Length);

    public string GetString(ByteRange range) => Encoding.UTF8.GetString(_buffer, range.Start, range.Length);

    /// <summary>True when the method is <paramref name="method"/>; for unknown methods compare <see cref="MethodName"/>.</summary>
    public bool Is(SipMethod method) => Method == method && method != SipMethod.Unknown;

    public int CountOf(HeaderKind kind) => _count[(int)kind];

    /// <summary>Index in <see cref="Headers"/> of the first header of <paramref name="kind"/>, or -1.</summary>
    public int IndexOf(HeaderKind kind) => _first[(int)kind];

    /// <summary>Index of the next header of the same kind after <paramref name="index"/>, or -1.</summary>
    public int NextIndexOf(HeaderKind kind, int index)
    {
        var headers = Headers;
        for (var i = index + 1; i < headers.Length; i++)
        {
            if (headers[i].Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first header named <paramref name="name"/> (case-insensitive; compact forms match their long name).</summary>
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        var kind = HeaderNames.Lookup(name);
        if (kind != HeaderKind.Other)
        {
            return IndexOf(kind);
        }

        var headers = Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Kind == HeaderKind.Other && Lexer.EqualsIgnoreCase(this[headers[i].Name], name))
            {
                return i;
            }
        }

        return -1;
    }

    public ByteRange CallId => _first[(int)HeaderKind.CallId] >= 0 ? _headers[_first[(int)HeaderKind.CallId]].Value : default;

    /// <summary>The first Via value. Throws when absent or malformed: check <see cref="TryGetTopVia"/> or validate first.</summary>
    public ref readonly ViaValue TopVia
    {
        get
        {
            if (!TryGetTopVia(out _))
            {
                throw new InvalidOperationException("The message has no valid Via.");
            }

            return ref _topVia;
        }
    }

    public bool TryGetTopVia(out ViaValue via)
    {
        if ((_parsed & Parsed.TopVia) == 0)
        {
            var i = _first[(int)HeaderKind.Via];
            if (i < 0)
            {
                via = default;
                return false;
            }

            var pos = _headers[i].Value.Start;
            if (!ViaParser.TryParse(_buffer, ref pos, _headers[i].Value.End, out _topVia))
            {
                via = default;
                return false;
            }

            _parsed |= Parsed.TopVia;
        }

        via = _topVia;
        return true;
    }

    /// <summary>The parsed Request-URI with absolute offsets into <see cref="Buffer"/>.</summary>
    public bool TryGetRequestUri(out SipUri uri, out UriError error)
    {
        error = UriError.None;
        if ((_parsed & Parsed.RequestUri) == 0)
        {
            if (!IsRequest || !SipUri.TryParse(this[RequestUri], out var relative, out error))
            {
                uri = default;
                return false;
            }

            _requestUri = relative.Offset(RequestUri.Start);
            _parsed |= Parsed.RequestUri;
        }

        uri = _requestUri;
        return true;
    }

    /// <summary>Fills the top-Via cache from <see cref="ViaEnumerator"/>, which parses the same bytes the same way.</summary>
    internal void CacheTopVia(in ViaValue via)
    {
        _topVia = via;
        _parsed |= Parsed.TopVia;
    }

    public bool TryGetFrom(out NameAddress from) => TryGetSingle(HeaderKind.From, Parsed.From, ref _from, out from);

    public bool TryGetTo(out NameAddress to) => TryGetSingle(HeaderKind.To, Parsed.To, ref _to, out to);

    public NameAddress From => TryGetFrom(out var v) ? v : throw new InvalidOperationException("The message has no valid From.");

    public NameAddress To => TryGetTo(out var v) ? v : throw new InvalidOperationException("The message has no valid To.");

    public bool TryGetCSeq(out CSeqValue cseq)
    {
        if ((_parsed & Parsed.CSeq) == 0)
        {
            var i = _first[(int)HeaderKind.CSeq];
            if (i < 0 || !TryParseCSeq(_headers[i].Value, out _cseq))
            {
                cseq = default;
                return false;
            }

            _parsed |= Parsed.CSeq;
        }

        cseq = _cseq;
        return true;
    }

    public CSeqValue CSeq => TryGetCSeq(out var v) ? v : throw new InvalidOperationException("The message has no valid CSeq.");

    /// <summary>Max-Forwards, -1 when absent, -2 when malformed.</summary>
    public int MaxForwards
    {
        get
        {
            if ((_parsed & Parsed.MaxForwards) == 0)
            {
                var i = _first[(int)HeaderKind.MaxForwards];
                _maxForwards = i < 0 ? -1
                    : Lexer.TryParseDigits(this[_headers[i].Value], int.MaxValue, out var v) ? (int)v : -2;
                _parsed |= Parsed.MaxForwards;
            }

            return _maxForwards;
        }
    }

    /// <summary>Enumerates every Via value in order, across lines and commas.</summary>
    public ViaEnumerator Vias => new(this);

    /// <summary>Enumerates every Route value in order.</summary>
    public NameAddressEnumerator Routes => new(this, HeaderKind.Route);

    public NameAddressEnumerator RecordRoutes => new(this, HeaderKind.RecordRoute);

    public NameAddressEnumerator Contacts => new(this, HeaderKind.Contact);

    /// <summary>Option tags of Require (RFC 3261 §20.32).</summary>
    public TokenListEnumerator Require => new(this, HeaderKind.Require);

    /// <summary>Option tags of Proxy-Require (RFC 3261 §20.29).</summary>
    public TokenListEnumerator ProxyRequire => new(this, HeaderKind.ProxyRequire);

    /// <summary>Option tags of Supported / k (RFC 3261 §20.37).</summary>
    public TokenListEnumerator Supported => new(this, HeaderKind.Supported);

    /// <summary>Method names of Allow (RFC 3261 §20.5).</summary>
    public TokenListEnumerator Allow => new(this, HeaderKind.Allow);

    /// <summary>The Content-Type value (media type with parameters), empty when absent.</summary>
    public ByteRange ContentType => IndexOf(HeaderKind.ContentType) is var i and >= 0 ? _headers[i].Value : default;

    /// <summary>
    /// The Expires header in seconds: -1 when absent, -2 when not a number. An overlarge value reads as 3600, as RFC 4475
    /// §3.1.2.4 allows (RFC 3261 §20.19 caps it at 2^32-1).
    /// </summary>
    public long Expires
    {
        get
        {
            var i = IndexOf(HeaderKind.Expires);
            if (i < 0)
            {
                return -1;
            }

            var digits = this[_headers[i].Value];
            if (Lexer.TryParseDigits(digits, uint.MaxValue, out var seconds))
            {
                return (long)seconds;
            }

            return digits.IsEmpty || digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0 ? -2 : 3600;
        }
    }

    /// <summary>Copies the message (only its own bytes) into a buffer of its own, so it outlives a pooled receive buffer.</summary>
    public SipMessage Detach()
    {
        var copy = new SipMessage();
        var bytes = Span.ToArray();
        var result = SipParser.Parse(bytes, 0, bytes.Length, copy, datagram: true);
        if (result.Status != ParseStatus.Complete)
        {
            throw new InvalidOperationException("A parsed message failed to re-parse: " + result.Error);
        }

        return copy;
    }

    public override string ToString() => Encoding.UTF8.GetString(Span);

    internal void Reset(byte[] buffer, int start)
    {
        _buffer = buffer;
        Start = start;
        Length = 0;
        IsRequest = false;
        Method = SipMethod.Unknown;
        MethodName = default;
        RequestUri = default;
        Version = default;
        StatusCode = 0;
        ReasonPhrase = default;
        HeadersStart = HeadersEnd = start;
        Body = default;
        HeadersTerminated = false;
        ContentLength = -1;
        HeaderCount = 0;
        _parsed = Parsed.None;
        _first.AsSpan().Fill(-1);
        _count.AsSpan().Clear();
    }

    internal bool AddHeader(in HeaderField field)
    {
        if (HeaderCount == _headers.Length)
        {
            if (HeaderCount >= short.MaxValue)
            {
                return false;
            }

            Array.Resize(ref _headers, _headers.Length * 2);
        }

        var k = (int)field.Kind;
        if (_first[k] < 0)
        {
            _first[k] = (short)HeaderCount;
        }

        if (_count[k] < byte.MaxValue)
        {
            _count[k]++;
        }

        _headers[HeaderCount++] = field;
        return true;
    }

    internal bool TryParseCSeq(ByteRange value, out CSeqValue cseq)
    {
        cseq = default;
        ReadOnlySpan<byte> buf = _buffer;
        var p = value.Start;
        var end = value.End;
        var d = p;
        while (p < end && Lexer.IsDigit(buf[p]))
        {
            p++;
        }

        // RFC 3261 §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer.
        if (!Lexer.TryParseDigits(buf[d..p], uint.MaxValue, out var number))
        {
            return false;
        }

        var m = Lexer.SkipLws(buf, p, end);
        if (m == p)
        {
            return false;
        }

        var methodEnd = Lexer.ScanToken(buf, m, end);
        if (methodEnd == m || Lexer.SkipLws(buf, methodEnd, end) != end)
        {
            return false;
        }

        var method = ByteRange.FromBounds(m, methodEnd);
        cseq = new CSeqValue((uint)number, SipMethods.Parse(buf.Slice(m, method.Length)), method);
        return true;
    }

    private bool TryGetSingle(HeaderKind kind, Parsed flag, ref NameAddress cache, out NameAddress value)
    {
        if ((_parsed & flag) == 0)
        {
            var i = _first[(int)kind];
            if (i < 0)
            {
                value = default;
                return false;
            }

            var pos = _headers[i].Value.Start;
            if (!NameAddressParser.TryParse(_buffer, ref pos, _headers[i].Value.End, list: false, allowStar: false, out cache))
            {
                value = default;
                return false;
            }

            _parsed |= flag;
        }

        value = cache;
        return true;
    }
}
