using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

public class SipUriParseTests
{
    private static SipUri Parse(byte[] text)
    {
        Assert.True(SipUri.TryParse(text, out var uri, out var error), $"{Str(text)} -> {error}");
        Assert.Equal(UriError.None, error);
        return uri;
    }

    [Fact]
    public void TryParse_FullSipUri_SplitsEveryComponent()
    {
        var text = Bytes("sip:alice:secret@atlanta.com:5061;transport=TCP;user=phone;method=INVITE;maddr=239.255.255.1;ttl=15;lr;x=y?subject=project%20x&priority=urgent");
        var uri = Parse(text);

        Assert.Equal(UriScheme.Sip, uri.Scheme);
        Assert.Equal("sip", Str(text, uri.SchemeRange));
        Assert.True(uri.HasUserInfo);
        Assert.True(uri.HasPassword);
        Assert.Equal("alice", Str(text, uri.User));
        Assert.Equal("secret", Str(text, uri.Password));
        Assert.Equal("atlanta.com", Str(text, uri.Host));
        Assert.Equal(HostKind.Name, uri.HostKind);
        Assert.Equal(5061, uri.Port);
        Assert.Equal(";transport=TCP;user=phone;method=INVITE;maddr=239.255.255.1;ttl=15;lr;x=y", Str(text, uri.Parameters));
        Assert.Equal("subject=project%20x&priority=urgent", Str(text, uri.Headers));
        Assert.True(uri.Opaque.IsEmpty);
        Assert.Equal("TCP", Str(text, uri.TransportParam));
        Assert.Equal("phone", Str(text, uri.UserParam));
        Assert.Equal("INVITE", Str(text, uri.MethodParam));
        Assert.Equal("239.255.255.1", Str(text, uri.MaddrParam));
        Assert.Equal(15, uri.TtlParam);
        Assert.True(uri.HasLr);
    }

    [Fact]
    public void TryParse_MinimalSipUri_LeavesOptionalPartsAbsent()
    {
        var text = Bytes("sip:example.com");
        var uri = Parse(text);

        Assert.False(uri.HasUserInfo);
        Assert.False(uri.HasPassword);
        Assert.Equal(default, uri.User);
        Assert.Equal(default, uri.Password);
        Assert.Equal("example.com", Str(text, uri.Host));
        Assert.Equal(-1, uri.Port);
        Assert.Equal(default, uri.Parameters);
        Assert.Equal(default, uri.Headers);
        Assert.Equal(default, uri.TransportParam);
        Assert.Equal(-1, uri.TtlParam);
        Assert.False(uri.HasLr);
    }

    [Fact]
    public void Default_Struct_ReportsAbsentPortAndTtl()
    {
        var uri = default(SipUri);
        Assert.Equal(-1, uri.Port);
        Assert.Equal(-1, uri.TtlParam);
    }

    [Theory]
    [InlineData("sip:a.com", UriScheme.Sip)]
    [InlineData("SIP:a.com", UriScheme.Sip)]
    [InlineData("sIp:a.com", UriScheme.Sip)]
    [InlineData("sips:a.com", UriScheme.Sips)]
    [InlineData("SIPS:a.com", UriScheme.Sips)]
    [InlineData("tel:+1", UriScheme.Tel)]
    [InlineData("TEL:+1", UriScheme.Tel)]
    [InlineData("sipx:a.com", UriScheme.Unknown)]
    [InlineData("si:a.com", UriScheme.Unknown)]
    public void TryParse_SchemeCase_IsCaseInsensitive(string text, UriScheme expected) =>
        Assert.Equal(expected, Parse(Bytes(text)).Scheme);

