using System.Buffers;
using System.Buffers.Text;
using Parley.Protocol;
using Parley.Protocol.Writing;

namespace Parley.Benchmarks;

/// <summary>
/// The proxy's per-message hot paths, written once and run both by the benchmarks (<see cref="HotPathBenchmarks"/>) and by
/// the allocation-budget test, so the numbers in the README and the budget the test enforces describe the same code.
/// Every object an operation needs (message, editor, output buffer) is made here once and reused, as a receive loop does.
/// </summary>
public sealed class HotPaths
{
    public const string ParseInviteName = "ParseInvite";
    public const string ParseOkName = "ParseOk";
    public const string ParseManyViasName = "ParseManyVias";
    public const string ProxyEditWriteName = "ProxyEditWrite";
    public const string Write100TryingName = "Write100Trying";
    public const string ScriptDispatchName = "ScriptDispatch";

    private const int Port = 5060;

    private readonly byte[] _invite = BenchMessages.Invite;
    private readonly byte[] _ok = BenchMessages.Ok;
    private readonly byte[] _manyVias = BenchMessages.ManyVias;
    private readonly SipMessage _message = new();
    private readonly SipMessage _parsedInvite = new();
    private readonly SipMessageEditor _editor = new();
    private readonly byte[] _output = new byte[4096];
    private ulong _branch = 0x5f3759df;
    private readonly ScriptBench _script = new();

    public HotPaths()
    {
        var result = SipParser.Parse(_invite, 0, _invite.Length, _parsedInvite, datagram: true);
        if (result.Status != ParseStatus.Complete || SipValidator.ValidateRequest(_parsedInvite) != ParseError.None)
        {
            throw new InvalidOperationException("The benchmark INVITE does not parse.");
        }
    }

    /// <summary>The proxy's own address: the sent-by of the Via it pushes and the host of its Record-Route.</summary>
    public static ReadOnlySpan<byte> ProxyAddress => "203.0.113.10"u8;

    /// <summary>The address the INVITE came from: not its Via sent-by (the phone is behind NAT), so <c>received</c> is added.</summary>
    public static ReadOnlySpan<byte> SourceAddress => "198.51.100.7"u8;

    /// <summary>The message the last parse went into; tests inspect it.</summary>
    public SipMessage Message => _message;

    /// <summary>The output buffer of the write paths; the first <c>n</c> bytes are the message the last write produced.</summary>
    public ReadOnlySpan<byte> Output => _output;

    public IReadOnlyList<HotPath> All() =>
    [
        new(ParseInviteName, ParseInvite, (int)ParseError.None),
        new(ParseOkName, ParseOk, (int)ParseError.None),
        new(ParseManyViasName, ParseManyVias, BenchMessages.ManyViaCount),
        new(ProxyEditWriteName, ProxyEditWrite, ProxyEditWriteLength()),
        new(Write100TryingName, Write100Trying, Write100TryingLength()),
        new(ScriptDispatchName, ScriptDispatch, ScriptBench.Expected),
    ];

    /// <summary>Parse an INVITE with SDP and validate it (which parses Via, From, To and CSeq). Returns the error, 0 when valid.</summary>
    public int ParseInvite()
    {
        var result = SipParser.Parse(_invite, 0, _invite.Length, _message, datagram: true);
        return result.Status == ParseStatus.Complete ? (int)SipValidator.ValidateRequest(_message) : -1;
    }

    /// <summary>Parse a 200 OK with two Vias, Record-Route, Contact and SDP, and validate it.</summary>
    public int ParseOk()
    {
        var result = SipParser.Parse(_ok, 0, _ok.Length, _message, datagram: true);
        return result.Status == ParseStatus.Complete ? (int)SipValidator.ValidateResponse(_message) : -1;
    }

    /// <summary>Parse a request with 20 Via values and walk every one of them, as a loop detector (RFC 3261 §16.3 step 4) does.</summary>
    public int ParseManyVias()
    {
        var result = SipParser.Parse(_manyVias, 0, _manyVias.Length, _message, datagram: true);
        if (result.Status != ParseStatus.Complete)
        {
            return -1;
        }

        var count = 0;
        foreach (var via in _message.Vias)
        {
            if (via.HasBranch)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// What a stateless proxy does to a request it forwards (RFC 3261 §16.6): parse and validate, stamp received/rport on the
    /// top Via, push its own Via with a fresh branch, add Record-Route, decrement Max-Forwards, write into a send buffer.
    /// Returns the number of bytes written.
    /// </summary>
    public int ProxyEditWrite()
    {
        var result = SipParser.Parse(_invite, 0, _invite.Length, _message, datagram: true);
        if (result.Status != ParseStatus.Complete || SipValidator.ValidateRequest(_message) != ParseError.None)
        {
            return -1;
        }

        _editor.Reset(_message);
        _editor.AddReceived(SourceAddress, Port);

        // "SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK" + 16 hex digits: the magic cookie (RFC 3261 §8.1.1.7) and a value
        // unique per transaction; a counter stands in for the hash a real proxy would compute.
        Span<byte> via = stackalloc byte[96];
        var n = 0;
        n += Append(via, n, "SIP/2.0/UDP "u8);
        n += Append(via, n, ProxyAddress);
        n += Append(via, n, ":5060;branch=z9hG4bK"u8);
        Utf8Formatter.TryFormat(++_branch, via[n..], out var digits, new StandardFormat('x', 16));
        n += digits;
        _editor.PushVia(via[..n]);

        _editor.AddRecordRoute("<sip:203.0.113.10:5060;lr>"u8);
        _editor.DecrementMaxForwards();
        var length = _editor.GetLength();
        return _editor.WriteTo(_output.AsSpan(0, length));
    }

    /// <summary>Write the 100 Trying a proxy sends for an INVITE (RFC 3261 §16.2) from an already parsed request.</summary>
    public int Write100Trying() => SipResponseWriter.Write(_parsedInvite, 100, "Trying"u8, default, default, _output);

    /// <summary>
    /// Run a compiled 15-statement request route over an already parsed INVITE: three pseudo-variable reads ($rm, $ru,
    /// $fU), one regex match, flag and $var work, a switch (see <see cref="ScriptBench.Script"/>).
    /// </summary>
    public int ScriptDispatch() => _script.Run(_parsedInvite);

    private static int Append(Span<byte> destination, int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(destination[at..]);
        return text.Length;
    }

    private int ProxyEditWriteLength()
    {
        // The INVITE grows by the pushed Via line, the Record-Route line, "=5060" for rport and ";received=198.51.100.7";
        // Max-Forwards 70 becomes 69 and keeps its length.
        var pushedVia = "Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK0123456789abcdef\r\n"u8.Length;
        var recordRoute = "Record-Route: <sip:203.0.113.10:5060;lr>\r\n"u8.Length;
        var received = ";received="u8.Length + SourceAddress.Length;
        return _invite.Length + pushedVia + recordRoute + "=5060"u8.Length + received;
    }

    private int Write100TryingLength()
    {
        // Via, From, To, Call-ID and CSeq copied as they are, then Content-Length: 0.
        var length = "SIP/2.0 100 Trying\r\n"u8.Length + "Content-Length: 0\r\n\r\n"u8.Length;
        foreach (var h in _parsedInvite.Headers)
        {
            if (h.Kind is HeaderKind.Via or HeaderKind.From or HeaderKind.To or HeaderKind.CallId or HeaderKind.CSeq)
            {
                length += h.Name.Length + 2 + h.Value.Length + 2;
            }
        }

        return length;
    }
}
