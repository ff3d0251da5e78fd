namespace Parley.Protocol.Tests;

public class SipParserTests
{
    [Fact]
    public void Parse_Invite_IndexesStartLineHeadersAndBody()
    {
        var m = SampleMessages.Parse(SampleMessages.Invite);
        Assert.True(m.IsRequest);
        Assert.Equal(SipMethod.Invite, m.Method);
        Assert.Equal("sip:bob@biloxi.example.com", m.GetString(m.RequestUri));
        Assert.Equal(9, m.HeaderCount);
        Assert.Equal(151, m.ContentLength);
        Assert.Equal(151, m.Body.Length);
        Assert.Equal("3848276298220188511@atlanta.example.com", m.GetString(m.CallId));
        Assert.Equal(70, m.MaxForwards);
        var via = m.TopVia;
        Assert.Equal(SipTransport.Udp, via.Transport);
        Assert.Equal("client.atlanta.example.com", m.GetString(via.Host));
        Assert.Equal(5060, via.Port);
        Assert.Equal("z9hG4bK74bf9", m.GetString(via.Branch));
        Assert.True(via.HasRport);
        Assert.Equal(-1, via.Rport);
        Assert.Equal("9fxced76sl", m.GetString(m.From.Tag));
        Assert.Equal("\"Alice\"", m.GetString(m.From.DisplayName));
        Assert.False(m.To.HasTag);
        Assert.Equal(1u, m.CSeq.Number);
        Assert.Equal(SipMethod.Invite, m.CSeq.Method);
        Assert.Equal(ParseError.None, SipValidator.ValidateRequest(m));
    }

    [Fact]
    public void Parse_ResponseWithTwoViasOnOneLine_EnumeratesBoth()
    {
        var m = SampleMessages.Parse(SampleMessages.Ok);
        Assert.False(m.IsRequest);
        Assert.Equal(200, m.StatusCode);
        Assert.Equal("OK", m.GetString(m.ReasonPhrase));
        var hosts = new List<string>();
        foreach (var via in m.Vias)
        {
            hosts.Add(m.GetString(via.Host));
        }

        Assert.Equal(["proxy.example.com", "client.atlanta.example.com"], hosts);
        Assert.Equal(ParseError.None, SipValidator.ValidateResponse(m));
    }

    [Fact]
    public void Parse_EveryPrefixOfStream_IsIncompleteAndConsumesNothing()
    {
        var bytes = SampleMessages.Bytes(SampleMessages.Invite);
        var m = new SipMessage();
        for (var n = 0; n < bytes.Length; n++)
        {
            var r = SipParser.Parse(bytes, 0, n, m, datagram: false);
            Assert.Equal(ParseStatus.Incomplete, r.Status);
            Assert.Equal(0, r.Consumed);
        }

        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, m, datagram: false).Status);
    }

    [Theory]
    [InlineData("Content-Length: -1", ParseError.BadContentLength)]
    [InlineData("Content-Length: 5\r\nl: 6", ParseError.ConflictingContentLength)]
    [InlineData("Content-Length: 50", ParseError.ContentLengthExceedsMessage)]
    public void Parse_BadContentLengthInDatagram_ReportsReason(string header, ParseError expected)
    {
        var text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + header + "\r\n\r\nhello";
        var bytes = SampleMessages.Bytes(text);
        var r = SipParser.Parse(bytes, 0, bytes.Length, new SipMessage(), datagram: true);
        Assert.Equal(ParseStatus.Invalid, r.Status);
        Assert.Equal(expected, r.Error);
    }

    [Fact]
    public void Parse_DatagramEndingInStrayCr_LeavesItOutOfTheMessage()
    {
        var bytes = SampleMessages.Bytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nl: 0\r\n\r");
        var m = new SipMessage();
        var r = SipParser.Parse(bytes, 0, bytes.Length, m, datagram: true);
        Assert.Equal(new ParseResult(ParseStatus.Complete, ParseError.None, bytes.Length - 1), r);
        Assert.False(m.HeadersTerminated);
        Assert.Equal(bytes.Length - 1, m.HeadersEnd);
        Assert.Equal(new ByteRange(bytes.Length - 1, 0), m.Body);
    }

    [Fact]
    public void Parse_UnterminatedDatagramWithoutContentLength_HasNoBody()
    {
        var bytes = SampleMessages.Bytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r");
        var m = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, m, datagram: true).Status);
        Assert.Equal(-1, m.ContentLength);
        Assert.True(m.Body.IsEmpty);
        Assert.Equal(bytes.Length - 1, m.End);
    }

    [Theory]
    [InlineData("OPTIONS sip:a@b SIP/7.0", ParseError.UnsupportedVersion)]
    [InlineData("OPTIONS <sip:a@b> SIP/2.0", ParseError.BadRequestUri)]
    [InlineData("OPTIONS  sip:a@b SIP/2.0", ParseError.BadStartLine)]
    [InlineData("OPTIONS sip:a@b SIP/2.0 ", ParseError.BadStartLine)]
    [InlineData("OPTIONS sip:a@b", ParseError.BadStartLine)]
    public void Parse_MalformedRequestLine_ReportsItAndIndexesHeadersForTheAnswer(string requestLine, ParseError expected)
    {
        var bytes = SampleMessages.Bytes(requestLine + "\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\nBad Line\r\nContent-Length: 0\r\n\r\n");
        var m = new SipMessage();
        Assert.Equal(ParseResult.Invalid(expected), SipParser.Parse(bytes, 0, bytes.Length, m, datagram: true));
        Assert.True(m.IsRequest);
        Assert.Equal(SipMethod.Options, m.Method);
        Assert.Equal(0, m.IndexOf(HeaderKind.Via)); // indexed up to the bad header line; the request line's error wins
        Assert.Equal(1, m.IndexOf(HeaderKind.CSeq));
    }

    [Fact]
    public void Parse_MalformedRequestLineOnStream_WaitsForTheHeaderSection()
    {
        var bytes = SampleMessages.Bytes("OPTIONS sip:a@b SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n");
        var m = new SipMessage();
        for (var n = 0; n < bytes.Length; n++)
        {
            var r = SipParser.Parse(bytes, 0, n, m, datagram: false);
            Assert.True(r.Status != ParseStatus.Complete, $"prefix {n}");
            Assert.True(r == ParseResult.Incomplete || n >= bytes.IndexOf((byte)'\n') + 1, $"prefix {n}: {r}");
        }

        Assert.Equal(ParseResult.Invalid(ParseError.UnsupportedVersion), SipParser.Parse(bytes, 0, bytes.Length, m, datagram: false));
    }

    [Theory]
    [InlineData("INV@ITE sip:a@b SIP/2.0", ParseError.BadMethod)]
    [InlineData("SIP/2.0 2000 OK", ParseError.BadStatusCode)]
    public void Parse_StartLineNotARequestLine_FailsWithoutIndexingHeaders(string startLine, ParseError expected)
    {
        var bytes = SampleMessages.Bytes(startLine + "\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n");
        var m = new SipMessage();
        Assert.Equal(ParseResult.Invalid(expected), SipParser.Parse(bytes, 0, bytes.Length, m, datagram: true));
        Assert.False(m.IsRequest);
        Assert.Equal(0, m.HeaderCount);
    }
}
