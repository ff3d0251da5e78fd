using System.Text;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Writing;

public class SipMessageEditorTests
{
    private const string Request =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP c.example.com:5070;branch=z9hG4bKc;rport\r\n" +
        "Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        "Call-ID: c1\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "X-Custom: one\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "body";

    [Fact]
    public void WriteTo_NoEdits_CopiesTheMessageByteForByte()
    {
        var (m, e) = Edit(Request);
        Assert.Equal(Request, Text(e));
        Assert.Equal(Request.Length, e.GetLength());
        Assert.Same(m, e.Message);
    }

    [Fact]
    public void PushVia_AddsALineAboveTheFirstVia()
    {
        var (_, e) = Edit(Request);
        e.PushVia("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew"u8);
        var text = Text(e);
        Assert.Contains("SIP/2.0\r\nVia: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew\r\nVia: SIP/2.0/UDP p1.example.com", text, StringComparison.Ordinal);
        Assert.Equal(ParseError.None, Reparse(text));
    }

    [Fact]
    public void PopVia_FirstOfTwoOnOneLine_KeepsTheSecond()
    {
        var (_, e) = Edit(Request);
        Assert.True(e.PopVia());
        var text = Text(e);
        Assert.Contains("\r\nVia: SIP/2.0/UDP c.example.com:5070;branch=z9hG4bKc;rport\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("p1.example.com", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PopVia_OnlyValueOfItsLine_RemovesTheLine()
    {
        var (_, e) = Edit(SampleMessages.Ok.Replace("Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2d4790.1, ", "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2d4790.1\r\nVia: ", StringComparison.Ordinal));
        Assert.True(e.PopVia());
        var text = Text(e);
        Assert.StartsWith("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP client.atlanta.example.com:5060", text, StringComparison.Ordinal);
        Assert.Single(text.Split("Via:")[1..]);
    }

    [Fact]
    public void PopRoute_ThenAddRecordRoute_EditsBothLists()
    {
        var (_, e) = Edit(Request);
        Assert.True(e.PopRoute());
        e.AddRecordRoute("<sip:proxy.example.com;lr>"u8);
        var text = Text(e);
        Assert.Contains("\r\nRoute: <sip:p3.example.com;lr>\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nRecord-Route: <sip:proxy.example.com;lr>\r\n", text, StringComparison.Ordinal);
        Assert.Equal(ParseError.None, Reparse(text));
    }

    [Fact]
    public void SetRequestUri_AndDecrementMaxForwards_ChangeOnlyThoseBytes()
    {
        var (_, e) = Edit(Request);
        e.SetRequestUri("sip:bob@192.0.2.4:5080;transport=tcp"u8);
        e.DecrementMaxForwards();
        var expected = Request.Replace("INVITE sip:bob@biloxi.example.com SIP/2.0", "INVITE sip:bob@192.0.2.4:5080;transport=tcp SIP/2.0", StringComparison.Ordinal)
            .Replace("Max-Forwards: 70", "Max-Forwards: 69", StringComparison.Ordinal);
        Assert.Equal(expected, Text(e));
    }

    [Fact]
    public void DecrementMaxForwards_Absent_AddsSeventy()
    {
        var (_, e) = Edit(Request.Replace("Max-Forwards: 70\r\n", "", StringComparison.Ordinal));
        e.DecrementMaxForwards();
        var reparsed = SampleMessages.Parse(Text(e));
        Assert.Equal(70, reparsed.MaxForwards);
        Assert.Equal(1, reparsed.CountOf(HeaderKind.MaxForwards));
    }

    [Fact]
    public void AddReceived_ViaWithRport_FillsRportAndAddsReceived()
    {
        var (_, e) = Edit("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP c.example.com:5070;branch=z9hG4bKc;rport\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        e.AddReceived("192.0.2.7"u8, 40000);
        Assert.Contains("Via: SIP/2.0/UDP c.example.com:5070;branch=z9hG4bKc;rport=40000;received=192.0.2.7\r\n", Text(e), StringComparison.Ordinal);
    }

    [Fact]
    public void AddReceived_SentByIsTheSourceWithoutRport_AddsNothing()
    {
        var (_, e) = Edit("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKc\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        e.AddReceived("192.0.2.7"u8, 5070);
        Assert.Equal(0, e.EditCount);
    }

    [Fact]
    public void AddReceived_ExistingReceived_IsReplaced()
    {
        var (_, e) = Edit("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;received=10.0.0.1;branch=z9hG4bKc\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        e.AddReceived("192.0.2.7"u8, 5070);
        Assert.Contains(";received=192.0.2.7;branch=z9hG4bKc", Text(e), StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderEdits_AddRemoveReplace_Apply()
    {
        var (m, e) = Edit(Request);
        e.AddHeader("X-Added"u8, "yes"u8);
        e.ReplaceHeaderValue(m.IndexOf("x-custom"u8), "two"u8);
        e.RemoveHeader(m.IndexOf(HeaderKind.Route));
        var text = Text(e);
        Assert.Contains("X-Custom: two\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 4\r\nX-Added: yes\r\n\r\nbody", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Route:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveHeaders_ByName_RemovesEveryLine()
    {
        var (_, e) = Edit(Request.Replace("X-Custom: one\r\n", "X-Custom: one\r\nx-custom: again\r\n", StringComparison.Ordinal));
        Assert.Equal(2, e.RemoveHeaders("X-Custom"u8));
        Assert.DoesNotContain("ustom", Text(e), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReplaceBody_UpdatesContentLengthAndType()
    {
        var (_, e) = Edit(Request);
        e.ReplaceBody("v=0\r\nnew body\r\n"u8, "application/sdp"u8);
        var text = Text(e);
        Assert.Contains("Content-Length: 15\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/sdp\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nv=0\r\nnew body\r\n", text, StringComparison.Ordinal);
        Assert.Equal(e.GetLength(), Encoding.UTF8.GetByteCount(text));
        Assert.Equal(ParseError.None, Reparse(text));
    }

    [Fact]
    public void ReplaceBody_NoContentLengthInDatagram_AddsOne()
    {
        var (_, e) = Edit("MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n\r\nhello");
        e.ReplaceBody("hi"u8);
        var text = Text(e);
        Assert.Contains("Content-Length: 2\r\n\r\nhi", text, StringComparison.Ordinal);
        Assert.Equal(e.GetLength(), text.Length);
    }

    [Fact]
    public void WriteTo_DatagramWithTrailingOctets_WritesOnlyTheMessage()
    {
        var (_, e) = Edit(Request + "\r\nINVITE sip:trailing SIP/2.0\r\n");
        e.DecrementMaxForwards();
        var text = Text(e);
        Assert.EndsWith("\r\n\r\nbody", text, StringComparison.Ordinal);
        Assert.DoesNotContain("trailing", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_OverlappingEdits_Throws()
    {
        var (m, e) = Edit(Request);
        e.RemoveHeader(m.IndexOf(HeaderKind.Route));
        e.Delete(new ByteRange(m.Headers[m.IndexOf(HeaderKind.Route)].Line.Start + 2, 3));
        Assert.Throws<InvalidOperationException>(() => e.ToArray());
    }

    private static (SipMessage Message, SipMessageEditor Editor) Edit(string text)
    {
        var m = SampleMessages.Parse(text);
        var e = new SipMessageEditor();
        e.Reset(m);
        return (m, e);
    }

    private static string Text(SipMessageEditor e) => Encoding.UTF8.GetString(e.ToArray());

    private static ParseError Reparse(string text)
    {
        var m = SampleMessages.Parse(text);
        return m.IsRequest ? SipValidator.ValidateRequest(m) : SipValidator.ValidateResponse(m);
    }
}
