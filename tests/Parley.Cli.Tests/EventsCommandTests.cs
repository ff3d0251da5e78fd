using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Parley.Cli.Tests;

/// <summary><c>parley-cli events …</c> against a real local HTTP server that sends real UDP datagrams.</summary>
public class EventsCommandTests
{
    private const string Notification = """{"jsonrpc":"2.0","method":"E_TEST","params":{"callid":"abc","state":4}}""";

    private static (string Event, string Socket, int Expire) SubscribeArgs(string requestBody)
    {
        using var doc = JsonDocument.Parse(requestBody);
        var root = doc.RootElement;
        Assert.Equal("event_subscribe", root.GetProperty("method").GetString());
        var p = root.GetProperty("params");
        return (p.GetProperty("event").GetString()!, p.GetProperty("socket").GetString()!, p.GetProperty("expire").GetInt32());
    }

    /// <summary>Sends <paramref name="payload"/> to the <c>udp:IP:PORT</c> socket named in an event_subscribe request.</summary>
    private static void SendTo(JsonElement request, params string[] payloads)
    {
        string socket = request.GetProperty("params").GetProperty("socket").GetString()!;
        Assert.StartsWith("udp:127.0.0.1:", socket, StringComparison.Ordinal);
        int port = int.Parse(socket["udp:127.0.0.1:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        foreach (var payload in payloads)
        {
            var bytes = Encoding.UTF8.GetBytes(payload);
            udp.Send(bytes, bytes.Length, new IPEndPoint(IPAddress.Loopback, port));
        }
    }

    private static bool IsSubscribe(JsonElement request) =>
        request.GetProperty("params").GetProperty("expire").GetInt32() != 0;

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Events_CountOne_PrintsDatagramUnsubscribesExitsZero()
    {
        await using var server = new FakeMiServer(request =>
        {
            if (IsSubscribe(request))
            {
                SendTo(request, Notification);
            }

            return FakeMiServer.Result(request, "\"OK\"");
        });
        using var safety = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["events", "E_TEST", "--count", "1", "--url", server.Url], cancellationToken: safety.Token);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(Notification + "\n", stdout);
        Assert.Equal(string.Empty, stderr);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        var subscribe = SubscribeArgs(requests[0]);
        var unsubscribe = SubscribeArgs(requests[1]);
        Assert.Equal(("E_TEST", 120), (subscribe.Event, subscribe.Expire));
        Assert.Matches("^udp:127\\.0\\.0\\.1:[1-9][0-9]*$", subscribe.Socket);
        Assert.Equal(("E_TEST", subscribe.Socket, 0), unsubscribe);
        Assert.StartsWith("""{"jsonrpc":"2.0","method":"event_subscribe","params":{"event":"E_TEST","socket":"udp:127.0.0.1:""",
            requests[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_CountTwo_PrintsEachDatagramOnItsOwnLine()
    {
        const string second = """{"jsonrpc":"2.0","method":"E_TEST","params":{"n":2}}""";
        await using var server = new FakeMiServer(request =>
        {
            if (IsSubscribe(request))
            {
                SendTo(request, Notification, "{\n \"jsonrpc\": \"2.0\",\n \"method\": \"E_TEST\",\n \"params\": {\"n\": 2}\n}");
            }

            return FakeMiServer.Result(request, "\"OK\"");
        });
        using var safety = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var (exit, stdout, _) = await CliRunner.RunAsync(["events", "E_TEST", "--count", "2", "--url", server.Url], cancellationToken: safety.Token);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(Notification + "\n" + second + "\n", stdout);
    }

    [Fact]
    public async Task Events_DatagramNotJson_WarnsAndSkips()
    {
        await using var server = new FakeMiServer(request =>
        {
            if (IsSubscribe(request))
            {
                SendTo(request, "not json", Notification);
            }

            return FakeMiServer.Result(request, "\"OK\"");
        });
        using var safety = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["events", "E_TEST", "--count", "1", "--url", server.Url], cancellationToken: safety.Token);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(Notification + "\n", stdout);
        Assert.Equal("WARNING: ignoring a datagram that is not JSON (8 bytes)\n", stderr);
    }

    [Fact]
    public async Task Events_SubscribeFails_PrintsErrorExitsNonZeroNoUnsubscribe()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Error(request, 404, "Unknown event"));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["events", "E_NOPE", "--url", server.Url]);

        Assert.Equal(ExitCodes.MiError, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("ERROR: command 'event_subscribe' returned: 404: Unknown event\n", stderr);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Events_ServerDown_ExitTwo()
    {
        var (exit, _, stderr) = await CliRunner.RunAsync(["events", "E_TEST", "--url", $"http://127.0.0.1:{FakeMiServer.FreeTcpPort()}/mi"]);

        Assert.Equal(ExitCodes.CommunicationError, exit);
        Assert.StartsWith("ERROR: communication exception for 'event_subscribe' returned: cannot reach", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_Cancelled_UnsubscribesExitsZero()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));
        using var stop = new CancellationTokenSource();

        var run = CliRunner.RunAsync(["events", "E_TEST", "--url", server.Url], cancellationToken: stop.Token);
        await WaitForAsync(() => server.Requests.Count >= 1);
        await stop.CancelAsync(); // what Ctrl-C / SIGTERM do through System.CommandLine
        var (exit, stdout, stderr) = await run;

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(string.Empty, stderr);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(120, SubscribeArgs(requests[0]).Expire);
        Assert.Equal(0, SubscribeArgs(requests[1]).Expire);
        Assert.Equal(SubscribeArgs(requests[0]).Socket, SubscribeArgs(requests[1]).Socket);
    }

    [Fact]
    public async Task Events_ShortExpire_RenewsBeforeExpiry()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));
        using var stop = new CancellationTokenSource();

        // --expire 2 renews every second.
        var run = CliRunner.RunAsync(["events", "E_TEST", "--expire", "2", "--url", server.Url], cancellationToken: stop.Token);
        await WaitForAsync(() => server.Requests.Count >= 3);
        await stop.CancelAsync();
        var (exit, _, _) = await run;

        Assert.Equal(ExitCodes.Success, exit);
        var requests = server.Requests;
        Assert.True(requests.Count >= 4, $"{requests.Count} requests");
        for (int i = 0; i < requests.Count - 1; i++)
        {
            Assert.Equal(2, SubscribeArgs(requests[i]).Expire);
            Assert.Equal(SubscribeArgs(requests[0]).Socket, SubscribeArgs(requests[i]).Socket);
        }

        Assert.Equal(0, SubscribeArgs(requests[^1]).Expire);
    }

    [Fact]
    public async Task Events_ListenWithPort_NamesThatSocket()
    {
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        }

        await using var server = new FakeMiServer(request =>
        {
            if (IsSubscribe(request))
            {
                SendTo(request, Notification);
            }

            return FakeMiServer.Result(request, "\"OK\"");
        });
        using var safety = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var (exit, _, _) = await CliRunner.RunAsync(
            ["events", "E_TEST", "--listen", $"127.0.0.1:{port}", "--count", "1", "--expire", "30", "--url", server.Url], cancellationToken: safety.Token);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(($"udp:127.0.0.1:{port}", 30), (SubscribeArgs(server.Requests[0]).Socket, SubscribeArgs(server.Requests[0]).Expire));
    }

    [Theory]
    [InlineData("--expire", "0")]
    [InlineData("--count", "0")]
    [InlineData("--listen", "nowhere")]
    public async Task Events_BadOption_UsageErrorNothingSent(string option, string value)
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, _, stderr) = await CliRunner.RunAsync(["events", "E_TEST", option, value, "--url", server.Url]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("ERROR: ", stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }
}
