using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Parley.Cli.Tests;

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener, free port) that answers MI requests with canned JSON-RPC replies and
/// records every request body.
/// </summary>
internal sealed class FakeMiServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<JsonElement, Reply> _responder;
    private readonly Task _loop;
    private readonly ConcurrentQueue<string> _requests = new();

    /// <param name="responder">Called with each parsed request; returns the HTTP status and body to send.</param>
    public FakeMiServer(Func<JsonElement, Reply> responder)
    {
        _responder = responder;
        for (int attempt = 0; ; attempt++)
        {
            int port = FreeTcpPort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Url = $"http://127.0.0.1:{port}/mi";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    /// <summary>Request bodies in arrival order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>A successful reply with <paramref name="resultJson"/> as <c>result</c>, echoing the request id.</summary>
    public static Reply Result(JsonElement request, string resultJson) =>
        new(200, $"{{\"jsonrpc\":\"2.0\",\"result\":{resultJson},\"id\":{request.GetProperty("id").GetRawText()}}}");

    public static Reply Error(JsonElement request, int code, string message, string? data = null) =>
        new(200, $"{{\"jsonrpc\":\"2.0\",\"error\":{{\"code\":{code},\"message\":\"{message}\"" +
            (data is null ? string.Empty : $",\"data\":\"{data}\"") + $"}},\"id\":{request.GetProperty("id").GetRawText()}}}");

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
        catch (HttpListenerException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync().ConfigureAwait(false);
            }

            _requests.Enqueue(body);
            Reply reply;
            try
            {
                using var doc = JsonDocument.Parse(body);
                reply = _responder(doc.RootElement);
            }
            catch (Exception ex)
            {
                reply = new Reply(500, ex.Message);
            }

            try
            {
                var bytes = Encoding.UTF8.GetBytes(reply.Body);
                context.Response.StatusCode = reply.Status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The client went away (e.g. it timed out); keep serving.
            }
        }
    }

    public static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public readonly record struct Reply(int Status, string Body);
}
