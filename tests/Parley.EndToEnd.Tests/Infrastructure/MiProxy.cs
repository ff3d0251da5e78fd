using System.Net;
using System.Text;
using System.Text.Json;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>A running parley with its MI over HTTP: JSON-RPC calls, statistics, dlg_list, and polling until a condition holds.</summary>
internal sealed class MiProxy(ParleyProcess parley, int sipPort, int httpPort) : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public ParleyProcess Parley { get; } = parley;

    public int SipPort { get; } = sipPort;

    public int HttpPort { get; } = httpPort;

    public async Task<JsonElement> CallAsync(string method, string? parameters = null)
    {
        var body = parameters is null
            ? $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"id\":1}}"
            : $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"params\":{parameters},\"id\":1}}";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri($"http://127.0.0.1:{HttpPort}/mi"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    public async Task<JsonElement> ResultAsync(string method, string? parameters = null)
    {
        var response = await CallAsync(method, parameters);
        Assert.True(response.TryGetProperty("result", out var result), $"{method}: {response}\nparley:\n{Parley.Output}");
        return result;
    }

    public async Task<long> StatisticAsync(string name) =>
        (await ResultAsync("get_statistics", $"{{\"statistics\":[\"{name}\"]}}")).GetProperty(name).GetInt64();

    public async Task<JsonElement> DialogsAsync() => (await ResultAsync("dlg_list")).GetProperty("Dialogs");

    /// <summary>Polls <paramref name="check"/> every 100 ms until it holds (true) or the time is up (false).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> check, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (await check())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await check();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Parley.DisposeAsync();
    }
}
