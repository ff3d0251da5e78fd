using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Transport.Tests;

public sealed class SipEndPointTests
{
    [Theory]
    [InlineData("1.2.3.4", 5060, "1.2.3.4:5060")]
    [InlineData("127.0.0.1", 0, "127.0.0.1:0")]
    [InlineData("255.255.255.255", 65535, "255.255.255.255:65535")]
    [InlineData("::1", 5060, "[::1]:5060")]
    [InlineData("::", 5061, "[::]:5061")]
    [InlineData("2001:DB8:0:0:0:0:0:1", 5060, "[2001:db8::1]:5060")]
    [InlineData("2001:db8:0:1:0:0:0:1", 5060, "[2001:db8:0:1::1]:5060")]
    [InlineData("1:0:0:2:0:0:3:4", 1, "[1::2:0:0:3:4]:1")]
    [InlineData("2001:db8:1:2:3:4:5:6", 1, "[2001:db8:1:2:3:4:5:6]:1")]
    [InlineData("2001:db8:0:2:3:4:5:6", 1, "[2001:db8:0:2:3:4:5:6]:1")]
    [InlineData("1::", 1, "[1::]:1")]
    [InlineData("fe80::1%3", 5060, "[fe80::1%3]:5060")]
    [InlineData("::ffff:10.1.2.3", 5060, "[::ffff:10.1.2.3]:5060")]
    public void ToString_Address_Rfc5952TextWithPort(string address, int port, string expected)
    {
        var endPoint = new SipEndPoint(IPAddress.Parse(address), port);

        Assert.Equal(expected, endPoint.ToString());
    }

    [Theory]
    [InlineData("1.2.3.4")]
    [InlineData("::1")]
    [InlineData("2001:db8:85a3::8a2e:370:7334")]
    [InlineData("fe80::abcd%12")]
    public void ToString_AnyAddress_MatchesIPEndPointText(string address)
    {
        var ip = IPAddress.Parse(address);

        Assert.Equal(new IPEndPoint(ip, 5060).ToString(), new SipEndPoint(ip, 5060).ToString());
    }

    [Fact]
    public void TryFormat_Utf8_WritesSameTextAsToString()
    {
        var endPoint = new SipEndPoint(IPAddress.Parse("2001:db8::7"), 5070);
        Span<byte> buffer = stackalloc byte[SipEndPoint.MaxFormattedLength];

        Assert.True(endPoint.TryFormat(buffer, out int written));
        Assert.Equal("[2001:db8::7]:5070", Encoding.ASCII.GetString(buffer[..written]));
    }

