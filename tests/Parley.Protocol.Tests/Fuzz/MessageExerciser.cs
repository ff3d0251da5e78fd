using System.Text;
using Parley.Protocol.Headers;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Fuzz;

/// <summary>
/// Runs one input through everything a proxy does with a received message: parse (datagram and stream, at a non-zero offset),
/// validate, walk the list headers, read the typed headers, answer it with <see cref="SipResponseWriter"/>, edit and forward it
/// with <see cref="SipMessageEditor"/>, detach it. Any exception or broken invariant is recorded with the input that caused it.
/// Loops over enumerators are bounded, so a value that never advances is reported instead of hanging.
/// </summary>
internal sealed class MessageExerciser(bool exerciseStreamFully = true)
{
    private const int Pad = 3;
    private const int MaxRecorded = 5;

    private readonly SipMessage _message = new();
    private readonly SipMessage _reparsed = new();
    private readonly SipMessageEditor _editor = new();
    private readonly List<string> _failures = [];

    public int Runs { get; private set; }

    public int FailureCount { get; private set; }

    public int CompleteCount { get; private set; }

    public int InvalidCount { get; private set; }

    public int IncompleteCount { get; private set; }

    /// <summary>The first few failures: what broke, and the input as an escaped string and as hex.</summary>
    public IReadOnlyList<string> Failures => _failures;

    public string Report() => $"{FailureCount} of {Runs} runs failed; first {_failures.Count}:\n" + string.Join("\n\n", _failures);

    /// <summary>Runs <paramref name="input"/> as a datagram and as a stream.</summary>
    /// <param name="deep">Also re-parse what the writers produce and detach the message (the costly checks).</param>
    public void Run(ReadOnlySpan<byte> input, string origin, bool deep = true)
    {
        RunMode(input, origin, datagram: true, deep);
        RunMode(input, origin, datagram: false, deep);
    }

    public void RunMode(ReadOnlySpan<byte> input, string origin, bool datagram, bool deep)
    {
        Runs++;

        // The input sits at a non-zero offset with foreign bytes either side, which no range may reach.
        var buffer = new byte[Pad + input.Length + Pad];
        buffer.AsSpan(0, Pad).Fill((byte)'<');
        input.CopyTo(buffer.AsSpan(Pad));
        buffer.AsSpan(Pad + input.Length).Fill((byte)'>');
        try
        {
            Exercise(buffer, input.Length, datagram, deep);
        }
        catch (Exception ex)
        {
            FailureCount++;
            if (_failures.Count < MaxRecorded)
            {
                _failures.Add($"[{origin}, datagram: {datagram}] {ex.GetType().Name}: {ex.Message}\n{FirstFrames(ex)}\n  input (escaped): \"{Escape(input)}\"\n  input (hex): {Convert.ToHexString(input)}");
            }
        }
    }

    public static string Escape(ReadOnlySpan<byte> input)
    {
        var sb = new StringBuilder(input.Length + 16);
        foreach (var b in input)
        {
            _ = b switch
            {
                (byte)'\r' => sb.Append("\\r"),
                (byte)'\n' => sb.Append("\\n"),
                (byte)'\t' => sb.Append("\\t"),
                (byte)'\\' => sb.Append("\\\\"),
                (byte)'"' => sb.Append("\\\""),
                >= 0x20 and < 0x7F => sb.Append((char)b),
                _ => sb.Append("\\x").Append(b.ToString("X2")),
            };
        }

        return sb.ToString();
    }