    [Fact]
    public void TryParse_Rfc4475IntmethRequestUri_SplitsAtFirstAtAndFirstColon()
    {
        var text = Bytes("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
        var uri = Parse(text);

        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", Str(text, uri.User));
        Assert.Equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", Str(text, uri.Password));
        Assert.Equal("example.com", Str(text, uri.Host));
        Assert.Equal(default, uri.Parameters);
        Assert.Equal(default, uri.Headers);
    }

    [Fact]
    public void TryParse_Rfc4475SemiuriRequestUri_UserKeepsSemicolonAndEscapedAt()
    {
        var text = Bytes("sip:user;par=u%40example.net@example.com");
        var uri = Parse(text);

        Assert.Equal("user;par=u%40example.net", Str(text, uri.User));
        Assert.Equal("example.com", Str(text, uri.Host));
        Assert.Equal(default, uri.Parameters);
    }

    [Fact]
    public void TryParse_Rfc4475Esc01Contact_KeepsEscapesRawAndRecognisesEscapedLr()
    {
        var text = Bytes("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        var uri = Parse(text);

        Assert.Equal("cal%6Cer", Str(text, uri.User));
        Assert.True(uri.HasLr);
        Assert.True(uri.TryGetParameter(text, "name"u8, out var value, out var present));
        Assert.True(present);
        Assert.Equal("v%61lue%25%34%31", Str(text, value));
    }

    [Theory]
    [InlineData("sip:null-%00-null@example.com", "null-%00-null")]
    [InlineData("sip:%00@host5.example.com", "%00")]
    [InlineData("sip:%00%00@host5.example.com", "%00%00")]
    public void TryParse_Rfc4475EscnullUsers_KeepWholeUserPart(string uriText, string user)
    {
        var text = Bytes(uriText);
        Assert.Equal(user, Str(text, Parse(text).User));
    }

    [Fact]
    public void TryParse_EmptyPassword_IsPresentButEmpty()
    {
        var text = Bytes("sip:alice:@atlanta.com");
        var uri = Parse(text);
        Assert.True(uri.HasPassword);
        Assert.Equal(0, uri.Password.Length);
        Assert.Equal("alice", Str(text, uri.User));
    }

    [Fact]
    public void TryParse_TelephoneSubscriberUser_Parses()
    {
        var text = Bytes("sip:+1-212-555-1212:1234@gateway.com;user=phone");
        var uri = Parse(text);
        Assert.Equal("+1-212-555-1212", Str(text, uri.User));
        Assert.Equal("1234", Str(text, uri.Password));
        Assert.Equal("phone", Str(text, uri.UserParam));
    }

    [Theory]
    [InlineData("sip:192.0.2.4", "192.0.2.4", HostKind.IPv4, -1)]
    [InlineData("sip:user@192.0.2.4:5060", "192.0.2.4", HostKind.IPv4, 5060)]
    [InlineData("sip:[2001:db8::10]", "[2001:db8::10]", HostKind.IPv6, -1)]
    [InlineData("sip:[2001:db8::10:5070]", "[2001:db8::10:5070]", HostKind.IPv6, -1)]
    [InlineData("sip:[2001:db8::10]:5070", "[2001:db8::10]", HostKind.IPv6, 5070)]
    [InlineData("sip:user@[::ffff:192.0.2.1]:0;lr", "[::ffff:192.0.2.1]", HostKind.IPv6, 0)]
    [InlineData("sip:host:65535", "host", HostKind.Name, 65535)]
    [InlineData("sip:host:05060", "host", HostKind.Name, 5060)]
    [InlineData("sip:example.com.", "example.com.", HostKind.Name, -1)]
    public void TryParse_HostForms_ClassifyHostAndPort(string uriText, string host, HostKind kind, int port)
    {
        var text = Bytes(uriText);
        var uri = Parse(text);
        Assert.Equal(host, Str(text, uri.Host));
        Assert.Equal(kind, uri.HostKind);
        Assert.Equal(port, uri.Port);
    }

    [Theory]
    [InlineData("sip:a.com;lr=on", true)]
    [InlineData("sip:a.com;LR", true)]
    [InlineData("sip:a.com;lr;lr", true)]
    [InlineData("sip:a.com;lrx", false)]
    [InlineData("sip:a.com;x=lr", false)]
    public void TryParse_LrForms_SetsHasLr(string uriText, bool expected) =>
        Assert.Equal(expected, Parse(Bytes(uriText)).HasLr);

    [Theory]
    [InlineData("sip:a.com;ttl=0", 0)]
    [InlineData("sip:a.com;ttl=255", 255)]
    [InlineData("sip:a.com;TTL=007", 7)]
    public void TryParse_TtlValues_Parsed(string uriText, int ttl) =>
        Assert.Equal(ttl, Parse(Bytes(uriText)).TtlParam);

    [Fact]
    public void TryParse_MaddrIPv6_IsAccepted()
    {
        var text = Bytes("sip:a.com;maddr=[2001:db8::1]");
        Assert.Equal("[2001:db8::1]", Str(text, Parse(text).MaddrParam));
    }

    [Fact]
    public void TryParse_HeadersWithEscapedRoute_KeepsThemRaw()
    {
        // RFC 4475 §3.1.2.11 / §3.3.14: escaped headers are data of the URI, never turned into real headers.
        var text = Bytes("sip:user@example.com?Route=%3Csip:example.com%3E");
        var uri = Parse(text);
        Assert.Equal("Route=%3Csip:example.com%3E", Str(text, uri.Headers));
        Assert.Equal("example.com", Str(text, uri.Host));
    }

    [Fact]
    public void TryParse_EmptyHeaderValue_IsAllowed()
    {
        var text = Bytes("sip:a.com?subject=&x=1");
        Assert.Equal("subject=&x=1", Str(text, Parse(text).Headers));
    }

    [Theory]
    [InlineData("tel:+1-201-555-0123", "+1-201-555-0123", "")]
    [InlineData("tel:+1-201-555-0123;ext=1234;phone-context=+1", "+1-201-555-0123", ";ext=1234;phone-context=+1")]
    [InlineData("tel:7042;phone-context=example.com", "7042", ";phone-context=example.com")]
    [InlineData("tel:*31#", "*31#", "")]
    [InlineData("tel:%2A31%23", "%2A31%23", "")]
    [InlineData("tel:(0)1.23", "(0)1.23", "")]
    [InlineData("tel:+1;isub=12345", "+1", ";isub=12345")]
    public void TryParse_TelUris_NumberIsOpaqueAndParametersFollow(string uriText, string number, string parameters)
    {
        var text = Bytes(uriText);
        var uri = Parse(text);
        Assert.Equal(UriScheme.Tel, uri.Scheme);
        Assert.Equal(number, Str(text, uri.Opaque));
        Assert.Equal(parameters, Str(text, uri.Parameters));
        Assert.Equal(HostKind.None, uri.HostKind);
        Assert.Equal(default, uri.Host);
        Assert.Equal(-1, uri.Port);
        Assert.False(uri.HasUserInfo);
    }

    [Fact]
    public void TryGetParameter_TelParameters_Found()
    {
        var text = Bytes("tel:7042;Phone-Context=example.com");
        Assert.True(Parse(text).TryGetParameter(text, "phone-context"u8, out var value, out _));
        Assert.Equal("example.com", Str(text, value));
    }

    [Theory]
    [InlineData("nobodyKnowsThisScheme:totallyopaquecontent", "nobodyKnowsThisScheme", "totallyopaquecontent")]
    [InlineData("soap.beep://192.0.2.103:3002", "soap.beep", "//192.0.2.103:3002")]
    [InlineData("isbn:2983792873", "isbn", "2983792873")]
    [InlineData("http://www.example.com", "http", "//www.example.com")]
    [InlineData("name:John_Smith", "name", "John_Smith")]
    [InlineData("mailto:a@b.c?subject=hi%20there", "mailto", "a@b.c?subject=hi%20there")]
    [InlineData("urn:service:sos", "urn", "service:sos")]
    [InlineData("x-1+a.b:[v6]", "x-1+a.b", "[v6]")]
    public void TryParse_OtherSchemes_AreUnknownWithOpaque(string uriText, string scheme, string opaque)
    {
        var text = Bytes(uriText);
        var uri = Parse(text);
        Assert.Equal(UriScheme.Unknown, uri.Scheme);
        Assert.Equal(scheme, Str(text, uri.SchemeRange));
        Assert.Equal(opaque, Str(text, uri.Opaque));
        Assert.Equal(default, uri.Host);
        Assert.Equal(default, uri.Parameters);
    }

    [Fact]
    public void TryGetParameter_PresentValuedValuelessAndAbsent_ReportsEach()
    {
        var text = Bytes("sip:a.com;Transport=udp;lr;%6Eame=%41");
        var uri = Parse(text);

        Assert.True(uri.TryGetParameter(text, "transport"u8, out var value, out var present));
        Assert.True(present);
        Assert.Equal("udp", Str(text, value));

        Assert.False(uri.TryGetParameter(text, "lr"u8, out value, out present));
        Assert.True(present);
        Assert.Equal(default, value);

        Assert.True(uri.TryGetParameter(text, "NAME"u8, out value, out present));
        Assert.Equal("%41", Str(text, value));

        Assert.False(uri.TryGetParameter(text, "maddr"u8, out _, out present));
        Assert.False(present);
    }

    [Fact]
    public void TryGetParameter_DuplicateOtherParameter_FirstWins()
    {
        var text = Bytes("sip:a.com;x=1;x=2");
        Assert.True(Parse(text).TryGetParameter(text, "x"u8, out var value, out _));
        Assert.Equal("1", Str(text, value));
    }

    [Fact]
    public void TryGetParameter_WrongShortBuffer_ReturnsFalseWithoutThrowing()
    {
        var uri = Parse(Bytes("sip:a.com;transport=udp"));
        Assert.False(uri.TryGetParameter(Bytes("sip:a"), "transport"u8, out _, out var present));
        Assert.False(present);
    }

    [Fact]
    public void Offset_Delta_ShiftsPresentRangesAndKeepsAbsentOnesDefault()
    {
        const string prefix = "INVITE ";
        var uriText = "sip:bob:pw@biloxi.com:5060;transport=tcp;user=ip;method=ACK;maddr=1.2.3.4;ttl=1?h=v";
        var message = Bytes(prefix + uriText + " SIP/2.0\r\n");
        var relative = Parse(Bytes(uriText));
        var absolute = relative.Offset(prefix.Length);

        Assert.Equal("sip", Str(message, absolute.SchemeRange));
        Assert.Equal("bob", Str(message, absolute.User));
        Assert.Equal("pw", Str(message, absolute.Password));
        Assert.Equal("biloxi.com", Str(message, absolute.Host));
        Assert.Equal(";transport=tcp;user=ip;method=ACK;maddr=1.2.3.4;ttl=1", Str(message, absolute.Parameters));
        Assert.Equal("h=v", Str(message, absolute.Headers));
        Assert.Equal("tcp", Str(message, absolute.TransportParam));
        Assert.Equal("ip", Str(message, absolute.UserParam));
        Assert.Equal("ACK", Str(message, absolute.MethodParam));
        Assert.Equal("1.2.3.4", Str(message, absolute.MaddrParam));
        Assert.Equal(5060, absolute.Port);
        Assert.Equal(1, absolute.TtlParam);
        Assert.Equal(default, absolute.Opaque);

        var back = absolute.Offset(-prefix.Length);
        Assert.Equal(relative.Host, back.Host);
        Assert.Equal(relative.Parameters, back.Parameters);
    }

    [Fact]
    public void Offset_TelUri_ShiftsOpaque()
    {
        var message = Bytes("To: tel:+1;ext=2");
        var uri = Parse(Bytes("tel:+1;ext=2")).Offset(4);
        Assert.Equal("+1", Str(message, uri.Opaque));
        Assert.True(uri.TryGetParameter(message, "ext"u8, out var value, out _));
        Assert.Equal("2", Str(message, value));
    }

    [Fact]
    public void TryParse_ManyUris_DoesNotAllocate()
    {
        var samples = new[]
        {
            Bytes("sip:alice:pw@atlanta.com:5061;transport=tcp;lr;maddr=[::1];ttl=5?a=b&c=d"),
            Bytes("sip:%61lice@[2001:db8::1];x=%41"),
            Bytes("tel:+1-201-555-0123;ext=1"),
            Bytes("soap.beep://192.0.2.103:3002"),
            Bytes("sip:bad host"),
        };

        void Run()
        {
            foreach (var s in samples)
            {
                if (SipUri.TryParse(s, out var uri, out _))
                {
                    _ = SipUri.Equivalent(s, uri, s, uri);
                    _ = uri.TryGetParameter(s, "lr"u8, out _, out _);
                }
            }
        }

        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
