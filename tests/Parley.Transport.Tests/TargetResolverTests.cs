using System.Net;
using Parley.Protocol;

namespace Parley.Transport.Tests;

public sealed class TargetResolverTests
{
    private readonly FakeHostResolver _dns = new FakeHostResolver()
        .Add("proxy.example.com", "192.0.2.1", "2001:db8::1", "192.0.2.2")
        .Add("dup.example.com", "192.0.2.7", "::ffff:192.0.2.7", "192.0.2.8")
        .Add("empty.example.com");

    private static TargetResolver Resolver(FakeHostResolver dns, bool tcpListener = true) =>
        new(dns, transport => transport == SipTransport.Udp || (tcpListener && transport == SipTransport.Tcp));

    private static SipEndPoint EndPoint(string address, int port) => new(IPAddress.Parse(address), port);

    [Theory]
    [InlineData(SipTransport.Tcp, false, 100, SipTransport.Tcp, 5060)]
    [InlineData(SipTransport.Udp, false, 5000, SipTransport.Udp, 5060)]
    [InlineData(SipTransport.Tls, false, 100, SipTransport.Tls, 5061)]
    [InlineData(SipTransport.Tcp, true, 100, SipTransport.Tcp, 5060)]
    [InlineData(SipTransport.Unknown, true, 100, SipTransport.Tls, 5061)]
    [InlineData(SipTransport.Unknown, true, 5000, SipTransport.Tls, 5061)]
    [InlineData(SipTransport.Unknown, false, 100, SipTransport.Udp, 5060)]
    [InlineData(SipTransport.Unknown, false, 1300, SipTransport.Udp, 5060)]
    [InlineData(SipTransport.Unknown, false, 1301, SipTransport.Tcp, 5060)]
    public async Task ResolveAsync_NumericHost_TransportAndDefaultPort(
        SipTransport parameter, bool sips, int size, SipTransport expectedTransport, int expectedPort)
    {
        var targets = await Resolver(_dns).ResolveAsync("192.0.2.50", null, parameter, sips, size);

        Assert.True(targets.Succeeded, targets.Error);
        Assert.Equal(expectedTransport, targets.Transport);
        Assert.Equal(1, targets.Count);
        Assert.Equal(EndPoint("192.0.2.50", expectedPort), targets[0]);
    }

    [Fact]
    public async Task ResolveAsync_LargeMessageWithoutTcpListener_StaysOnUdp()
    {
        var targets = await Resolver(_dns, tcpListener: false).ResolveAsync("192.0.2.50", null, SipTransport.Unknown, false, 4000);

        Assert.Equal(SipTransport.Udp, targets.Transport);
    }

    [Fact]
    public async Task ResolveAsync_ExplicitPort_Used()
    {
        var targets = await Resolver(_dns).ResolveAsync("192.0.2.50", 5080, SipTransport.Unknown, true, 100);

        Assert.Equal(SipTransport.Tls, targets.Transport);
        Assert.Equal(EndPoint("192.0.2.50", 5080), targets[0]);
    }

