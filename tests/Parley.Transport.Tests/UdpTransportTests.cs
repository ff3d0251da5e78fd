using System.Net;
using System.Net.Sockets;
using Parley.Protocol;
using Parley.Transport.Tests.Infrastructure;

namespace Parley.Transport.Tests;

public sealed class UdpTransportTests
{
    [Fact]
    public async Task ReceiveAndSend_IPv4Loopback_RoundTrip()
    {
        await RoundTripAsync(IPAddress.Loopback, "udp:127.0.0.1:0");
    }

    [IPv6Fact]
    public async Task ReceiveAndSend_IPv6Loopback_RoundTrip()
    {
        await RoundTripAsync(IPAddress.IPv6Loopback, "udp:[::1]:0");
    }

    [Fact]
    public async Task Receive_SeveralDatagramsOneLoop_DeliveredInOrder()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, o => o.UdpReceiveLoopsPerSocket = 1, "udp:127.0.0.1:0");
        using var client = new UdpTestClient(IPAddress.Loopback);

        for (int i = 0; i < 50; i++)
        {
            await client.SendAsync(SipMessages.Request("MESSAGE", $"seq-{i}"), layer.Listeners[0].LocalEndPoint);
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.Contains($"Call-ID: seq-{i}\r\n", (await handler.NextPacketAsync()).Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Receive_ManyDatagramsSeveralLoops_AllDeliveredOnce()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, o => o.UdpReceiveLoopsPerSocket = 4, "udp:127.0.0.1:0");
        using var client = new UdpTestClient(IPAddress.Loopback);
        const int count = 300;

        for (int i = 0; i < count; i++)
        {
            await client.SendAsync(SipMessages.Request("MESSAGE", $"m-{i}"), layer.Listeners[0].LocalEndPoint);
        }

        var seen = new HashSet<string>();
        for (int i = 0; i < count; i++)
        {
            Assert.True(seen.Add((await handler.NextPacketAsync()).Text));
        }

        Assert.Equal(count, layer.GetCounters().DatagramsReceived);
    }

    [Fact]
    public async Task Receive_DatagramOverMaximum_DroppedAndCounted()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, o => o.MaxMessageSize = 300, "udp:127.0.0.1:0");
        using var client = new UdpTestClient(IPAddress.Loopback);
        var listener = layer.Listeners[0].LocalEndPoint;

        await client.SendAsync(SipMessages.Request("MESSAGE", "too-big", new string('x', 400)), listener);
        await client.SendAsync(SipMessages.Request("MESSAGE", "fits"), listener);

        Assert.Contains("Call-ID: fits", (await handler.NextPacketAsync()).Text, StringComparison.Ordinal);
        Assert.Equal(1, layer.GetCounters().DroppedOversized);
    }

    [Fact]
    public async Task Receive_CrlfKeepAliveDatagram_NotDeliveredButCounted()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, o => o.UdpReceiveLoopsPerSocket = 1, "udp:127.0.0.1:0");
        using var client = new UdpTestClient(IPAddress.Loopback);
        var listener = layer.Listeners[0].LocalEndPoint;

        await client.SendAsync("\r\n\r\n", listener);
        await client.SendAsync(SipMessages.Request("OPTIONS", "after-ping"), listener);

        Assert.Contains("Call-ID: after-ping", (await handler.NextPacketAsync()).Text, StringComparison.Ordinal);
        Assert.Equal(1, layer.GetCounters().KeepAlivePingsReceived);
        Assert.Equal(1, handler.PacketCount);
    }

    [Fact]
    public async Task Receive_HandlerThrows_LoopKeepsReceiving()
    {
        var handler = new RecordingHandler();
        handler.OnPacketHook = packet =>
        {
            if (packet.Text.Contains("Call-ID: boom", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("handler bug");
            }
        };
        await using var layer = TestLayer.Start(handler, o => o.UdpReceiveLoopsPerSocket = 1, "udp:127.0.0.1:0");
        using var client = new UdpTestClient(IPAddress.Loopback);

        await client.SendAsync(SipMessages.Request("OPTIONS", "boom"), layer.Listeners[0].LocalEndPoint);
        await client.SendAsync(SipMessages.Request("OPTIONS", "still-alive"), layer.Listeners[0].LocalEndPoint);

        await handler.NextPacketAsync();
        Assert.Contains("Call-ID: still-alive", (await handler.NextPacketAsync()).Text, StringComparison.Ordinal);
        Assert.Equal(1, layer.GetCounters().HandlerFailures);
    }

    [Fact]
    public async Task SendAsync_FromChosenListener_LeavesFromThatPort()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, "udp:127.0.0.1:0", "udp:127.0.0.1:0");
        using var client = new UdpTestClient(IPAddress.Loopback);
        var second = layer.Listeners[1];

        var result = await layer.SendAsync(second, client.LocalEndPoint, SipMessages.Bytes(SipMessages.Response(200, "OK", "x")));
        var (_, from) = await client.ReceiveAsync();

        Assert.Equal(SendResult.Sent, result);
        Assert.Equal(second.LocalEndPoint, from);
    }

    [Fact]
    public async Task SendAsync_NoListenerOfDestinationFamily_NoSuitableListener()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), "udp:127.0.0.1:0");

        var result = await layer.SendAsync(SipTransport.Udp, new SipEndPoint(IPAddress.IPv6Loopback, 5060), new byte[10]);

        Assert.Equal(SendResult.NoSuitableListener, result);
    }

    [Fact]
    public async Task SendAsync_LargerThanADatagram_MessageTooLarge()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), "udp:127.0.0.1:0");

        var result = await layer.SendAsync(SipTransport.Udp, new SipEndPoint(IPAddress.Loopback, 9), new byte[SipTransportLayer.MaxDatagramPayload + 1]);

        Assert.Equal(SendResult.MessageTooLarge, result);
    }

    [Fact]
    public async Task SendAsync_Tls_UnsupportedTransport()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), "udp:127.0.0.1:0");

        var result = await layer.SendAsync(SipTransport.Tls, new SipEndPoint(IPAddress.Loopback, 5061), new byte[10]);

        Assert.Equal(SendResult.UnsupportedTransport, result);
    }

    [Fact]
    public async Task SendAsync_BeforeStart_NotRunning()
    {
        var options = new SipTransportOptions();
        options.ListenAddresses.Add(ListenAddress.Parse("udp:127.0.0.1:0"));
        await using var layer = new SipTransportLayer(options, new RecordingHandler());

        var result = await layer.SendAsync(SipTransport.Udp, new SipEndPoint(IPAddress.Loopback, 5060), new byte[10]);

        Assert.Equal(SendResult.NotRunning, result);
        Assert.Empty(layer.Listeners);
    }

    [Fact]
    public void Start_AddressAlreadyInUse_ThrowsNamingTheAddress()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var options = new SipTransportOptions();
        options.ListenAddresses.Add(ListenAddress.Parse("udp:127.0.0.1:0"));
        options.ListenAddresses.Add(ListenAddress.Parse($"udp:127.0.0.1:{port}"));
        var layer = new SipTransportLayer(options, new RecordingHandler());

        var ex = Assert.Throws<InvalidOperationException>(layer.Start);

        Assert.Contains($"udp:127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.False(layer.IsRunning);
    }

    [Fact]
    public void Constructor_NoListenAddress_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SipTransportLayer(new SipTransportOptions(), new RecordingHandler()));
    }

    private static async Task RoundTripAsync(IPAddress loopback, string listen)
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, listen);
        using var client = new UdpTestClient(loopback);
        var listener = layer.Listeners[0];
        Assert.NotEqual(0, listener.LocalEndPoint.Port);
        string request = SipMessages.Request("OPTIONS", "round-trip");

        await client.SendAsync(request, listener.LocalEndPoint);
        var packet = await handler.NextPacketAsync();

        Assert.Equal(request, packet.Text);
        Assert.Equal(SipTransport.Udp, packet.Transport);
        Assert.Equal(client.LocalEndPoint, packet.Remote);
        Assert.Same(listener, packet.Listener);
        Assert.Equal(0, packet.ConnectionId);

        string response = SipMessages.Response(200, "OK", "round-trip");
        var result = await layer.SendAsync(SipTransport.Udp, packet.Remote, SipMessages.Bytes(response));
        var (text, from) = await client.ReceiveAsync();

        Assert.Equal(SendResult.Sent, result);
        Assert.Equal(response, text);
        Assert.Equal(listener.LocalEndPoint, from);
        var counters = layer.GetCounters();
        Assert.Equal(1, counters.DatagramsReceived);
        Assert.Equal(request.Length, counters.DatagramBytesReceived);
        Assert.Equal(1, counters.DatagramsSent);
        Assert.Equal(response.Length, counters.DatagramBytesSent);
    }
}
