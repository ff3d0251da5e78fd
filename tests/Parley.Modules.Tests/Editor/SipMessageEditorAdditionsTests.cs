using System.Text;
using Parley.Modules.Tests.TestSupport;
using Parley.Protocol;
using Parley.Protocol.Writing;

namespace Parley.Modules.Tests.Editor;

/// <summary>The editor methods these modules added to Parley.Protocol: Overlaps, InsertLines, Content-Length after body edits.</summary>
public sealed class SipMessageEditorAdditionsTests
{
    private const string Message = "MESSAGE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\nCall-ID: e1\nCSeq: 1 MESSAGE\nSubject: s\nContent-Type: text/plain\nContent-Length: 5\n\nhello";

    private static (SipMessage Message, SipMessageEditor Editor) Edit(string text)
    {
        var message = TestHost.Parse(text);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        return (message, editor);
    }

    private static string Text(SipMessageEditor editor) => Encoding.UTF8.GetString(editor.ToArray());

    [Fact]
    public void Overlaps_DeletedLine_ReportsBytesInsideButNotItsEdges()
    {
        var (message, editor) = Edit(Message);
        var subject = message.Headers[message.IndexOf("Subject"u8)].Line;
        editor.Delete(subject);

        Assert.True(editor.Overlaps(subject));
        Assert.True(editor.Overlaps(new ByteRange(subject.Start + 2, 3)));
        Assert.True(editor.Overlaps(new ByteRange(subject.Start + 1, 0)));
        Assert.False(editor.Overlaps(new ByteRange(subject.Start, 0)));
        Assert.False(editor.Overlaps(new ByteRange(subject.End, 0)));
        Assert.False(editor.Overlaps(new ByteRange(subject.End, 4)));
    }

    [Fact]
    public void Overlaps_Insertion_OnlyWhenStrictlyInsideTheRange()
    {
        var (message, editor) = Edit(Message);
        var callId = message.Headers[message.IndexOf(HeaderKind.CallId)].Value;
        editor.Insert(callId.Start + 1, "x"u8);

        Assert.True(editor.Overlaps(callId));
        Assert.False(editor.Overlaps(new ByteRange(callId.Start + 1, 0)));
        Assert.False(editor.Overlaps(new ByteRange(callId.Start + 1, 1)));
    }

    [Fact]
    public void InsertLines_AtTheEndOfAnUnterminatedSection_CompletesTheLastLineFirst()
    {
        var (message, editor) = Edit("OPTIONS sip:b@x SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\nCall-ID: e2\nCSeq: 1 OPTIONS\nX-Last: v".Replace("\n", "\r\n", StringComparison.Ordinal));

        editor.InsertLines(message.HeadersEnd, "X-A: 1\r\nX-B: 2\r\n"u8);

        Assert.EndsWith("X-Last: v\r\nX-A: 1\r\nX-B: 2\r\n\r\n", Text(editor), StringComparison.Ordinal);
    }

    [Fact]
    public void InsertLines_BeforeAHeader_KeepsOrderWithItsRemoval()
    {
        var (message, editor) = Edit(Message);
        var subject = message.Headers[message.IndexOf("Subject"u8)].Line;
        editor.Delete(subject);
        editor.InsertLines(subject.Start, "Subject: new\r\n"u8);

        Assert.Contains("\r\nCSeq: 1 MESSAGE\r\nSubject: new\r\nContent-Type:", Text(editor), StringComparison.Ordinal);
    }

    [Fact]
    public void BodyEdits_ShorterAndLonger_KeepContentLengthTrue()
    {
        var (message, editor) = Edit(Message);
        editor.Replace(new ByteRange(message.Body.Start, 1), "J"u8);
        editor.Insert(message.Body.End, ", world"u8);
        editor.Delete(new ByteRange(message.Body.Start + 1, 1));

        var text = Text(editor);
        Assert.EndsWith("\r\nContent-Length: 11\r\n\r\nJllo, world", text, StringComparison.Ordinal);
        Assert.Equal(editor.GetLength(), Encoding.UTF8.GetByteCount(text));
    }

    [Fact]
    public void BodyEdits_NoContentLengthHeader_AddsOne()
    {
        var (message, editor) = Edit(Message.Replace("Content-Length: 5\n", "", StringComparison.Ordinal));
        editor.Insert(message.Body.End, "!"u8);

        var text = Text(editor);
        Assert.EndsWith("\r\nContent-Length: 6\r\n\r\nhello!", text, StringComparison.Ordinal);
        Assert.Equal(editor.GetLength(), Encoding.UTF8.GetByteCount(text));
    }

    [Fact]
    public void HeaderEdits_LeaveContentLengthAlone()
    {
        var (message, editor) = Edit(Message);
        editor.Replace(message.Headers[message.IndexOf("Subject"u8)].Value, "a much longer subject"u8);

        Assert.EndsWith("\r\nContent-Length: 5\r\n\r\nhello", Text(editor), StringComparison.Ordinal);
    }
}
