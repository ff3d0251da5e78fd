using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

public class SipUriErrorTests
{
    [Theory]
    [InlineData("", UriError.Empty)]
    [InlineData("user@example.com", UriError.MissingScheme)]
    [InlineData("example.com", UriError.MissingScheme)]
    [InlineData("1sip:a.com", UriError.BadScheme)]
    [InlineData(":a.com", UriError.BadScheme)]
    [InlineData("si_p:a.com", UriError.BadScheme)]
    [InlineData("user@host:5060", UriError.BadScheme)]
    [InlineData("<sip:user@example.com>", UriError.BadScheme)] // RFC 4475 §3.1.2.7 ltgtruri
    [InlineData("sip:@example.com", UriError.BadUserInfo)]
    [InlineData("sip::pw@example.com", UriError.BadUserInfo)]
    [InlineData("sip:us<er@example.com", UriError.BadUserInfo)]
    [InlineData("sip:us\"er@example.com", UriError.BadUserInfo)]
    [InlineData("sip:user:pa?ss@example.com", UriError.BadUserInfo)]
    [InlineData("sip:user:pa;ss@example.com", UriError.BadUserInfo)]
    [InlineData("sip:us\xE9r@example.com", UriError.BadUserInfo)]
    [InlineData("sip:us\0er@example.com", UriError.BadUserInfo)]
    [InlineData("sip:", UriError.BadHost)]
    [InlineData("sip:user@", UriError.BadHost)]
    [InlineData("sip:;lr", UriError.BadHost)]
    [InlineData("sip:256.1.1.1", UriError.BadHost)]
    [InlineData("sip:1.2.3", UriError.BadHost)]
    [InlineData("sip:exa_mple.com", UriError.BadHost)]
    [InlineData("sip:-a.com", UriError.BadHost)]
    [InlineData("sip:example.123", UriError.BadHost)]
    [InlineData("sip:user@example.com>", UriError.BadHost)]
    [InlineData("sip:a@b@c.com", UriError.BadHost)]
    [InlineData("sip:user;par=u@example.net@example.com", UriError.BadHost)]
    [InlineData("sip:[::1", UriError.BadHost)]
    [InlineData("sip:[1::2::3]", UriError.BadHost)]
    [InlineData("sip:[example.com]", UriError.BadHost)]
    [InlineData("sip:[]", UriError.BadHost)]
    [InlineData("sip:a.com:", UriError.BadPort)]
    [InlineData("sip:a.com:;lr", UriError.BadPort)]
    [InlineData("sip:a.com:65536", UriError.BadPort)]
    [InlineData("sip:a.com:99999999999", UriError.BadPort)]
    [InlineData("sip:a.com:5x", UriError.BadPort)]
    [InlineData("sip:a.com:-1", UriError.BadPort)]
    [InlineData("sip:a.com:50:60", UriError.BadPort)]
    [InlineData("sip:2001:db8::10", UriError.BadHost)] // RFC 5118 §4.2: IPv6 without brackets; "2001" is no hostname
    [InlineData("sip:a.com;", UriError.BadParameter)]
    [InlineData("sip:a.com;;lr", UriError.BadParameter)]
    [InlineData("sip:a.com;lr;", UriError.BadParameter)]
    [InlineData("sip:a.com;=x", UriError.BadParameter)]
    [InlineData("sip:a.com;a=", UriError.BadParameter)]
    [InlineData("sip:a.com;a=b=c", UriError.BadParameter)]
    [InlineData("sip:a.com;a=<b>", UriError.BadParameter)]
    [InlineData("sip:a.com;ttl=256", UriError.BadParameter)]
    [InlineData("sip:a.com;ttl=0001", UriError.BadParameter)]
    [InlineData("sip:a.com;ttl=x", UriError.BadParameter)]
    [InlineData("sip:a.com;ttl", UriError.BadParameter)]
    [InlineData("sip:a.com;ttl=1;ttl=2", UriError.BadParameter)]
    [InlineData("sip:a.com;maddr=bad_host", UriError.BadParameter)]
    [InlineData("sip:a.com;maddr=[zz]", UriError.BadParameter)]
    [InlineData("sip:a.com;transport", UriError.BadParameter)]
    [InlineData("sip:a.com;transport=udp;Transport=tcp", UriError.BadParameter)]
    [InlineData("sip:a.com;user=phone;user=ip", UriError.BadParameter)]
    [InlineData("sip:a.com;method", UriError.BadParameter)]
    [InlineData("sip:a.com;maddr=1.2.3.4;maddr=1.2.3.4", UriError.BadParameter)]
    [InlineData("tel:+1;", UriError.BadParameter)]
    [InlineData("tel:+1;a=b?c=d", UriError.BadParameter)]
    [InlineData("sip:a.com?", UriError.BadHeaders)]
    [InlineData("sip:a.com?h", UriError.BadHeaders)]
    [InlineData("sip:a.com?h=v&", UriError.BadHeaders)]
    [InlineData("sip:a.com?=v", UriError.BadHeaders)]
    [InlineData("sip:a.com?h=v=w", UriError.BadHeaders)]
    [InlineData("sip:a.com?h=<v>", UriError.BadHeaders)]
    [InlineData("sip:a.com;lr?h=v&&x=y", UriError.BadHeaders)]
    [InlineData("sip:us%2@a.com", UriError.BadEscape)]
    [InlineData("sip:a.com;p=%zz", UriError.BadEscape)]
    [InlineData("sip:a.com%", UriError.BadEscape)]
    [InlineData("sip:a.com?h=%4", UriError.BadEscape)]
    [InlineData("%zzsip:a.com", UriError.BadEscape)]
    [InlineData("foo:%g0", UriError.BadEscape)]
    [InlineData("sip:user@example.com; lr", UriError.WhitespaceInUri)] // RFC 4475 §3.1.2.8 lwsruri
    [InlineData(" sip:t.watson@example.org ", UriError.WhitespaceInUri)] // RFC 4475 §3.1.2.14 badaspec
    [InlineData("sip:a.com\r\n", UriError.WhitespaceInUri)]
    [InlineData("sip:a\tb.com", UriError.WhitespaceInUri)]
    [InlineData("sip:[::1]x", UriError.TrailingGarbage)]
    [InlineData("sip:[::1]>", UriError.TrailingGarbage)]
    [InlineData("sip:user@[2001:db8::1]]", UriError.TrailingGarbage)]
    [InlineData("tel:", UriError.BadOpaque)]
    [InlineData("tel:+", UriError.BadOpaque)]
    [InlineData("tel:+-", UriError.BadOpaque)]
    [InlineData("tel:+1-2a", UriError.BadOpaque)]
    [InlineData("tel:xyz", UriError.BadOpaque)]
    [InlineData("tel:--", UriError.BadOpaque)]
    [InlineData("tel:+1?x=y", UriError.BadOpaque)]
    [InlineData("tel:+1%2B", UriError.BadOpaque)]
    [InlineData("isbn:", UriError.BadOpaque)]
    [InlineData("foo:<bar>", UriError.BadOpaque)]
    [InlineData("foo:bar#frag", UriError.BadOpaque)]
    [InlineData("foo:caf\xE9", UriError.BadOpaque)]
    public void TryParse_Malformed_ReturnsError(string text, UriError expected)
    {
        Assert.False(SipUri.TryParse(Bytes(text), out var uri, out var error));
        Assert.Equal(expected, error);
        Assert.Equal(default, uri.Host);
        Assert.Equal(default, uri.SchemeRange);
    }

    [Fact]
    public void TryParse_ErrorCases_CoverEveryUriError()
    {
        var covered = new HashSet<UriError> { UriError.None };
        foreach (var row in typeof(SipUriErrorTests).GetMethod(nameof(TryParse_Malformed_ReturnsError))!
                     .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>())
        {
            covered.Add((UriError)row.GetData(null!).Single()[1]);
        }

        Assert.Equal(Enum.GetValues<UriError>().ToHashSet(), covered);
    }
}
