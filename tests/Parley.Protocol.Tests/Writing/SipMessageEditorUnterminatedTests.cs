using System.Text;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Writing;

/// <summary>Editing datagrams whose header section has no closing empty line (RFC 4475 §3.1.2.15's file ends so; so does a cut datagram).</summary>
public class SipMessageEditorUnterminatedTests
{
    private const string Head =
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n";

    [Theory]
    [InlineData("l: 0")]
    [InlineData("l: 0\r")]
    [InlineData("l: 0\r\n")]
    [InlineData("l: 0\r\n\r")]
    [InlineData("l: 0\n")]
    public void WriteTo_UnterminatedDatagramWithoutMaxForwards_AddsItOnItsOwnLine(string tail)
    {
        var m = SampleMessages.Parse(Head + tail);
        Assert.False(m.HeadersTerminated);
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.DecrementMaxForwards();

        var text = Write(editor);
        Assert.EndsWith("l: 0" + (tail.Contains('\n', StringComparison.Ordinal) && !tail.Contains('\r', StringComparison.Ordinal) ? "\n" : "\r\n") + "Max-Forwards: 70\r\n\r\n", text, StringComparison.Ordinal);
        AssertReparses(text, expectedMaxForwards: 70);
    }

    [Theory]
    [InlineData("Max-Forwards:")]
    [InlineData("Max-Forwards: ")]
    [InlineData("Max-Forwards: 7")]
    public void WriteTo_UnterminatedLastLineIsMaxForwards_ReplacesValueInsideTheLine(string tail)
    {
        var m = SampleMessages.Parse(Head + tail);
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.DecrementMaxForwards();
        editor.AddHeader("X-Added"u8, "1"u8);

        var text = Write(editor);
        Assert.Contains("\r\nX-Added: 1\r\n\r\n", text, StringComparison.Ordinal);
        AssertReparses(text, expectedMaxForwards: tail.EndsWith('7') ? 6 : 0);
    }

    [Fact]
    public void WriteTo_UnterminatedLastLineIsVia_AppendsReceivedInsideTheLine()
    {
        var m = SampleMessages.Parse("OPTIONS sip:a@b SIP/2.0\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1");
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.AddReceived("192.0.2.9"u8, 5060);
        editor.PushVia("SIP/2.0/UDP p;branch=z9hG4bK2"u8);
        editor.DecrementMaxForwards();

        var text = Write(editor);
        Assert.EndsWith("Via: SIP/2.0/UDP p;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1;received=192.0.2.9\r\nMax-Forwards: 70\r\n\r\n", text, StringComparison.Ordinal);
        AssertReparses(text, expectedMaxForwards: 70);
    }

    [Fact]
    public void WriteTo_UnterminatedLastLineRemoved_EndsHeadersOnce()
    {
        var m = SampleMessages.Parse("SIP/2.0 200 OK\r\nTo: <sip:a@b>;tag=2\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nVia: SIP/2.0/UDP p;branch=z9hG4bK2");
        var editor = new SipMessageEditor();
        editor.Reset(m);
        Assert.True(editor.PopVia());

        Assert.Equal("SIP/2.0 200 OK\r\nTo: <sip:a@b>;tag=2\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", Write(editor));
    }

    [Fact]
    public void ReplaceBody_UnterminatedDatagram_PutsBodyAfterTheEmptyLine()
    {
        var m = SampleMessages.Parse(Head + "Max-Forwards: 70");
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.ReplaceBody("hello"u8, "text/plain"u8);

        var text = Write(editor);
        Assert.EndsWith("Max-Forwards: 70\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello", text, StringComparison.Ordinal);
        var reparsed = SampleMessages.Parse(text, datagram: false);
        Assert.Equal("hello", reparsed.GetString(reparsed.Body));
    }

    private static string Write(SipMessageEditor editor)
    {
        var length = editor.GetLength();
        var bytes = new byte[length];
        Assert.Equal(length, editor.WriteTo(bytes));
        return Encoding.UTF8.GetString(bytes);
    }

    private static void AssertReparses(string text, int expectedMaxForwards)
    {
        var m = SampleMessages.Parse(text);
        Assert.True(m.HeadersTerminated);
        Assert.Equal(expectedMaxForwards, m.MaxForwards);
        Assert.Equal(expectedMaxForwards == 0 ? ParseError.TooManyHops : ParseError.None, SipValidator.ValidateRequest(m));
    }
}
