using System.Net;
using System.Net.Sockets;
using Parley.Protocol;
using Parley.Transport.Tests.Infrastructure;

namespace Parley.Transport.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task StopAsync_WhileTrafficFlows_CompletesAndClosesEverything()
    {
        var handler = new RecordingHandler();
        var layer = TestLayer.Start(handler, "udp:127.0.0.1:0", "tcp:127.0.0.1:0");
        var udpListener = layer.Listeners[0].LocalEndPoint;
        var tcpListener = layer.Listeners[1].LocalEndPoint;

        // Echo every packet back, so sends are in flight too when the layer stops.
        handler.OnPacketHook = packet => _ = layer.SendAsync(
            packet.Transport, packet.Remote, packet.Data, packet.ConnectionId).AsTask();
        using var stopTraffic = new CancellationTokenSource();
        using var udpClient = new UdpTestClient(IPAddress.Loopback);
        using var tcpClient = await TcpTestClient.ConnectAsync(tcpListener);
        using var peer = new TcpTestPeer(IPAddress.Loopback);
        var udpTraffic = Task.Run(() => BlastUdpAsync(udpClient, udpListener, stopTraffic.Token));
        var tcpTraffic = Task.Run(() => BlastTcpAsync(tcpClient, stopTraffic.Token));
        var outbound = Task.Run(() => SendOutboundAsync(layer, peer.EndPoint, stopTraffic.Token));
        using var accepted = await peer.AcceptAsync();
        await TestTimeouts.WaitUntilAsync(
            () => layer.GetCounters() is { DatagramsReceived: > 50, StreamMessagesReceived: > 50 },
            "traffic on both transports");

        await layer.StopAsync().WaitAsync(TestTimeouts.Event);
        await stopTraffic.CancelAsync();
        await Task.WhenAll(udpTraffic, tcpTraffic, outbound).WaitAsync(TestTimeouts.Event);

        Assert.False(layer.IsRunning);
        Assert.Equal(0, layer.OpenConnectionCount);
        var counters = layer.GetCounters();
        Assert.Equal(0, counters.ConnectionsOpen);
        Assert.Equal(counters.ConnectionsAccepted + counters.ConnectionsConnected, counters.ConnectionsClosed);
        Assert.Equal(SendResult.NotRunning, await layer.SendAsync(SipTransport.Udp, udpClient.LocalEndPoint, new byte[10]));
        await tcpClient.ReadUntilClosedAsync();
        await accepted.ReadUntilClosedAsync();
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(tcpListener.ToIPEndPoint()).WaitAsync(TestTimeouts.Event));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        // Stopping again, or disposing, is harmless.
        await layer.StopAsync();
        await layer.DisposeAsync();
    }

    [Fact]
    public async Task StopAsync_NeverStarted_CompletesAndStartThenThrows()
    {
        var options = new SipTransportOptions();
        options.ListenAddresses.Add(ListenAddress.Parse("udp:127.0.0.1:0"));
        var layer = new SipTransportLayer(options, new RecordingHandler());

        await layer.StopAsync();

        Assert.Throws<InvalidOperationException>(layer.Start);
    }

    [Fact]
    public async Task Start_Twice_Throws()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), "udp:127.0.0.1:0");

        Assert.Throws<InvalidOperationException>(layer.Start);
        Assert.True(layer.IsRunning);
    }

    [Fact]
    public async Task StopAsync_ThenRebindSamePorts_Succeeds()
    {
        var first = TestLayer.Start(new RecordingHandler(), "udp:127.0.0.1:0", "tcp:127.0.0.1:0");
        using (var client = await TcpTestClient.ConnectAsync(first.Listeners[1].LocalEndPoint))
        {
            await TestTimeouts.WaitUntilAsync(() => first.OpenConnectionCount == 1, "connection accepted");
        }

        var udpPort = first.Listeners[0].LocalEndPoint.Port;
        var tcpPort = first.Listeners[1].LocalEndPoint.Port;
        await first.StopAsync();

        await using var second = TestLayer.Start(new RecordingHandler(), $"udp:127.0.0.1:{udpPort}", $"tcp:127.0.0.1:{tcpPort}");

        Assert.Equal(udpPort, second.Listeners[0].LocalEndPoint.Port);
        Assert.Equal(tcpPort, second.Listeners[1].LocalEndPoint.Port);
    }

    private static async Task BlastUdpAsync(UdpTestClient client, SipEndPoint target, CancellationToken token)
    {
        var datagram = SipMessages.Bytes(SipMessages.Request("OPTIONS", "udp-blast"));
        for (int i = 0; i < 200_000 && !token.IsCancellationRequested; i++)
        {
            await client.SendAsync(datagram, target);
            if (i % 64 == 0)
            {
                await Task.Yield();
            }
        }
    }

    private static async Task BlastTcpAsync(TcpTestClient client, CancellationToken token)
    {
        var message = SipMessages.Bytes(SipMessages.Request("OPTIONS", "tcp-blast", "", "TCP"));
        try
        {
            for (int i = 0; i < 200_000 && !token.IsCancellationRequested; i++)
            {
                await client.SendAsync(message);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The server went away mid-stream: expected.
        }
    }

    private static async Task SendOutboundAsync(SipTransportLayer layer, SipEndPoint peer, CancellationToken token)
    {
        var message = SipMessages.Bytes(SipMessages.Request("OPTIONS", "outbound", "", "TCP"));
        for (int i = 0; i < 200_000 && !token.IsCancellationRequested; i++)
        {
            var result = await layer.SendAsync(SipTransport.Tcp, peer, message, cancellationToken: CancellationToken.None);
            if (result == SendResult.NotRunning)
            {
                return;
            }
        }
    }
}
