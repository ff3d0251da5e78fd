using System.Net;
using Parley.Protocol;

namespace Parley.Transport.Tests;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("udp:127.0.0.1:5060", SipTransport.Udp, "127.0.0.1", 5060)]
    [InlineData("tcp:0.0.0.0:5070", SipTransport.Tcp, "0.0.0.0", 5070)]
    [InlineData("udp:10.1.2.3", SipTransport.Udp, "10.1.2.3", 5060)]
    [InlineData("UDP:[::1]:5060", SipTransport.Udp, "::1", 5060)]
    [InlineData("Tcp:[::]", SipTransport.Tcp, "::", 5060)]
    [InlineData("udp:[2001:db8::1]:0", SipTransport.Udp, "2001:db8::1", 0)]
    [InlineData("tcp:[fe80::1%2]:5062", SipTransport.Tcp, "fe80::1%2", 5062)]
    [InlineData("  udp:127.0.0.1:65535  ", SipTransport.Udp, "127.0.0.1", 65535)]
    public void TryParse_Valid_TransportAddressAndPort(string text, SipTransport transport, string address, int port)
    {
        Assert.True(ListenAddress.TryParse(text, out var parsed, out string? error), error);

        Assert.Equal(transport, parsed.Transport);
        Assert.Equal(IPAddress.Parse(address), parsed.Address);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(new SipEndPoint(IPAddress.Parse(address), port), parsed.EndPoint);
    }

    [Theory]
    [InlineData("udp:127.0.0.1", "udp:127.0.0.1:5060")]
    [InlineData("TCP:[::1]:5070", "tcp:[::1]:5070")]
    public void ToString_Parsed_CanonicalForm(string text, string expected)
    {
        var parsed = ListenAddress.Parse(text);

        Assert.Equal(expected, parsed.ToString());
        Assert.Equal(parsed, ListenAddress.Parse(parsed.ToString()));
    }

    [Theory]
    [InlineData("", "empty listen address")]
    [InlineData("   ", "empty listen address")]
    [InlineData("127.0.0.1", "no transport prefix")]
    [InlineData("127.0.0.1:5060", "unknown transport '127.0.0.1'")]
    [InlineData("foo:1.2.3.4", "unknown transport 'foo'")]
    [InlineData("tls:1.2.3.4:5061", "transport 'tls' is not supported yet")]
    [InlineData("ws:1.2.3.4", "transport 'ws' is not supported yet")]
    [InlineData("udp:", "has no IP address")]
    [InlineData("udp:::1", "must be in brackets")]
    [InlineData("udp:2001:db8::1:5060", "must be in brackets")]
    [InlineData("udp:[::1", "without a closing ']'")]
    [InlineData("udp:[::1]5060", "expected ':PORT' after ']'")]
    [InlineData("udp:[1.2.3.4]:5060", "is not an IPv6 address")]
    [InlineData("udp:[]:5060", "is not an IPv6 address")]
    [InlineData("udp:sip.example.com:5060", "host names are not allowed")]
    [InlineData("udp:1.2.3", "is not an IPv4 address")]
    [InlineData("udp:1.2.3.256", "is not an IPv4 address")]
    [InlineData("udp:1.2.3.4.5", "is not an IPv4 address")]
    [InlineData("udp:0x7f.0.0.1", "is not an IPv4 address")]
    [InlineData("udp:1.2.3.4:", "port '' is not a number")]
    [InlineData("udp:1.2.3.4:65536", "port '65536' is not a number from 0 to 65535")]
    [InlineData("udp:1.2.3.4:-1", "port '-1' is not a number")]
    [InlineData("udp:1.2.3.4:50x", "port '50x' is not a number")]
    [InlineData("udp:[::1]:123456", "port '123456' is not a number")]
    public void TryParse_Invalid_FalseWithHumanMessage(string text, string expectedFragment)
    {
        Assert.False(ListenAddress.TryParse(text, out var parsed, out string? error));

        Assert.Null(parsed);
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Null_FalseWithMessage()
    {
        Assert.False(ListenAddress.TryParse(null, out _, out string? error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Invalid_FormatExceptionCarriesTheMessage()
    {
        var ex = Assert.Throws<FormatException>(() => ListenAddress.Parse("sctp:1.2.3.4"));

        Assert.Contains("not supported yet", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnsupportedTransport_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ListenAddress(SipTransport.Tls, IPAddress.Loopback, 5061));
    }
}
