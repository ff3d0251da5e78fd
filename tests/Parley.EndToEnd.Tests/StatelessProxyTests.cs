using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// examples/stateless.cfg, unchanged but for its two addresses, run by the real parley with real SIPp on both sides:
/// <c>sipp -sn uac</c> → Parley → <c>sipp -sn uas</c>, INVITE/ACK/BYE forwarded statelessly, replies relayed.
/// </summary>
public sealed class StatelessProxyTests
{
    private static async Task<(ParleyProcess Parley, int Port)> StartStatelessAsync(int uasPort, string downstreamTransport = "udp")
    {
        var port = FreePorts.Next();
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "examples", "stateless.cfg"));
        Assert.Contains("127.0.0.1:5060", text, StringComparison.Ordinal);
        Assert.Contains("sip:127.0.0.1:5080", text, StringComparison.Ordinal);
        text = text
            .Replace("127.0.0.1:5060", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("sip:127.0.0.1:5080", "sip:127.0.0.1:" + uasPort.ToString(CultureInfo.InvariantCulture) + (downstreamTransport == "tcp" ? ";transport=tcp" : ""), StringComparison.Ordinal);
        return (await ParleyProcess.StartAsync(text), port);
    }

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task StatelessExample_SippUacThroughParleyToSippUas_NoFailedCalls(string transport)
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUas(uasPort, transport);
        var (parley, port) = await StartStatelessAsync(uasPort, transport == "t1" ? "tcp" : "udp");
        await using (parley)
        {
            await Task.Delay(300); // the UAS binds its socket
            var (code, output) = await Sipp.RunBuiltInAsync("uac", port, transport, calls: 100, rate: 50);
            Assert.True(code == 0, $"sipp uac exited {code}:\n{output}\nuas:\n{uas.Output}\nparley:\n{parley.Output}");
            Assert.Contains("Successful call", output, StringComparison.Ordinal);
            Assert.False(parley.HasExited);
        }
    }

    [Fact]
    public async Task StatelessExample_OptionsToProxy_Answered200Locally()
    {
        var uasPort = FreePorts.Next();
        var (parley, port) = await StartStatelessAsync(uasPort);
        await using (parley)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var options = $"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n" +
                $"Via: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bKopt1;rport\r\n" +
                "Max-Forwards: 70\r\nTo: <sip:127.0.0.1>\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\n" +
                "Call-ID: options-probe-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
            var response = await SipClient.UdpExchangeAsync(socket, new IPEndPoint(IPAddress.Loopback, port), Encoding.ASCII.GetBytes(options), TimeSpan.FromSeconds(5));
            Assert.NotNull(response);
            Assert.Equal("SIP/2.0 200 OK", SipClient.StatusLine(response));
            Assert.Contains(";tag=", SipClient.Header(response, "To"), StringComparison.Ordinal);
            Assert.Equal("Parley", SipClient.Header(response, "Server"));
        }
    }

    [Fact]
    public async Task StatelessExample_MaxForwardsZero_Answered483()
    {
        var (parley, port) = await StartStatelessAsync(FreePorts.Next());
        await using (parley)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var invite = $"INVITE sip:bob@127.0.0.1:{port} SIP/2.0\r\n" +
                $"Via: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bKmf0;rport\r\n" +
                "Max-Forwards: 0\r\nTo: <sip:bob@127.0.0.1>\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\n" +
                "Call-ID: maxfwd-zero-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
            var response = await SipClient.UdpExchangeAsync(socket, new IPEndPoint(IPAddress.Loopback, port), Encoding.ASCII.GetBytes(invite), TimeSpan.FromSeconds(5));
            Assert.NotNull(response);
            Assert.Equal("SIP/2.0 483 Too Many Hops", SipClient.StatusLine(response));
        }
    }
}
