using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

public class SipUriEquivalenceTests
{
    private static bool Equivalent(string a, string b)
    {
        var ta = Bytes(a);
        var tb = Bytes(b);
        Assert.True(SipUri.TryParse(ta, out var ua, out var ea), $"{a} -> {ea}");
        Assert.True(SipUri.TryParse(tb, out var ub, out var eb), $"{b} -> {eb}");
        var forward = SipUri.Equivalent(ta, ua, tb, ub);
        Assert.Equal(forward, SipUri.Equivalent(tb, ub, ta, ua));
        Assert.True(SipUri.Equivalent(ta, ua, ta, ua));
        return forward;
    }

    // RFC 3261 §19.1.4, the equivalent examples.
    [Theory]
    [InlineData("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;security=on")]
    [InlineData("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on")]
    [InlineData("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com")]
    [InlineData("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x")]
    public void Equivalent_Rfc3261EquivalentExamples_True(string a, string b) => Assert.True(Equivalent(a, b));

    // RFC 3261 §19.1.4, the non-equivalent examples.
    [Theory]
    [InlineData("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting")]
    [InlineData("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4")]
    public void Equivalent_Rfc3261NonEquivalentExamples_False(string a, string b) => Assert.False(Equivalent(a, b));

    // RFC 4475 §3.1.1.3 (esc01), §3.1.1.4 (escnull) and §3.1.1.9 (semiuri).
    [Theory]
    [InlineData("sip:%75se%72@example.com", "sip:user@example.com", true)]
    [InlineData("sip:I%20have%20spaces@example.net", "sip:I%20have%20spaces@example.net", true)]
    [InlineData("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", "sip:caller@host5.example.net;lr;name=value%25%34%31", true)]
    [InlineData("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", "sip:caller@host5.example.net;name=value%2541", true)]
    [InlineData("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", "sip:caller@host5.example.net;name=valueA", false)]
    [InlineData("sip:sips%3Auser%40example.com@example.net", "sip:sips%3auser%40example.com@example.net", true)]
    [InlineData("sip:null-%00-null@example.com", "sip:null-%00-null@example.com", true)]
    [InlineData("sip:null-%00-null@example.com", "sip:null-%00-nulx@example.com", false)]
    [InlineData("sip:%00@host5.example.com", "sip:%00%00@host5.example.com", false)]
    [InlineData("sip:user;par=u%40example.net@example.com", "sip:user;par=u%40example.net@example.com", true)]
    [InlineData("sip:user;par=u%40example.net@example.com", "sip:user%3Bpar=u%40example.net@example.com", false)]
    public void Equivalent_TortureCorpusEscapes_FollowSingleUnescapeRule(string a, string b, bool expected) =>
        Assert.Equal(expected, Equivalent(a, b));

    [Theory]
    [InlineData("sip:alice@atlanta.com", "sips:alice@atlanta.com", false)]
    [InlineData("sip:alice@atlanta.com", "sip:Alice@atlanta.com", false)]
    [InlineData("sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com", false)]
    [InlineData("sip:alice:pw@atlanta.com", "sip:alice@atlanta.com", false)]
    [InlineData("sip:alice:@atlanta.com", "sip:alice@atlanta.com", false)]
    [InlineData("sip:atlanta.com", "sip:alice@atlanta.com", false)]
    [InlineData("sip:a.com;user=phone", "sip:a.com", false)]
    [InlineData("sip:a.com;ttl=1", "sip:a.com", false)]
    [InlineData("sip:a.com;ttl=1", "sip:a.com;ttl=001", true)]
    [InlineData("sip:a.com;ttl=1", "sip:a.com;ttl=2", false)]
    [InlineData("sip:a.com;method=INVITE", "sip:a.com", false)]
    [InlineData("sip:a.com;method=INVITE", "sip:a.com;method=invite", true)]
    [InlineData("sip:a.com;maddr=1.2.3.4", "sip:a.com", false)]
    [InlineData("sip:a.com;maddr=[2001:db8::1]", "sip:a.com;maddr=[2001:DB8:0::1]", true)]
    [InlineData("sip:a.com;maddr=Example.com", "sip:a.com;maddr=example.COM", true)]
    [InlineData("sip:a.com;%74ransport=tcp", "sip:a.com;transport=TCP", true)]
    [InlineData("sip:a.com;lr", "sip:a.com", true)]
    [InlineData("sip:a.com;lr", "sip:a.com;lr", true)]
    [InlineData("sip:a.com;lr", "sip:a.com;lr=on", false)]
    [InlineData("sip:a.com;x=ABC", "sip:a.com;X=abc", true)]
    [InlineData("sip:a.com;x=1;x=2", "sip:a.com;x=1", true)]
    [InlineData("sip:a.com;x=1;x=2", "sip:a.com;x=2", false)]
    [InlineData("sip:a.com:5060", "sip:a.com:05060", true)]
    [InlineData("sip:[2001:db8::9:1]", "sip:[2001:DB8:0:0:0:0:9:01]", true)]
    [InlineData("sip:192.0.2.4", "sip:192.000.002.004", true)]
    [InlineData("sip:a.com?h=v", "sip:a.com?H=v", true)]
    [InlineData("sip:a.com?h=v", "sip:a.com?h=V", false)]
    [InlineData("sip:a.com?h=v&h=v", "sip:a.com?h=v", false)]
    [InlineData("sip:a.com?h=v&h=w", "sip:a.com?h=w&h=v", true)]
    [InlineData("sip:a.com?h=v&h=v", "sip:a.com?h=v&h=w", false)]
    [InlineData("sip:a.com?h=%76", "sip:a.com?h=v", true)]
    [InlineData("sip:a.com?to=sip:bob%40b.com", "sip:a.com?to=sip:bob@b.com", false)]
    public void Equivalent_Components_FollowSection19_1_4(string a, string b, bool expected) =>
        Assert.Equal(expected, Equivalent(a, b));

