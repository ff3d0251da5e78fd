namespace Parley.Protocol.Tests;

public class TypedHeaderTests
{
    private const string Head = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n";

    [Fact]
    public void TokenLists_AcrossLinesCommasAndCompactForm_YieldEveryToken()
    {
        var m = SampleMessages.Parse(Head + "Supported: timer , 100rel\r\nk: path\r\nAllow: INVITE,ACK, BYE\r\nRequire: \r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(["timer", "100rel", "path"], Tokens(m, m.Supported));
        Assert.Equal(["INVITE", "ACK", "BYE"], Tokens(m, m.Allow));
        Assert.Empty(Tokens(m, m.Require));
        Assert.Empty(Tokens(m, m.ProxyRequire));
    }

    [Fact]
    public void TokenLists_NonToken_StopsWithFailed()
    {
        var m = SampleMessages.Parse(Head + "Supported: timer, 100rel; x\r\nContent-Length: 0\r\n\r\n");
        var e = m.Supported;
        Assert.True(e.MoveNext());
        Assert.Equal("timer", m.GetString(e.Current));
        Assert.False(e.MoveNext());
        Assert.True(e.Failed);
    }

    [Theory]
    [InlineData("", -1L)]
    [InlineData("Expires: 0300\r\n", 300L)]
    [InlineData("Expires: 99999999999999999999\r\n", 3600L)]
    [InlineData("Expires: soon\r\n", -2L)]
    public void Expires_Values_ParseAsRfc4475Allows(string header, long expected)
    {
        var m = SampleMessages.Parse(Head + header + "Content-Length: 0\r\n\r\n");
        Assert.Equal(expected, m.Expires);
        Assert.Equal(expected == -2 ? ParseError.BadExpires : ParseError.None, SipValidator.ValidateRequest(m));
    }

    [Fact]
    public void ContentType_Present_IsTheWholeValue()
    {
        var m = SampleMessages.Parse(SampleMessages.Invite);
        Assert.Equal("application/sdp", m.GetString(m.ContentType));
        Assert.True(SampleMessages.Parse(Head + "Content-Length: 0\r\n\r\n").ContentType.IsEmpty);
    }

    private static List<string> Tokens(SipMessage m, Headers.TokenListEnumerator e)
    {
        var list = new List<string>();
        foreach (var t in e)
        {
            list.Add(m.GetString(t));
        }

        return list;
    }
}