    [Fact]
    public void TryFormat_DestinationTooSmall_FalseAndNothingWritten()
    {
        var endPoint = new SipEndPoint(IPAddress.Parse("10.0.0.1"), 5060);

        Assert.False(endPoint.TryFormat(new char[5], out int written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Equals_SameAddressAndPort_EqualWithSameHash()
    {
        var a = new SipEndPoint(IPAddress.Parse("10.0.0.1"), 5060);
        var b = SipEndPoint.FromIPv4([10, 0, 0, 1], 5060);

        Assert.True(a == b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [InlineData("10.0.0.1", 5060, "10.0.0.1", 5061)]
    [InlineData("10.0.0.1", 5060, "10.0.0.2", 5060)]
    [InlineData("::ffff:10.0.0.1", 5060, "10.0.0.1", 5060)]
    [InlineData("fe80::1%1", 5060, "fe80::1%2", 5060)]
    [InlineData("::1", 5060, "::2", 5060)]
    public void Equals_DifferentEndpoints_NotEqual(string leftAddress, int leftPort, string rightAddress, int rightPort)
    {
        var left = new SipEndPoint(IPAddress.Parse(leftAddress), leftPort);
        var right = new SipEndPoint(IPAddress.Parse(rightAddress), rightPort);

        Assert.True(left != right);
        Assert.False(left.Equals((object)right));
    }

    [Fact]
    public void Default_IsEmptyAndUnspecified()
    {
        SipEndPoint none = default;

        Assert.True(none.IsEmpty);
        Assert.Equal(AddressFamily.Unspecified, none.AddressFamily);
        Assert.Throws<InvalidOperationException>(() => none.GetAddress());
    }

    [Theory]
    [InlineData("192.0.2.10", 5060)]
    [InlineData("2001:db8::10", 5061)]
    [InlineData("fe80::10%4", 1234)]
    public void FromSocketAddress_SerializedIPEndPoint_SameEndpoint(string address, int port)
    {
        var ipEndPoint = new IPEndPoint(IPAddress.Parse(address), port);

        var endPoint = SipEndPoint.FromSocketAddress(ipEndPoint.Serialize());

        Assert.Equal(new SipEndPoint(ipEndPoint), endPoint);
        Assert.Equal(ipEndPoint, endPoint.ToIPEndPoint());
    }

    [Theory]
    [InlineData("192.0.2.10", 5060)]
    [InlineData("2001:db8::10", 5061)]
    [InlineData("fe80::10%4", 1234)]
    public void ToSocketAddress_ReadByIPEndPoint_SameEndpoint(string address, int port)
    {
        var endPoint = new SipEndPoint(IPAddress.Parse(address), port);

        var socketAddress = endPoint.ToSocketAddress();

        Assert.Equal(endPoint.ToIPEndPoint(), new IPEndPoint(IPAddress.Any, 0).Create(socketAddress));
    }

    [Fact]
    public void WriteTo_ReusedSocketAddress_OverwritesPreviousEndpoint()
    {
        var socketAddress = new SocketAddress(AddressFamily.InterNetworkV6);
        new SipEndPoint(IPAddress.Parse("fe80::1%7"), 1).WriteTo(socketAddress);
        var second = new SipEndPoint(IPAddress.Parse("2001:db8::2"), 2);

        second.WriteTo(socketAddress);

        Assert.Equal(second, SipEndPoint.FromSocketAddress(socketAddress));
    }

    [Fact]
    public void WriteTo_OtherFamily_Throws()
    {
        var endPoint = new SipEndPoint(IPAddress.Loopback, 5060);

        Assert.Throws<ArgumentException>(() => endPoint.WriteTo(new SocketAddress(AddressFamily.InterNetworkV6)));
    }

    [Fact]
    public void FromSocketAddressAndWriteTo_Repeated_DoNotAllocate()
    {
        var socketAddress = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 5060).Serialize();
        var endPoint = SipEndPoint.FromSocketAddress(socketAddress);
        endPoint.WriteTo(socketAddress);
        _ = endPoint.GetHashCode();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            endPoint = SipEndPoint.FromSocketAddress(socketAddress);
            endPoint.WriteTo(socketAddress);
            _ = endPoint.GetHashCode();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("127.0.0.1:5060", "127.0.0.1", 5060)]
    [InlineData("[::1]:5061", "::1", 5061)]
    public void TryParse_Text_ParsesAddressAndPort(string text, string address, int port)
    {
        Assert.True(SipEndPoint.TryParse(text, out var endPoint));
        Assert.Equal(new SipEndPoint(IPAddress.Parse(address), port), endPoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("example.com:5060")]
    [InlineData("1.2.3.4:70000")]
    public void TryParse_NotAnEndpoint_False(string text)
    {
        Assert.False(SipEndPoint.TryParse(text, out _));
    }

    [Fact]
    public void Constructor_PortOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipEndPoint(IPAddress.Loopback, 65536));
    }

    [Fact]
    public void WriteAddressBytes_IPv6_SixteenNetworkOrderBytes()
    {
        var endPoint = new SipEndPoint(IPAddress.Parse("2001:db8::1"), 1);
        Span<byte> bytes = stackalloc byte[16];

        Assert.Equal(16, endPoint.WriteAddressBytes(bytes));
        Assert.Equal(IPAddress.Parse("2001:db8::1").GetAddressBytes(), bytes.ToArray());
    }
}
