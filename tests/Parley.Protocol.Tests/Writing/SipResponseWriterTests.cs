using System.Text;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Writing;

public class SipResponseWriterTests
{
    [Fact]
    public void ToArray_Invite_CopiesViaFromToCallIdCSeqAndAddsToTag()
    {
        var request = SampleMessages.Parse(SampleMessages.Invite);
        var text = Encoding.UTF8.GetString(SipResponseWriter.ToArray(request, 486, "Busy Here"u8, "abc123"u8, "Server: Parley\r\n"u8));
        Assert.Equal(
            "SIP/2.0 486 Busy Here\r\n" +
            "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n" +
            "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
            "To: Bob <sip:bob@biloxi.example.com>;tag=abc123\r\n" +
            "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
            "CSeq: 1 INVITE\r\n" +
            "Server: Parley\r\n" +
            "Content-Length: 0\r\n\r\n",
            text);
    }

    [Fact]
    public void ToArray_Trying_HasNoToTagAndEchoesTimestamp()
    {
        var request = SampleMessages.Parse(SampleMessages.Invite.Replace("CSeq: 1 INVITE\r\n", "CSeq: 1 INVITE\r\nTimestamp: 54\r\n", StringComparison.Ordinal));
        var text = Encoding.UTF8.GetString(SipResponseWriter.ToArray(request, 100, "Trying"u8, "abc123"u8));
        Assert.Contains("To: Bob <sip:bob@biloxi.example.com>\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Timestamp: 54\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToArray_CompactHeaders_WritesLongNamesAndKeepsEveryViaInOrder()
    {
        var request = SampleMessages.Parse("OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP one;branch=z9hG4bK1\r\nv: SIP/2.0/UDP two;branch=z9hG4bK2\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>;tag=2\r\ni: cid\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n");
        var text = Encoding.UTF8.GetString(SipResponseWriter.ToArray(request, 200, "OK"u8, "zzz"u8));
        Assert.Contains("Via: SIP/2.0/UDP one;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP two;branch=z9hG4bK2\r\n", text, StringComparison.Ordinal);
        Assert.Contains("To: <sip:a@b>;tag=2\r\n", text, StringComparison.Ordinal); // an existing tag is kept, never doubled
        Assert.Contains("Call-ID: cid\r\n", text, StringComparison.Ordinal);
    }
}
