using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Scripting.Runtime;
using Parley.Scripting.Tests.Compilation;
using Parley.Transport;

namespace Parley.Scripting.Tests.Runtime;

public class ProxyHostTests
{
    private static SipListener Listener(int id, string spec)
    {
        Assert.True(ListenAddress.TryParse(spec, out var address, out _));
        return new SipListener(id, address!, address!.EndPoint);
    }

    private static ProxyHost Host(params SipListener[] listeners) =>
        new(listeners, new CapturingSender(), NullLoggerFactory.Instance) { Aliases = [new HostAlias("proxy.example.com", 0), new HostAlias("edge.example.com", 5070)] };

    [Theory]
    [InlineData("127.0.0.1", 5060, true)]
    [InlineData("127.0.0.1", 0, true)]
    [InlineData("127.0.0.1", 5070, false)]
    [InlineData("127.0.0.2", 5060, false)]
    [InlineData("127.0.0.256", 5060, false)]
    [InlineData("127.0.0", 5060, false)]
    [InlineData("[::1]", 5062, true)]
    [InlineData("::1", 5062, true)]
    [InlineData("[::2]", 5062, false)]
    [InlineData("PROXY.example.com", 9999, true)]
    [InlineData("edge.example.com", 5070, true)]
    [InlineData("edge.example.com", 5060, false)]
    [InlineData("other.example.com", 5060, false)]
    public void IsMyself_HostAndPort_MatchesListenersAndAliases(string host, int port, bool expected)
    {
        var proxy = Host(Listener(0, "udp:127.0.0.1:5060"), Listener(1, "tcp:[::1]:5062"));
        Assert.Equal(expected, proxy.IsMyself(Encoding.ASCII.GetBytes(host), port));
    }

    [Fact]
    public void IsMyself_WildcardListener_MatchesAnyIPv4OnItsPort()
    {
        var proxy = Host(Listener(0, "udp:0.0.0.0:5080"));
        Assert.True(proxy.IsMyself("10.1.2.3"u8, 5080));
        Assert.False(proxy.IsMyself("10.1.2.3"u8, 5060));
    }

    [Fact]
    public void IsMyselfHost_NoPort_AnyListeningPortCounts()
    {
        var proxy = Host(Listener(0, "udp:127.0.0.1:5099"));
        Assert.True(proxy.IsMyselfHost("127.0.0.1"u8));
        Assert.True(proxy.IsMyselfHost("127.0.0.1:5099"u8));
        Assert.False(proxy.IsMyselfHost("127.0.0.1:5060"u8));
    }
}