    private static string FirstFrames(Exception ex)
    {
        var lines = (ex.StackTrace ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return "  at " + string.Join("\n  at ", lines.Take(4).Select(l => l.StartsWith("at ", StringComparison.Ordinal) ? l[3..] : l));
    }

    private void Exercise(byte[] buffer, int count, bool datagram, bool deep)
    {
        var m = _message;
        var result = SipParser.Parse(buffer, Pad, count, m, datagram);
        var lo = Pad;
        var hi = Pad + count;

        switch (result.Status)
        {
            case ParseStatus.Complete:
                CompleteCount++;
                Check(result.Error == ParseError.None, "Complete with an error");
                Check(result.Consumed > 0 && result.Consumed <= count, $"Consumed {result.Consumed} of {count}");
                Check(m.Start >= lo && m.Length > 0 && m.End <= hi, $"message [{m.Start}, {m.End}) outside [{lo}, {hi})");
                Check(result.Consumed == m.End - Pad, $"Consumed {result.Consumed} but the message ends at {m.End - Pad}");
                break;
            case ParseStatus.Invalid:
                InvalidCount++;
                Check(result.Error != ParseError.None, "Invalid without an error");
                Check(result.Consumed == 0, "Invalid consumed bytes");
                break;
            default:
                IncompleteCount++;
                Check(!datagram, "a datagram is never Incomplete");
                Check(result.Consumed == 0 && result.Error == ParseError.None, "Incomplete consumed bytes or has an error");
                break;
        }

        if (result.Status == ParseStatus.Complete)
        {
            // Everything of a complete message lies inside it (never in trailing datagram octets).
            lo = m.Start;
            hi = m.End;
        }

        CheckMessageRanges(m, buffer, lo, hi);
        if (result.Status == ParseStatus.Incomplete)
        {
            return;
        }

        if (!datagram && !exerciseStreamFully)
        {
            // A stream parse that completes takes the datagram's path exactly: check that instead of repeating the work.
            if (deep && result.Status == ParseStatus.Complete)
            {
                var d = SipParser.Parse(buffer, Pad, count, _reparsed, datagram: true);
                Check(d == result && _reparsed.Length == m.Length, $"stream {result} but datagram {d}");
            }

            return;
        }

        var error = result.Error;
        if (result.Status == ParseStatus.Complete)
        {
            error = m.IsRequest ? SipValidator.ValidateRequest(m) : SipValidator.ValidateResponse(m);
            ExerciseTyped(m, buffer, lo, hi);
        }

        // A request is answered even when it failed to parse after its start line (the server answers what it can).
        if (m.IsRequest && (result.Status == ParseStatus.Complete || m.HeaderCount > 0))
        {
            var code = ParseErrors.StatusCode(error);
            Answer(m, code == 0 ? 200 : code, ParseErrors.ReasonPhrase(error), deep);
            if (deep)
            {
                Answer(m, 100, "Trying"u8, deep);
            }
        }

        if (result.Status == ParseStatus.Complete)
        {
            Forward(m, deep);
            if (deep)
            {
                var copy = m.Detach();
                Check(copy.Span.SequenceEqual(m.Span), "Detach changed the bytes");
            }
        }
    }

    private void ExerciseTyped(SipMessage m, byte[] buffer, int lo, int hi)
    {
        var bound = buffer.Length + 2;
        var n = 0;
        var vias = m.Vias;
        while (vias.MoveNext())
        {
            Check(++n <= bound, "the Via enumerator does not terminate");
            CheckVia(vias.Current, buffer, lo, hi);
        }

        foreach (var kind in (ReadOnlySpan<HeaderKind>)[HeaderKind.Route, HeaderKind.RecordRoute, HeaderKind.Contact])
        {
            var e = kind switch
            {
                HeaderKind.Route => m.Routes,
                HeaderKind.RecordRoute => m.RecordRoutes,
                _ => m.Contacts,
            };
            n = 0;
            while (e.MoveNext())
            {
                Check(++n <= bound, $"the {kind} enumerator does not terminate");
                CheckNameAddress(e.Current, buffer, lo, hi, kind.ToString());
            }
        }

        if (m.TryGetTopVia(out var top))
        {
            CheckVia(top, buffer, lo, hi);
        }

        if (m.TryGetFrom(out var from))
        {
            CheckNameAddress(from, buffer, lo, hi, "From");
        }

        if (m.TryGetTo(out var to))
        {
            CheckNameAddress(to, buffer, lo, hi, "To");
        }

        if (m.TryGetCSeq(out var cseq))
        {
            CheckRange(cseq.MethodName, buffer, lo, hi, "CSeq method");
        }

        CheckRange(m.CallId, buffer, lo, hi, "Call-ID");
        Check(m.MaxForwards >= -2, "Max-Forwards below -2");
    }

    private void Answer(SipMessage request, int code, ReadOnlySpan<byte> reason, bool deep)
    {
        var bytes = SipResponseWriter.ToArray(request, code, reason, "tag"u8);
        if (!deep)
        {
            return;
        }

        var max = SipResponseWriter.GetMaxLength(request, reason, "tag"u8, default);
        var destination = new byte[max];
        var written = SipResponseWriter.Write(request, code, reason, "tag"u8, default, destination);
        Check(written <= max, "the response writer overran its own bound");

        Check(bytes.AsSpan().SequenceEqual(destination.AsSpan(0, written)), "ToArray and Write disagree");

        // What Parley sends must itself frame as one whole message.
        var r = SipParser.Parse(bytes, 0, bytes.Length, _reparsed, datagram: false);
        Check(r.Status == ParseStatus.Complete && r.Consumed == bytes.Length, $"the {code} response does not re-parse: {r.Status} {r.Error}");
    }

    private void Forward(SipMessage m, bool deep)
    {
        // The request path of a proxy: received/rport, own Via, Record-Route, loose routing, Max-Forwards (RFC 3261 §16.6).
        _editor.Reset(m);
        _editor.AddReceived("127.0.0.1"u8, 5060);
        _editor.PushVia("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz"u8);
        _editor.AddRecordRoute("<sip:127.0.0.1;lr>"u8);
        _editor.PopRoute();
        _editor.DecrementMaxForwards();
        WriteAndReparse("forwarded request", deep);

        // The response path: remove the proxy's own Via (RFC 3261 §16.7 step 3).
        _editor.Reset(m);
        _editor.PopVia();
        WriteAndReparse("forwarded response", deep);

        // No edits: the message's own bytes.
        _editor.Reset(m);
        var length = _editor.GetLength();
        var bytes = new byte[length];
        Check(_editor.WriteTo(bytes) == length, "an unedited message wrote a different length");
        Check(bytes.AsSpan(0, m.Length).SequenceEqual(m.Span), "an unedited message changed");
    }

    private void WriteAndReparse(string what, bool deep)
    {
        var length = _editor.GetLength();
        var bytes = new byte[length];
        var written = _editor.WriteTo(bytes);
        Check(written == length, $"{what}: GetLength {length} but WriteTo wrote {written}");
        if (!deep)
        {
            return;
        }

        var r = SipParser.Parse(bytes, 0, bytes.Length, _reparsed, datagram: true);
        Check(r.Status == ParseStatus.Complete, $"{what} does not re-parse: {r.Error}");
    }

    private static void CheckMessageRanges(SipMessage m, byte[] buffer, int lo, int hi)
    {
        CheckRange(m.MethodName, buffer, lo, hi, "method");
        CheckRange(m.RequestUri, buffer, lo, hi, "Request-URI");
        CheckRange(m.Version, buffer, lo, hi, "version");
        CheckRange(m.ReasonPhrase, buffer, lo, hi, "reason phrase");
        CheckRange(m.Body, buffer, lo, hi, "body");
        foreach (var h in m.Headers)
        {
            CheckRange(h.Name, buffer, lo, hi, "header name");
            CheckRange(h.Value, buffer, lo, hi, "header value");
            CheckRange(h.Line, buffer, lo, hi, "header line");
            Check(h.Line.Start == h.Name.Start && h.Value.End <= h.Line.End, "a header's parts lie outside its line");
        }
    }

    private static void CheckVia(in ViaValue via, byte[] buffer, int lo, int hi)
    {
        CheckRange(via.Value, buffer, lo, hi, "Via value");
        CheckRange(via.ProtocolName, buffer, lo, hi, "Via protocol");
        CheckRange(via.ProtocolVersion, buffer, lo, hi, "Via version");
        CheckRange(via.TransportToken, buffer, lo, hi, "Via transport");
        CheckRange(via.Host, buffer, lo, hi, "Via host");
        CheckRange(via.Parameters, buffer, lo, hi, "Via parameters");
        CheckRange(via.Branch, buffer, lo, hi, "Via branch");
        CheckRange(via.Received, buffer, lo, hi, "Via received");
        CheckRange(via.Maddr, buffer, lo, hi, "Via maddr");
        Check(!via.HasRport || (via.RportEnd >= lo && via.RportEnd <= hi), "Via rport position outside the message");
        Check(via.Port is >= -1 and <= 65535, "Via port out of range");
    }

    private static void CheckNameAddress(in NameAddress value, byte[] buffer, int lo, int hi, string what)
    {
        CheckRange(value.Value, buffer, lo, hi, what + " value");
        CheckRange(value.DisplayName, buffer, lo, hi, what + " display name");
        CheckRange(value.Uri, buffer, lo, hi, what + " URI");
        CheckRange(value.Parameters, buffer, lo, hi, what + " parameters");
        CheckRange(value.Tag, buffer, lo, hi, what + " tag");
        CheckRange(value.Q, buffer, lo, hi, what + " q");
    }

    /// <summary>A non-empty range must lie in [lo, hi); an empty one (an absent part) anywhere in the buffer.</summary>
    private static void CheckRange(ByteRange range, byte[] buffer, int lo, int hi, string what)
    {
        if (range.Length < 0 || range.Start < 0 || range.End > buffer.Length)
        {
            throw new FuzzInvariantException($"{what} {range} is outside the buffer of {buffer.Length}");
        }

        if (range.Length > 0 && (range.Start < lo || range.End > hi))
        {
            throw new FuzzInvariantException($"{what} {range} is outside [{lo}, {hi})");
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(what);
        }
    }
}