    [Theory]
    [InlineData("[2001:db8::5]")]
    [InlineData("2001:db8::5")]
    [InlineData("[2001:DB8:0::5]")]
    public async Task ResolveAsync_IPv6Literal_NoDnsAndIPv6EndPoint(string host)
    {
        var task = Resolver(_dns).ResolveAsync(host, 5070, SipTransport.Unknown, false, 100);

        Assert.True(task.IsCompletedSuccessfully);
        var targets = await task;
        Assert.Equal(EndPoint("2001:db8::5", 5070), targets[0]);
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_IPv4Literal_CompletesSynchronouslyWithoutDns()
    {
        var task = Resolver(_dns).ResolveAsync("127.0.0.1", null, SipTransport.Unknown, false, 100);

        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(EndPoint("127.0.0.1", 5060), (await task)[0]);
        Assert.Empty(_dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_Name_AllAddressesInResolverOrderAtDefaultPort()
    {
        var targets = await Resolver(_dns).ResolveAsync("proxy.example.com", null, SipTransport.Unknown, false, 100);

        Assert.True(targets.Succeeded, targets.Error);
        Assert.Equal(SipTransport.Udp, targets.Transport);
        Assert.Equal(3, targets.Count);
        Assert.Equal(EndPoint("192.0.2.1", 5060), targets[0]);
        Assert.Equal(EndPoint("2001:db8::1", 5060), targets[1]);
        Assert.Equal(EndPoint("192.0.2.2", 5060), targets[2]);
        Assert.Equal(["proxy.example.com"], _dns.Queries);
    }

    [Fact]
    public async Task ResolveAsync_SipsName_TlsAtPort5061()
    {
        var targets = await Resolver(_dns).ResolveAsync("proxy.example.com", null, SipTransport.Unknown, true, 100);

        Assert.Equal(SipTransport.Tls, targets.Transport);
        Assert.Equal(EndPoint("192.0.2.1", 5061), targets[0]);
    }

    [Fact]
    public async Task ResolveAsync_NameWithPort_PortOnEveryAddress()
    {
        var targets = await Resolver(_dns).ResolveAsync("proxy.example.com", 5099, SipTransport.Tcp, false, 100);

        Assert.Equal(SipTransport.Tcp, targets.Transport);
        for (int i = 0; i < targets.Count; i++)
        {
            Assert.Equal(5099, targets[i].Port);
        }
    }

    [Fact]
    public async Task ResolveAsync_MappedAndDuplicateAddresses_MappedToIPv4AndDeduplicated()
    {
        var targets = await Resolver(_dns).ResolveAsync("dup.example.com", null, SipTransport.Unknown, false, 100);

        Assert.Equal(2, targets.Count);
        Assert.Equal(EndPoint("192.0.2.7", 5060), targets[0]);
        Assert.Equal(EndPoint("192.0.2.8", 5060), targets[1]);
    }

    [Fact]
    public async Task ResolveAsync_NumberLikeName_LookedUpAsName()
    {
        var targets = await Resolver(_dns).ResolveAsync("10", null, SipTransport.Unknown, false, 100);

        Assert.False(targets.Succeeded);
        Assert.Equal(["10"], _dns.Queries);
    }

    [Theory]
    [InlineData("unknown.example.com", "cannot resolve 'unknown.example.com'")]
    [InlineData("empty.example.com", "has no IPv4 or IPv6 address")]
    [InlineData("[192.0.2.1]", "is not an IPv6 reference")]
    [InlineData("", "is not a host name")]
    [InlineData("a b", "is not a host name")]
    public async Task ResolveAsync_Unresolvable_ErrorResultNotException(string host, string expectedFragment)
    {
        var targets = await Resolver(_dns).ResolveAsync(host, null, SipTransport.Unknown, false, 100);

        Assert.False(targets.Succeeded);
        Assert.Equal(0, targets.Count);
        Assert.Contains(expectedFragment, targets.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    public async Task ResolveAsync_PortOutOfRange_Error(int port)
    {
        var targets = await Resolver(_dns).ResolveAsync("192.0.2.1", port, SipTransport.Unknown, false, 100);

        Assert.False(targets.Succeeded);
    }

    [Theory]
    [InlineData(SipTransport.Udp, 5060)]
    [InlineData(SipTransport.Tcp, 5060)]
    [InlineData(SipTransport.Sctp, 5060)]
    [InlineData(SipTransport.Tls, 5061)]
    public void DefaultPort_Transport_Rfc3261Defaults(SipTransport transport, int expected)
    {
        Assert.Equal(expected, TargetResolver.DefaultPort(transport));
    }

    [Fact]
    public async Task DnsHostResolver_NumericHost_ReturnsItWithoutNetwork()
    {
        var addresses = await DnsHostResolver.Instance.ResolveAsync("127.0.0.1", CancellationToken.None);

        Assert.Equal([IPAddress.Loopback], addresses);
    }
}
