using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management.Http;
using Parley.Management.Mi;
using Parley.Management.Statistics;

namespace Parley.Management.Tests.Http;

/// <summary>The Kestrel host on a real loopback port: routing, methods, bodies, metrics.</summary>
public sealed class ManagementHttpServerTests : IAsyncLifetime
{
    private readonly StatisticsRegistry _statistics = new();
    private readonly MiCommandRegistry _commands = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private ManagementHttpServer _server = null!;

    public async Task InitializeAsync()
    {
        StatisticsMiCommands.Register(_commands, _statistics);
        _statistics.Register("core", "rcv_requests", StatisticKind.Counter).Increment(3);
        var settings = new HttpSettings { Enabled = true, Port = 0, MiRoot = "json" };
        _server = new ManagementHttpServer(settings, new JsonRpcDispatcher(_commands), _statistics, NullLoggerFactory.Instance);
        await _server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _client.Dispose();
        _statistics.Dispose();
    }

    private Uri Url(string path) => new($"http://127.0.0.1:{_server.BoundEndPoint!.Port}/{path}");

    [Fact]
    public async Task Post_JsonRpc_AnsweredWithApplicationJson()
    {
        using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"method\":\"get_statistics\",\"params\":[[\"core:rcv_requests\"]],\"id\":7}", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(Url("json"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("{\"jsonrpc\":\"2.0\",\"result\":{\"core:rcv_requests\":3},\"id\":7}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OtherMethods_405WithAllow()
    {
        using var get = await _client.GetAsync(Url("json"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Contains("POST", get.Content.Headers.Allow);
        using var put = await _client.PutAsync(Url("metrics"), new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
    }

    [Fact]
    public async Task EmptyBody_400()
    {
        using var response = await _client.PostAsync(Url("json"), new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task OversizedBody_413()
    {
        using var response = await _client.PostAsync(Url("json"), new ByteArrayContent(new byte[(1 << 20) + 10]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_ServedAsPrometheusText()
    {
        using var response = await _client.GetAsync(Url("metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PrometheusWriter.ContentType, response.Content.Headers.ContentType!.ToString());
        Assert.Contains("parley_core_rcv_requests 3", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPath_404()
    {
        using var response = await _client.PostAsync(Url("mi"), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("*", true)]
    [InlineData("localhost", false)]
    public void TryParseAddress_Forms(string ip, bool ok) => Assert.Equal(ok, ManagementHttpServer.TryParseAddress(ip, out _));
}
