using System.Net;
using System.Net.Sockets;
using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

public class HostParserTests
{
    [Theory]
    [InlineData("example.com", HostKind.Name)]
    [InlineData("chair-dnrc.example.com", HostKind.Name)]
    [InlineData("EXAMPLE.COM.", HostKind.Name)]
    [InlineData("host5", HostKind.Name)]
    [InlineData("a", HostKind.Name)]
    [InlineData("1a.example.com", HostKind.Name)]
    [InlineData("192.0.2.4", HostKind.IPv4)]
    [InlineData("255.255.255.255", HostKind.IPv4)]
    [InlineData("010.000.002.004", HostKind.IPv4)]
    [InlineData("[2001:db8::10]", HostKind.IPv6)]
    [InlineData("[::1]", HostKind.IPv6)]
    [InlineData("[::ffff:192.0.2.1]", HostKind.IPv6)]
    [InlineData("", HostKind.None)]
    [InlineData("256.1.1.1", HostKind.None)]
    [InlineData("1.2.3", HostKind.None)]
    [InlineData("1.2.3.4.5", HostKind.None)]
    [InlineData("1.2.3.4.", HostKind.None)]
    [InlineData("0001.2.3.4", HostKind.None)]
    [InlineData("example.123", HostKind.None)]
    [InlineData("-example.com", HostKind.None)]
    [InlineData("example-.com", HostKind.None)]
    [InlineData("exa_mple.com", HostKind.None)]
    [InlineData("example..com", HostKind.None)]
    [InlineData(".", HostKind.None)]
    [InlineData(".example.com", HostKind.None)]
    [InlineData("example.com>", HostKind.None)]
    [InlineData("[2001:db8::10", HostKind.None)]
    [InlineData("[]", HostKind.None)]
    [InlineData("[example.com]", HostKind.None)]
    [InlineData("2001:db8::10", HostKind.None)]
    public void Classify_Hosts_ReturnsKind(string host, HostKind expected) =>
        Assert.Equal(expected, HostParser.Classify(Bytes(host)));

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("2001:db8::10")]
    [InlineData("2001:db8::10:5070")]
    [InlineData("2001:DB8:0:0:0:0:9:01")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4:5:6:7::")]
    [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("1::8")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("1:2:3:4:5:6:1.2.3.4")]
    [InlineData("::1.2.3.4")]
    [InlineData("fe80::1:2:3:4")]
    [InlineData("")]
    [InlineData(":")]
    [InlineData(":::")]
    [InlineData(":1")]
    [InlineData("1:")]
    [InlineData("1::2::3")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("::1:2:3:4:5:6:7:8")]
    [InlineData("12345::1")]
    [InlineData("g::1")]
    [InlineData("1.2.3.4::")]
    [InlineData("::1.2.3.4:1")]
    [InlineData("::1.2.3")]
    [InlineData("::256.1.1.1")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%25eth0")]
    [InlineData("[::1]")]
    public void TryParseIPv6_Candidates_AgreesWithBcl(string text)
    {
        Span<byte> ours = stackalloc byte[16];
        var ok = HostParser.TryParseIPv6(Bytes(text), ours);

        // The BCL parser is the oracle, minus what SIP's IPv6reference excludes: zone ids and brackets.
        var bcl = !text.Contains('%', StringComparison.Ordinal) && !text.Contains('[', StringComparison.Ordinal) &&
                  IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        Assert.Equal(bcl, ok);
        if (ok)
        {
            Assert.Equal(IPAddress.Parse(text).GetAddressBytes(), ours.ToArray());
        }
    }

    [Fact]
    public void TryParseIPv4_Valid_ReturnsNetworkOrderValue()
    {
        Assert.True(HostParser.TryParseIPv4(Bytes("192.0.2.4"), out var value));
        Assert.Equal(0xC0000204u, value);
    }

    [Theory]
    [InlineData("example.com", "EXAMPLE.com", true)]
    [InlineData("AtLanTa.CoM", "atlanta.com", true)]
    [InlineData("[2001:db8::9:1]", "[2001:DB8:0:0:0:0:9:01]", true)]
    [InlineData("[::ffff:192.0.2.1]", "[::FFFF:C000:0201]", true)]
    [InlineData("192.0.2.4", "192.000.002.004", true)]
    [InlineData("192.0.2.4", "192.0.2.5", false)]
    [InlineData("phone21.boxesbybob.com", "192.0.2.4", false)]
    [InlineData("[::ffff:192.0.2.4]", "192.0.2.4", false)]
    [InlineData("example.com", "example.com.", false)]
    public void HostEquals_Pairs_ComparesNamesCaseInsensitiveAndAddressesByValue(string a, string b, bool expected)
    {
        var ba = Bytes(a);
        var bb = Bytes(b);
        Assert.Equal(expected, HostParser.HostEquals(ba, HostParser.Classify(ba), bb, HostParser.Classify(bb)));
    }
}
