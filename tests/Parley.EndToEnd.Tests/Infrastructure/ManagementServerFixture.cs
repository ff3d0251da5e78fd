using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One parley running Fixtures/management/management-e2e.cfg (httpd + mi_http + mi_fifo + statistics + mi_script +
/// event_route) on free loopback ports, shared by the management tests, with helpers to call the MI over HTTP and to
/// send SIP OPTIONS.
/// </summary>
public sealed class ManagementServerFixture : IAsyncLifetime
{
    private ParleyProcess? _parley;

    public int SipPort { get; } = FreePorts.Next();

    public int HttpPort { get; } = FreePorts.Next();

    public string FifoPath { get; } = Path.Combine(Path.GetTempPath(), $"parley-e2e-fifo-{Guid.NewGuid():N}");

    public Uri MiUrl => new($"http://127.0.0.1:{HttpPort}/mi");

    public Uri MetricsUrl => new($"http://127.0.0.1:{HttpPort}/metrics");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    internal ParleyProcess Process => _parley ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "management", "management-e2e.cfg"));
        text = text
            .Replace("{SIP_PORT}", SipPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{HTTP_PORT}", HttpPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{FIFO}", FifoPath, StringComparison.Ordinal);
        _parley = await ParleyProcess.StartAsync(text);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_parley is not null)
        {
            await _parley.DisposeAsync();
        }
    }

    /// <summary>POSTs a raw body to the MI; returns the HTTP status and the body text.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(MiUrl, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Calls a command with JSON <paramref name="parameters"/> (an object or array text, or null) and returns the parsed response.</summary>
    public async Task<JsonElement> CallAsync(string method, string? parameters = null)
    {
        var body = parameters is null
            ? $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"id\":1}}"
            : $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"params\":{parameters},\"id\":1}}";
        var (status, text) = await PostAsync(body);
        Assert.True(status == HttpStatusCode.OK, $"{method}: HTTP {(int)status} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>The <c>result</c> of a successful call (fails the test on a JSON-RPC error).</summary>
    public async Task<JsonElement> ResultAsync(string method, string? parameters = null)
    {
        var response = await CallAsync(method, parameters);
        Assert.True(response.TryGetProperty("result", out var result), $"{method}: {response}");
        return result;
    }

    /// <summary>One statistic's value through <c>get_statistics</c>.</summary>
    public async Task<long> StatisticAsync(string name)
    {
        var result = await ResultAsync("get_statistics", $"{{\"statistics\":[\"{name}\"]}}");
        return result.GetProperty(name).GetInt64();
    }

    /// <summary>Sends OPTIONS to sip:{user}@127.0.0.1 and returns the response text (null on timeout).</summary>
    public async Task<string?> OptionsAsync(string user, string fromUser = "alice")
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var callId = Guid.NewGuid().ToString("N");
        var options = $"OPTIONS sip:{user}@127.0.0.1:{SipPort} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bK{callId[..10]};rport\r\n" +
            $"Max-Forwards: 70\r\nTo: <sip:{user}@127.0.0.1>\r\nFrom: <sip:{fromUser}@127.0.0.1>;tag=f1\r\n" +
            $"Call-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        return await SipClient.UdpExchangeAsync(socket, new IPEndPoint(IPAddress.Loopback, SipPort), Encoding.ASCII.GetBytes(options), TimeSpan.FromSeconds(5));
    }
}
