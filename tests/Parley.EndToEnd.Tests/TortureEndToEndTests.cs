using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// RFC 4475's malformed and semantically odd requests sent to a running parley over real UDP and TCP sockets: each gets
/// its error response (or none where none is due), and the server still answers the next message afterwards.
/// </summary>
public sealed class TortureEndToEndTests(CoreServerFixture server) : IClassFixture<CoreServerFixture>
{
    // file, expected status over UDP, expected status over TCP (0: no response is due), reason phrase expected over UDP.
    public static readonly TheoryData<string, int, int, string> Cases = new()
    {
        { "badinv01", 400, 400, "Bad Via" },
        { "clerr", 400, 0, "Content-Length Exceeds Message" },    // TCP: waits for the rest (RFC 4475 §3.1.2.2)
        { "ncl", 400, 400, "Bad Content-Length" },
        { "scalar02", 400, 400, "Bad CSeq" },
        { "scalarlg", 0, 0, "" },                                  // a response: discarded
        { "quotbal", 400, 400, "Bad To" },
        { "ltgtruri", 400, 400, "Bad Request-URI" },
        { "lwsruri", 400, 400, "Bad Request-URI" },
        { "lwsstart", 400, 400, "Bad Request Line" },
        { "trws", 400, 400, "Bad Request Line" },
        { "escruri", 400, 400, "Bad Request-URI" },
        { "baddate", 0, 0, "" },                                   // accepted: Date is not a header a proxy acts on
        { "regbadct", 400, 400, "Bad Contact" },
        { "badaspec", 400, 400, "Bad To" },
        { "baddn", 400, 0, "Bad From" },                           // TCP: no empty line ends its headers, so it never completes
        { "badvers", 505, 505, "Version Not Supported" },
        { "mismatch01", 400, 400, "CSeq Method Mismatch" },
        { "mismatch02", 501, 501, "Not Implemented" },
        { "bigcode", 0, 0, "" },                                   // a response: discarded
        { "insuf", 400, 400, "Missing Call-ID" },
        { "unkscm", 416, 416, "Unsupported URI Scheme" },
        { "novelsc", 416, 416, "Unsupported URI Scheme" },
        { "bext01", 420, 420, "Bad Extension" },
        { "multi01", 400, 400, "Multiple Call-ID" },
        { "mcl01", 400, 400, "Conflicting Content-Length" },
        { "zeromf", 483, 483, "Too Many Hops" },
    };

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(700);

    private readonly int _port = server.Port;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Udp_TortureMessage_GetsExpectedResponseAndServerKeepsAnswering(string file, int udpCode, int tcpCode, string reason)
    {
        _ = tcpCode;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, _port);
        var response = await SipClient.UdpExchangeAsync(socket, target, Load(file), udpCode == 0 ? Quiet : Wait);
        if (udpCode == 0)
        {
            Assert.Null(response);
        }
        else
        {
            Assert.NotNull(response);
            Assert.Equal($"SIP/2.0 {udpCode} {reason}", SipClient.StatusLine(response));
        }

        await AssertStillAnswersUdpAsync(socket, target);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Tcp_TortureMessage_GetsExpectedResponseAndServerKeepsAnswering(string file, int udpCode, int tcpCode, string reason)
    {
        _ = udpCode;
        _ = reason;
        using (var client = new TcpClient(AddressFamily.InterNetwork))
        {
            await client.ConnectAsync(IPAddress.Loopback, _port);
            var stream = client.GetStream();
            await stream.WriteAsync(Load(file));
            var response = await SipClient.ReadStreamResponseAsync(stream, tcpCode == 0 ? Quiet : Wait);
            if (tcpCode == 0)
            {
                Assert.Null(response);
            }
            else
            {
                Assert.NotNull(response);
                Assert.Equal(tcpCode, SipClient.StatusCode(response));
            }
        }

        using var next = new TcpClient(AddressFamily.InterNetwork);
        await next.ConnectAsync(IPAddress.Loopback, _port);
        await next.GetStream().WriteAsync(Probe());
        var probe = await SipClient.ReadStreamResponseAsync(next.GetStream(), Wait);
        Assert.NotNull(probe);
        Assert.Equal(483, SipClient.StatusCode(probe));
    }

    [Fact]
    public async Task Udp_ResponseToMalformedRequest_CopiesDialogHeadersAndAddsToTag()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var response = await SipClient.UdpExchangeAsync(socket, new IPEndPoint(IPAddress.Loopback, _port), Load("scalar02"), Wait);
        Assert.NotNull(response);
        var request = Encoding.UTF8.GetString(Load("scalar02"));
        Assert.Equal(SipClient.Header(request, "Call-ID"), SipClient.Header(response, "Call-ID"));
        Assert.Equal(SipClient.Header(request, "Via"), SipClient.Header(response, "Via"));
        Assert.Contains(";tag=", SipClient.Header(response, "To"), StringComparison.Ordinal);
        Assert.Equal("0", SipClient.Header(response, "Content-Length"));
    }

    [Fact]
    public async Task Udp_ProxyRequire_ListsTheTagsInUnsupported()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var response = await SipClient.UdpExchangeAsync(socket, new IPEndPoint(IPAddress.Loopback, _port), Load("bext01"), Wait);
        Assert.NotNull(response);
        Assert.Equal(420, SipClient.StatusCode(response));
        Assert.Equal("noProxiesSupportThis, norDoAnyProxiesSupportThis", SipClient.Header(response, "Unsupported"));
    }

    [Fact]
    public async Task Udp_ManyMalformedDatagramsInARow_AllAnswered()
    {
        // Each queued datagram costs the kernel ~2 KB of receive buffer; read while sending so the test socket never drops.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 * 1024 * 1024 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, _port);
        const int count = 200;
        var receiving = Task.Run(async () =>
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < count; i++)
            {
                var response = await SipClient.UdpReceiveAsync(socket, Wait);
                Assert.NotNull(response);
                Assert.Equal(400, SipClient.StatusCode(response));
                seen.Add(SipClient.Header(response, "Call-ID"));
            }

            return seen;
        });

        for (var i = 0; i < count; i++)
        {
            var text = Encoding.UTF8.GetString(Load("scalar02")).Replace("Call-ID: scalar02.", $"Call-ID: burst{i}.", StringComparison.Ordinal);
            await socket.SendToAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None, target);
        }

        Assert.Equal(count, (await receiving).Count);
    }

    private static byte[] Load(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Shared, "testdata", "rfc4475", name + ".dat"));

    /// <summary>An OPTIONS with Max-Forwards 0: the core must answer 483, proving the server is alive and this socket unblocked.</summary>
    private static byte[] Probe() => Encoding.ASCII.GetBytes(
        "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK{Guid.NewGuid():N}\r\n" +
        "Max-Forwards: 0\r\n" +
        "From: <sip:probe@127.0.0.1>;tag=probe\r\n" +
        "To: <sip:probe@127.0.0.1>\r\n" +
        $"Call-ID: probe-{Guid.NewGuid():N}\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Content-Length: 0\r\n\r\n");

    private static async Task AssertStillAnswersUdpAsync(Socket socket, IPEndPoint target)
    {
        var probe = await SipClient.UdpExchangeAsync(socket, target, Probe(), Wait);
        Assert.NotNull(probe);
        Assert.Equal(483, SipClient.StatusCode(probe));
    }
}
