using System.Net;
using System.Net.Sockets;
using Parley.Protocol;
using Parley.Protocol.Framing;
using Parley.Transport.Tests.Infrastructure;

namespace Parley.Transport.Tests;

public sealed class TcpTransportTests
{
    private const string Listen = "tcp:127.0.0.1:0";

    [Fact]
    public async Task Receive_MessageSplitAcrossManyWrites_DeliveredWhole()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        string request = SipMessages.Request("MESSAGE", "split", "hello there, this is the body", "TCP");
        var bytes = SipMessages.Bytes(request);

        for (int offset = 0; offset < bytes.Length; offset += 7)
        {
            await client.SendAsync(bytes[offset..Math.Min(offset + 7, bytes.Length)]);
        }

        var packet = await handler.NextPacketAsync();
        Assert.Equal(request, packet.Text);
        Assert.Equal(SipTransport.Tcp, packet.Transport);
        Assert.Equal(client.LocalEndPoint, packet.Remote);
        Assert.Same(layer.Listeners[0], packet.Listener);
        Assert.NotEqual(0, packet.ConnectionId);
    }

    [Fact]
    public async Task Receive_TwoMessagesInOneWrite_BothDeliveredInOrderOnOneConnection()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        string first = SipMessages.Request("MESSAGE", "first", "body one", "TCP");
        string second = SipMessages.Request("OPTIONS", "second", "", "TCP");

        await client.SendAsync("\r\n" + first + second);

        var one = await handler.NextPacketAsync();
        var two = await handler.NextPacketAsync();
        Assert.Equal(first, one.Text);
        Assert.Equal(second, two.Text);
        Assert.Equal(one.ConnectionId, two.ConnectionId);
        Assert.Equal(2, layer.GetCounters().StreamMessagesReceived);
    }

    [Fact]
    public async Task KeepAlivePing_DoubleCrlf_AnsweredWithSingleCrlfPong()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);

        await client.SendAsync("\r\n\r\n");
        var pong = await client.ReadExactlyAsync(2);

        Assert.Equal("\r\n"u8.ToArray(), pong);
        Assert.Equal(1, layer.GetCounters().KeepAlivePingsReceived);

        // The connection is still usable afterwards.
        string request = SipMessages.Request("OPTIONS", "after-ping", "", "TCP");
        await client.SendAsync(request);
        Assert.Equal(request, (await handler.NextPacketAsync()).Text);
        Assert.Equal(1, handler.PacketCount);
    }

    [Theory]
    [InlineData("Content-Length: -5\r\n", FramingError.NegativeContentLength)]
    [InlineData("Content-Length: 5\r\nl: 6\r\n", FramingError.ConflictingContentLength)]
    [InlineData("", FramingError.MissingContentLength)]
    public async Task Receive_BadContentLength_ErrorReportedWithHeadersThenClosed(string lengthHeaders, FramingError expected)
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, o => o.FramingErrorLinger = TimeSpan.FromMilliseconds(300), Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        string headers = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nCall-ID: bad-cl\r\n" + lengthHeaders + "\r\n";

        await client.SendAsync(headers + "some body");
        var error = await handler.NextFramingErrorAsync();

        Assert.Equal(expected, error.Error);
        Assert.Equal(headers, error.HeaderSection.Text);
        Assert.Equal(client.LocalEndPoint, error.HeaderSection.Remote);
        Assert.NotEqual(0, error.HeaderSection.ConnectionId);
        Assert.Equal(string.Empty, await client.ReadUntilClosedAsync());
        await TestTimeouts.WaitUntilAsync(() => layer.GetCounters().ConnectionsClosed == 1, "connection closed");
        Assert.Equal(0, handler.PacketCount);
        Assert.Equal(1, layer.GetCounters().FramingErrors);
    }

    [Fact]
    public async Task Receive_FramingErrorAnswered_ResponseReachesClientThenClosed()
    {
        var handler = new RecordingHandler();

        // A linger far longer than the test's wait: the close has to come from the response being written.
        await using var layer = TestLayer.Start(handler, o => o.FramingErrorLinger = TimeSpan.FromMinutes(5), Listen);
        string response = SipMessages.Response(400, "Negative Content-Length", "bad-cl");
        handler.OnFramingErrorHook = error => _ = layer.SendAsync(
            SipTransport.Tcp, error.HeaderSection.Remote, SipMessages.Bytes(response), error.HeaderSection.ConnectionId).AsTask();
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);

        await client.SendAsync("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nCall-ID: bad-cl\r\nContent-Length: -1\r\n\r\n");
        var received = client.ReadMessageAsync();

        Assert.Equal(response, await received);
        client.Dispose();
        await TestTimeouts.WaitUntilAsync(() => layer.GetCounters().ConnectionsClosed == 1, "connection closed after the 400");
    }

    [Fact]
    public async Task Receive_ContentLengthOverMaximum_MessageTooLargeAndClosed()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(
            handler,
            o =>
            {
                o.MaxMessageSize = 512;
                o.FramingErrorLinger = TimeSpan.FromMilliseconds(100);
            },
            Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);

        await client.SendAsync(SipMessages.Request("MESSAGE", "huge", new string('x', 1000), "TCP"));
        var error = await handler.NextFramingErrorAsync();

        Assert.Equal(FramingError.MessageTooLarge, error.Error);
        Assert.Contains("Call-ID: huge", error.HeaderSection.Text, StringComparison.Ordinal);
        await client.ReadUntilClosedAsync();
        Assert.Equal(1, layer.GetCounters().DroppedOversized);
    }

    [Fact]
    public async Task Receive_EndlessHeaderSection_MessageTooLargeWithoutHeadersAndClosed()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(
            handler,
            o =>
            {
                o.MaxMessageSize = 512;
                o.FramingErrorLinger = TimeSpan.FromMilliseconds(100);
            },
            Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);

        await client.SendAsync("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nSubject: " + new string('x', 2000));
        var error = await handler.NextFramingErrorAsync();

        Assert.Equal(FramingError.MessageTooLarge, error.Error);
        Assert.Empty(error.HeaderSection.Data);
        await client.ReadUntilClosedAsync();
    }

    [Fact]
    public async Task IdleTimeout_SilentConnection_Closed()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, o => o.TcpIdleTimeout = TimeSpan.FromMilliseconds(200), Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);

        Assert.Equal(string.Empty, await client.ReadUntilClosedAsync());

        await TestTimeouts.WaitUntilAsync(() => layer.OpenConnectionCount == 0, "connection table empty");
        var counters = layer.GetCounters();
        Assert.Equal(1, counters.ConnectionsAccepted);
        Assert.Equal(1, counters.ConnectionsClosed);
        Assert.Equal(0, counters.ConnectionsOpen);
    }

    [Fact]
    public async Task SendAsync_ResponseWithConnectionId_UsesConnectionTheRequestCameOn()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        await client.SendAsync(SipMessages.Request("OPTIONS", "answer-me", "", "TCP"));
        var request = await handler.NextPacketAsync();
        string response = SipMessages.Response(200, "OK", "answer-me");

        var result = await layer.SendAsync(SipTransport.Tcp, request.Remote, SipMessages.Bytes(response), request.ConnectionId);

        Assert.Equal(SendResult.Sent, result);
        Assert.Equal(response, await client.ReadMessageAsync());
        Assert.Equal(0, layer.GetCounters().ConnectionsConnected);
    }

    [Fact]
    public async Task SendAsync_ToPeerWithoutConnectionId_ReusesItsInboundConnection()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        await client.SendAsync(SipMessages.Request("REGISTER", "reg", "", "TCP"));
        var register = await handler.NextPacketAsync();
        string request = SipMessages.Request("OPTIONS", "to-registered-ua", "", "TCP");

        var result = await layer.SendAsync(SipTransport.Tcp, register.Remote, SipMessages.Bytes(request));

        Assert.Equal(SendResult.Sent, result);
        Assert.Equal(request, await client.ReadMessageAsync());
        Assert.Equal(0, layer.GetCounters().ConnectionsConnected);
    }

    [Fact]
    public async Task SendAsync_TwoRequestsToSamePeer_OneOutboundConnection()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var peer = new TcpTestPeer(IPAddress.Loopback);
        string first = SipMessages.Request("INVITE", "out-1", "v=0\r\n", "TCP");
        string second = SipMessages.Request("OPTIONS", "out-2", "", "TCP");

        // Concurrent: both must share the single connect attempt.
        var results = await Task.WhenAll(
            layer.SendAsync(SipTransport.Tcp, peer.EndPoint, SipMessages.Bytes(first)).AsTask(),
            layer.SendAsync(SipTransport.Tcp, peer.EndPoint, SipMessages.Bytes(second)).AsTask());
        using var accepted = await peer.AcceptAsync();
        var received = new[] { await accepted.ReadMessageAsync(), await accepted.ReadMessageAsync() };

        Assert.Equal([SendResult.Sent, SendResult.Sent], results);
        Assert.Contains(first, received);
        Assert.Contains(second, received);
        Assert.False(peer.HasPendingConnection);

        string third = SipMessages.Request("BYE", "out-3", "", "TCP");
        Assert.Equal(SendResult.Sent, await layer.SendAsync(SipTransport.Tcp, peer.EndPoint, SipMessages.Bytes(third)));
        Assert.Equal(third, await accepted.ReadMessageAsync());
        Assert.False(peer.HasPendingConnection);
        Assert.Equal(1, layer.GetCounters().ConnectionsConnected);

        // Outbound connections leave from the listener's address and read like inbound ones.
        Assert.Equal(IPAddress.Loopback, accepted.RemoteEndPoint.GetAddress());
        string reply = SipMessages.Response(200, "OK", "out-1");
        await accepted.SendAsync(reply);
        var packet = await handler.NextPacketAsync();
        Assert.Equal(reply, packet.Text);
        Assert.Equal(peer.EndPoint, packet.Remote);
        Assert.Same(layer.Listeners[0], packet.Listener);
    }

    [Fact]
    public async Task SendAsync_NobodyListening_ConnectFailed()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), Listen);
        SipEndPoint closed;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = new SipEndPoint((IPEndPoint)probe.LocalEndPoint!);
        }

        var result = await layer.SendAsync(SipTransport.Tcp, closed, SipMessages.Bytes(SipMessages.Request("OPTIONS", "nobody", "", "TCP")));

        Assert.Equal(SendResult.ConnectFailed, result);
        Assert.Equal(0, layer.OpenConnectionCount);
    }

    [LinuxFact]
    public async Task SendAsync_PeerNeverAnswersSyn_ConnectTimeout()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), o => o.TcpConnectTimeout = TimeSpan.FromMilliseconds(300), Listen);

        // A listener that is never accepted from, with its accept queue filled: Linux then drops further SYNs, so a
        // connect neither succeeds nor is refused.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackHole.Listen(0);
        var target = new SipEndPoint((IPEndPoint)blackHole.LocalEndPoint!);
        var fillers = new List<Socket>();
        try
        {
            while (true)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await filler.ConnectAsync(target.ToIPEndPoint(), attempt.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                Assert.True(fillers.Count < 64, "the accept queue never filled up");
            }

            var result = await layer.SendAsync(SipTransport.Tcp, target, SipMessages.Bytes(SipMessages.Request("OPTIONS", "void", "", "TCP")));

            Assert.Equal(SendResult.ConnectTimeout, result);
            Assert.Equal(0, layer.OpenConnectionCount);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task SendAsync_TcpWithoutTcpListener_NoSuitableListener()
    {
        await using var layer = TestLayer.Start(new RecordingHandler(), "udp:127.0.0.1:0");
        using var peer = new TcpTestPeer(IPAddress.Loopback);

        var result = await layer.SendAsync(SipTransport.Tcp, peer.EndPoint, new byte[10]);

        Assert.Equal(SendResult.NoSuitableListener, result);
        Assert.False(peer.HasPendingConnection);
    }

    [Fact]
    public async Task DeadPeer_ResetMidMessage_OtherConnectionsUnaffected()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var doomed = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        using var healthy = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        await TestTimeouts.WaitUntilAsync(() => layer.OpenConnectionCount == 2, "both connections accepted");

        await doomed.SendAsync("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nContent-Len");
        doomed.Reset();
        await TestTimeouts.WaitUntilAsync(() => layer.GetCounters().ConnectionsClosed == 1, "reset connection closed");

        string request = SipMessages.Request("OPTIONS", "healthy", "", "TCP");
        await healthy.SendAsync(request);
        var packet = await handler.NextPacketAsync();
        Assert.Equal(request, packet.Text);
        Assert.Equal(SendResult.Sent, await layer.SendAsync(SipTransport.Tcp, packet.Remote, SipMessages.Bytes(SipMessages.Response(200, "OK", "healthy")), packet.ConnectionId));
        Assert.Contains("Call-ID: healthy", await healthy.ReadMessageAsync(), StringComparison.Ordinal);
        Assert.Equal(1, layer.OpenConnectionCount);
    }

    [Fact]
    public async Task SendAsync_ClosedConnectionId_ClosedResultOrFallbackNeverThrows()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        await client.SendAsync(SipMessages.Request("OPTIONS", "gone", "", "TCP"));
        var request = await handler.NextPacketAsync();
        client.Reset();
        await TestTimeouts.WaitUntilAsync(() => layer.OpenConnectionCount == 0, "connection gone");

        // The connection is gone and the client's ephemeral port no longer listens: RFC 3261 §18.2.2's fallback
        // (connect to the address) is attempted and fails cleanly.
        var result = await layer.SendAsync(SipTransport.Tcp, request.Remote, SipMessages.Bytes(SipMessages.Response(200, "OK", "gone")), request.ConnectionId);

        Assert.Equal(SendResult.ConnectFailed, result);
    }

    [Fact]
    public async Task Writes_ManyConcurrentSendsOnOneConnection_NeverInterleave()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, Listen);
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        await client.SendAsync(SipMessages.Request("SUBSCRIBE", "sub", "", "TCP"));
        var request = await handler.NextPacketAsync();
        const int count = 40;
        var sends = new List<Task<SendResult>>();

        for (int i = 0; i < count; i++)
        {
            var message = SipMessages.Bytes(SipMessages.Request("NOTIFY", $"n-{i}", new string((char)('a' + (i % 26)), 3000 + i), "TCP"));
            sends.Add(Task.Run(() => layer.SendAsync(SipTransport.Tcp, request.Remote, message, request.ConnectionId).AsTask()));
        }

        var received = new HashSet<string>();
        for (int i = 0; i < count; i++)
        {
            received.Add(await client.ReadMessageAsync());
        }

        Assert.All(await Task.WhenAll(sends), result => Assert.Equal(SendResult.Sent, result));
        for (int i = 0; i < count; i++)
        {
            Assert.Contains(SipMessages.Request("NOTIFY", $"n-{i}", new string((char)('a' + (i % 26)), 3000 + i), "TCP"), received);
        }
    }

    [IPv6Fact]
    public async Task ReceiveAndRespond_IPv6Loopback_RoundTrip()
    {
        var handler = new RecordingHandler();
        await using var layer = TestLayer.Start(handler, "tcp:[::1]:0");
        using var client = await TcpTestClient.ConnectAsync(layer.Listeners[0].LocalEndPoint);
        string request = SipMessages.Request("OPTIONS", "v6", "", "TCP");

        await client.SendAsync(request);
        var packet = await handler.NextPacketAsync();
        string response = SipMessages.Response(200, "OK", "v6");
        var result = await layer.SendAsync(SipTransport.Tcp, packet.Remote, SipMessages.Bytes(response), packet.ConnectionId);

        Assert.Equal(request, packet.Text);
        Assert.True(packet.Remote.IsIPv6);
        Assert.Equal(SendResult.Sent, result);
        Assert.Equal(response, await client.ReadMessageAsync());
    }
}
