using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// tm's delivery end to end (Fixtures/tm/delivery.cfg): a host-name destination resolved by the system's DNS, RFC 3263
/// failover between two loopback addresses of one name (503, then a silent address), t_replicate, t_write_unix and
/// t_write_req to a real socket and FIFO, and the local reply when a branch cannot be sent.
/// </summary>
public sealed class TmDeliveryTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private sealed record Setup(ParleyProcess Parley, int Port, int Uas1, int Uas2, string Socket, string Fifo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Parley.DisposeAsync();
            File.Delete(Socket);
            File.Delete(Fifo);
        }
    }

    private static async Task<Setup> StartAsync(int uas1, int uas2)
    {
        var port = FreePorts.Next();
        var id = Guid.NewGuid().ToString("N");
        var socket = Path.Combine(Path.GetTempPath(), $"tw-{id}.sock");
        var fifo = Path.Combine(Path.GetTempPath(), $"tw-{id}.fifo");
        var hosts = Path.Combine(Path.GetTempPath(), $"hosts-{id}");
        await File.WriteAllTextAsync(hosts, "127.0.0.2 multi.test\n127.0.0.1 multi.test\n");
        var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tm", "delivery.cfg")))
            .Replace("{SIP_PORT}", Port(port), StringComparison.Ordinal)
            .Replace("{UAS1}", Port(uas1), StringComparison.Ordinal)
            .Replace("{UAS2}", Port(uas2), StringComparison.Ordinal)
            .Replace("{CLOSED}", Port(FreePorts.Next()), StringComparison.Ordinal)
            .Replace("{SOCK}", socket, StringComparison.Ordinal)
            .Replace("{FIFO}", fifo, StringComparison.Ordinal);
        var parley = await ParleyProcess.StartWithEnvironmentAsync(text, new Dictionary<string, string> { ["PARLEY_HOSTS_FILE"] = hosts });
        return new Setup(parley, port, uas1, uas2, socket, fifo);
    }

    private static void AssertCalls(int calls, int code, string output, SippServer callee, int? calleeCode, ParleyProcess parley)
    {
        var context = $"caller exited {code}:\n{output}\ncallee exited {calleeCode?.ToString(CultureInfo.InvariantCulture) ?? "(running)"}:\n{callee.Output}\nparley:\n{parley.Output}";
        Assert.True(code == 0, context);
        Assert.Equal(calls, Sipp.SuccessfulCalls(output));
        Assert.True(calleeCode == 0, context);
    }

    /// <summary>
    /// Sends a MESSAGE from a raw UDP socket and collects the responses: until <paramref name="finals"/> final ones came
    /// and then <paramref name="grace"/> more (to see that nothing else follows), or at most <paramref name="wait"/>.
    /// </summary>
    private static async Task<List<string>> MessageAsync(int port, string user, TimeSpan wait, int finals = 1, double grace = 0.5)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var callId = Guid.NewGuid().ToString("N");
        var body = "hello";
        var message = Encoding.ASCII.GetBytes(
            $"MESSAGE sip:{user}@127.0.0.1:{port} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bK{callId}\r\n" +
            "Max-Forwards: 70\r\n" +
            $"From: <sip:caller@127.0.0.1:{local.Port}>;tag=c1\r\n" +
            $"To: <sip:{user}@127.0.0.1>\r\n" +
            $"Call-ID: {callId}@test\r\n" +
            "CSeq: 7 MESSAGE\r\n" +
            "User-Agent: e2e-caller\r\n" +
            "Content-Type: text/plain\r\n" +
            $"Content-Length: {body.Length}\r\n\r\n{body}");
        await socket.SendToAsync(message, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, port));
        var responses = new List<string>();
        var until = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < until)
        {
            if (await SipClient.UdpReceiveAsync(socket, until - DateTime.UtcNow) is { } response)
            {
                responses.Add(response);
                if (finals > 0 && Finals(responses).Count == finals)
                {
                    until = DateTime.UtcNow + TimeSpan.FromSeconds(grace);
                    finals = 0;
                }
            }
        }

        return responses;
    }

    private static List<string> Finals(List<string> responses) =>
        responses.FindAll(r => SipClient.StatusCode(r) >= 200).ConvertAll(SipClient.StatusLine);

    [Fact]
    public async Task HostName_Localhost_ResolvedBySystemDns_MessagesRelayed()
    {
        const int calls = 3;
        var uas1 = FreePorts.Next();
        using var callee = Sipp.StartUasScenario(Sipp.Scenario("uas-message.xml"), uas1, "u1", calls);
        await using var setup = await StartAsync(uas1, FreePorts.Next());
        await Task.Delay(300);
        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-message.xml"), setup.Port, "u1", calls, rate: 10, "-s", "host");
        AssertCalls(calls, code, output, callee, await callee.WaitForExitAsync(CalleeExit), setup.Parley);
        Assert.Contains("relaying host to sip:localhost:", setup.Parley.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsFailover_FirstAddressAnswers503_NextAddressAnswersAndCallerSeesOnly200()
    {
        const int calls = 3;
        var uas1 = FreePorts.Next();
        using var outOfService = Sipp.StartUasScenarioOn("127.0.0.2", Sipp.Scenario("uas-503-message.xml"), uas1, "u1", calls);
        using var callee = Sipp.StartUasScenario(Sipp.Scenario("uas-message.xml"), uas1, "u1", calls);
        await using var setup = await StartAsync(uas1, FreePorts.Next());
        await Task.Delay(300);
        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-message.xml"), setup.Port, "u1", calls, rate: 10, "-s", "failover503");
        AssertCalls(calls, code, output, callee, await callee.WaitForExitAsync(CalleeExit), setup.Parley);
        var first = await outOfService.WaitForExitAsync(CalleeExit);
        Assert.True(first == 0, $"127.0.0.2 was not tried first ({first}):\n{outOfService.Output}\nparley:\n{setup.Parley.Output}");
    }

    [Fact]
    public async Task DnsFailover_FirstAddressSilent_TimeoutThenNextAddress()
    {
        var uas2 = FreePorts.Next();
        using var callee = Sipp.StartUasScenario(Sipp.Scenario("uas-message.xml"), uas2, "u1", 1);
        await using var setup = await StartAsync(FreePorts.Next(), uas2);
        await Task.Delay(300);
        var responses = await MessageAsync(setup.Port, "failover408", TimeSpan.FromSeconds(15));
        Assert.True(Finals(responses) is ["SIP/2.0 200 OK"], string.Join("\n---\n", responses) + "\nparley:\n" + setup.Parley.Output);
        Assert.Equal(0, await callee.WaitForExitAsync(CalleeExit));
    }

    [Fact]
    public async Task Replicate_CopyReachesSecondCallee_CallerGetsOnlyTheScriptsReply()
    {
        var uas2 = FreePorts.Next();
        using var copyTarget = Sipp.StartUasScenario(Sipp.Scenario("uas-message.xml"), uas2, "u1", 1);
        await using var setup = await StartAsync(FreePorts.Next(), uas2);
        await Task.Delay(300);
        var responses = await MessageAsync(setup.Port, "replicate", TimeSpan.FromSeconds(15), grace: 2);
        var copyCode = await copyTarget.WaitForExitAsync(CalleeExit);
        Assert.True(copyCode == 0, $"the copy did not arrive ({copyCode}):\n{copyTarget.Output}\nparley:\n{setup.Parley.Output}");
        Assert.Equal(["SIP/2.0 202 Accepted"], Finals(responses)); // the copy's 200 stays in the proxy
    }

    [Fact]
    public async Task TWriteUnix_DatagramCarriesTheRequest_ThenBlindBranchGives408()
    {
        var uas1 = FreePorts.Next();
        await using var setup = await StartAsync(uas1, FreePorts.Next());
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(setup.Socket));
        var buffer = new byte[8192];
        var receive = socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask();
        var responses = await MessageAsync(setup.Port, "unix", TimeSpan.FromSeconds(15));

        var n = await receive.WaitAsync(TimeSpan.FromSeconds(5));
        var lines = Encoding.UTF8.GetString(buffer, 0, n).Split('\n');
        Assert.Equal(["0.3", "sip_request.voicemail", "MESSAGE", "unix", "127.0.0.1", "127.0.0.1", Port(setup.Port)], lines[..7]);
        Assert.Equal("7", lines[14]);
        Assert.Equal("P-MsgFlags: 0", lines[18]);
        Assert.Equal("ua: e2e-caller", lines[19]);
        Assert.Equal(".", lines[20]);
        Assert.Equal("hello", lines[21]); // $rb in tw_append: the body even for a MESSAGE
        Assert.Equal(["SIP/2.0 408 Request Timeout"], Finals(responses));
    }

    [Fact]
    public async Task TWriteReq_FifoReaderGetsTheRequest()
    {
        var uas1 = FreePorts.Next();
        await using var setup = await StartAsync(uas1, FreePorts.Next());
        using (var mkfifo = Process.Start("mkfifo", setup.Fifo))
        {
            await mkfifo!.WaitForExitAsync();
        }

        await using var reader = new FileStream(setup.Fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[8192];
        var read = reader.ReadAsync(buffer).AsTask();
        var responses = await MessageAsync(setup.Port, "fifo", TimeSpan.FromSeconds(1), finals: 0);
        var n = await read.WaitAsync(TimeSpan.FromSeconds(5));
        var lines = Encoding.UTF8.GetString(buffer, 0, n).Split('\n');
        Assert.Equal(["0.3", "sip_request.vm", "MESSAGE", "fifo"], lines[..4]);
        Assert.Equal(".", lines[19]); // no tw_append given: no body for a MESSAGE
        Assert.Empty(Finals(responses)); // the application answers (or the 408 comes after fr_timeout)
    }

    [Fact]
    public async Task Relay_TcpConnectRefused_477SendFailed()
    {
        await using var setup = await StartAsync(FreePorts.Next(), FreePorts.Next());
        var responses = await MessageAsync(setup.Port, "refused", TimeSpan.FromSeconds(15));
        Assert.True(Finals(responses) is ["SIP/2.0 477 Send failed (477/TM)"], string.Join("\n---\n", responses) + "\nparley:\n" + setup.Parley.Output);
    }

    [Fact]
    public async Task Relay_NoSocketForTheTransport_OneServerErrorReply()
    {
        await using var setup = await StartAsync(FreePorts.Next(), FreePorts.Next());
        var responses = await MessageAsync(setup.Port, "nosocket", TimeSpan.FromSeconds(15), grace: 1);

        // tm answers and t_relay reports it handled, so the script's sl_reply_error() does not answer again.
        Assert.Equal(["SIP/2.0 500 Server error occurred (7/TM)"], Finals(responses));
    }
}
