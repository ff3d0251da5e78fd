using System.Net;
using System.Text;

namespace Parley.Cli.Tests;

public class EventSubscriberTests
{
    [Theory]
    [InlineData(120, 60)]
    [InlineData(3600, 3540)]
    [InlineData(121, 61)]
    [InlineData(10, 5)]
    [InlineData(1, 0.5)]
    public void RenewAfter_Expire_RenewsBeforeExpiry(int expire, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), EventSubscriber.RenewAfter(expire));
    }

    [Fact]
    public void SocketName_Ipv4_UdpIpPort()
    {
        Assert.Equal("udp:127.0.0.1:40000", EventSubscriber.SocketName(new IPEndPoint(IPAddress.Loopback, 40000)));
    }

    [Fact]
    public void SocketName_Ipv6_Bracketed()
    {
        Assert.Equal("udp:[::1]:40000", EventSubscriber.SocketName(new IPEndPoint(IPAddress.IPv6Loopback, 40000)));
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", 0)]
    [InlineData("127.0.0.1:9000", "127.0.0.1", 9000)]
    [InlineData("[::1]:9000", "::1", 9000)]
    public void ParseListen_AddressAndOptionalPort_Parsed(string text, string address, int port)
    {
        var endpoint = EventSubscriber.ParseListen(text);
        Assert.Equal(IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(port, endpoint.Port);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("")]
    public void ParseListen_NotAnAddress_ThrowsUsage(string text)
    {
        Assert.Throws<CliUsageException>(() => EventSubscriber.ParseListen(text));
    }

    [Fact]
    public void SubscribeParams_NamedEventSocketExpire()
    {
        Assert.Equal("""{"event":"E_X","socket":"udp:127.0.0.1:5","expire":120}""",
            EventSubscriber.SubscribeParams("E_X", "udp:127.0.0.1:5", 120).ToJsonString());
    }

    [Fact]
    public void EventLine_OneLineJson_Untouched()
    {
        string text = """{"jsonrpc":"2.0","method":"E_X","params":{"a":"b", "n":1}}""";
        Assert.Equal(text, EventSubscriber.EventLine(Encoding.UTF8.GetBytes(text + "\n")));
    }

    [Fact]
    public void EventLine_MultiLineJson_Compacted()
    {
        Assert.Equal("""{"jsonrpc":"2.0","method":"E_X"}""",
            EventSubscriber.EventLine(Encoding.UTF8.GetBytes("{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"E_X\"\n}")));
    }

    [Fact]
    public void EventLine_NotJson_Null()
    {
        Assert.Null(EventSubscriber.EventLine(Encoding.UTF8.GetBytes("hello")));
    }
}
