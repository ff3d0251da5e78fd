namespace Parley.Protocol.Tests;

public class SipValidatorTests
{
    [Theory]
    [InlineData("sip:user@example.com?Route=%3Csip:x%3E", ParseError.BadRequestUri)]
    [InlineData("sip:a?b@example.com?Route=%3Csip:x%3E", ParseError.BadRequestUri)] // '?' in the user part, then headers
    [InlineData("sip:example.com?x=y", ParseError.BadRequestUri)]
    [InlineData("sip:a?b@example.com", ParseError.None)] // '?' is a user-unreserved character
    [InlineData("sip:example.com;lr", ParseError.None)]
    public void ValidateRequest_RequestUriHeaders_AreRefused(string uri, ParseError expected)
    {
        var m = SampleMessages.Parse(
            $"OPTIONS {uri} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\n" +
            "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(expected, SipValidator.ValidateRequest(m));
    }
}