    // RFC 3966 §4.
    [Theory]
    [InlineData("tel:+1-201-555-0123", "tel:+12015550123", true)]
    [InlineData("tel:+1-201-555-0123", "tel:+1(201)555.0123", true)]
    [InlineData("tel:+12015550123", "tel:12015550123;phone-context=+1", false)]
    [InlineData("tel:+1234;ext=5", "tel:+1234", false)]
    [InlineData("tel:+1234;ext=5-6", "tel:+1234;EXT=56", true)]
    [InlineData("tel:7042;phone-context=EXAMPLE.com", "tel:7042;Phone-Context=example.com", true)]
    [InlineData("tel:7042;phone-context=example.com", "tel:7042;phone-context=examplecom", false)]
    [InlineData("tel:7042;phone-context=+1-201", "tel:7042;phone-context=+1201", true)]
    [InlineData("tel:7042;a=1;b=2", "tel:7042;b=2;a=1", true)]
    [InlineData("tel:7042;a=1", "tel:7042;a=2", false)]
    [InlineData("tel:7042;a", "tel:7042;a=2", false)]
    [InlineData("tel:abc;phone-context=x.com", "tel:ABC;phone-context=x.com", true)]
    [InlineData("tel:%2A1;phone-context=x.com", "tel:*1;phone-context=x.com", true)]
    public void Equivalent_TelUris_FollowRfc3966(string a, string b, bool expected) =>
        Assert.Equal(expected, Equivalent(a, b));

    [Theory]
    [InlineData("http://www.example.com", "HTTP://www.example.com", true)]
    [InlineData("http://a/%7euser", "http://a/~user", true)]
    [InlineData("http://a/b", "http://a/B", false)]
    [InlineData("isbn:1", "isbn:2", false)]
    [InlineData("isbn:1", "urn:1", false)]
    [InlineData("tel:+1", "sip:+1@a.com", false)]
    [InlineData("sip:+1@a.com", "sip:+1@a.com;user=phone", false)]
    public void Equivalent_OtherSchemes_CompareSchemeAndOpaque(string a, string b, bool expected) =>
        Assert.Equal(expected, Equivalent(a, b));

    [Fact]
    public void Equivalent_DefaultStructs_False()
    {
        var empty = Array.Empty<byte>();
        Assert.False(SipUri.Equivalent(empty, default, empty, default));
    }

    [Fact]
    public void Equivalent_RangesOutsideSpan_FalseWithoutThrowing()
    {
        var text = Bytes("sip:alice@atlanta.com;x=1");
        Assert.True(SipUri.TryParse(text, out var uri, out _));
        Assert.False(SipUri.Equivalent(text, uri, text.AsSpan(0, 10), uri));
        Assert.False(SipUri.Equivalent(text, uri.Offset(100), text, uri));
    }

    [Fact]
    public void Equivalent_OffsetUris_ComparedInTheirOwnBuffers()
    {
        var message = Bytes("INVITE sip:%61lice@atlanta.com;transport=TCP SIP/2.0");
        var other = Bytes("sip:alice@AtLanTa.CoM;Transport=tcp");
        Assert.True(SipUri.TryParse(message.AsSpan(7, 37), out var inMessage, out _));
        Assert.True(SipUri.TryParse(other, out var standalone, out _));
        Assert.True(SipUri.Equivalent(message, inMessage.Offset(7), other, standalone));
    }
}
