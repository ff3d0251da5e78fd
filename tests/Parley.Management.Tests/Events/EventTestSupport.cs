using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Parley.Management.Tests.Events;

/// <summary>A clock that only moves when told to (timers stay on real time).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public ManualTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>A UDP socket on 127.0.0.1 that collects datagrams.</summary>
internal sealed class UdpSink : IDisposable
{
    private readonly UdpClient _client = new(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_client.Client.LocalEndPoint!).Port;

    public string Socket => "udp:127.0.0.1:" + Port;

    /// <summary>The next datagram as text, or null when none comes within <paramref name="timeout"/>.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var result = await _client.ReceiveAsync(cts.Token);
            return Encoding.UTF8.GetString(result.Buffer);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<string> ReceiveRequiredAsync()
    {
        return await ReceiveAsync(TimeSpan.FromSeconds(5)) ?? throw new TimeoutException("no datagram within 5 s");
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>One request a <see cref="TestHttpServer"/> received.</summary>
internal sealed record HttpCapture(string Method, string Path, string? ContentType, string Body);

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (TcpListener): records each request and answers with
/// <see cref="Status"/>, or never answers when <see cref="Hang"/> is set.
/// </summary>
internal sealed class TestHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<HttpCapture> _requests = Channel.CreateUnbounded<HttpCapture>();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accept;

    public TestHttpServer(int status = 200, bool hang = false)
    {
        Status = status;
        Hang = hang;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Status { get; }

    public bool Hang { get; }

    public string Url(string path = "/events") => "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + path;

    public async Task<HttpCapture?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _requests.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var c in _clients)
            {
                c.Dispose();
            }
        }

        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            while (!_stop.IsCancellationRequested)
            {
                int headEnd;
                while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
                {
                    int n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    buffer.AddRange(chunk.AsSpan(0, n));
                }

                string head = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray());
                var lines = head.Split("\r\n");
                var requestLine = lines[0].Split(' ');
                int length = 0;
                string? contentType = null;
                foreach (var line in lines[1..])
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon < 0)
                    {
                        continue;
                    }

                    string name = line[..colon].Trim();
                    string value = line[(colon + 1)..].Trim();
                    if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        length = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        contentType = value;
                    }
                }

                int bodyStart = headEnd + 4;
                while (buffer.Count < bodyStart + length)
                {
                    int n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    buffer.AddRange(chunk.AsSpan(0, n));
                }

                string body = Encoding.UTF8.GetString(buffer.GetRange(bodyStart, length).ToArray());
                buffer.RemoveRange(0, bodyStart + length);
                await _requests.Writer.WriteAsync(new HttpCapture(requestLine[0], requestLine[1], contentType, body));
                if (Hang)
                {
                    continue;
                }

                var reply = Encoding.ASCII.GetBytes($"HTTP/1.1 {Status} X\r\nContent-Length: 0\r\n\r\n");
                await stream.WriteAsync(reply, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static int IndexOfHeadEnd(List<byte> buffer)
    {
        for (int i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until true; false after <paramref name="timeout"/>.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>A port on 127.0.0.1 nobody listens on (bound, then released).</summary>
    public static int ClosedTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
