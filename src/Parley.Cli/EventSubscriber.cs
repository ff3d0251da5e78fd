using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Cli;

/// <summary>
/// <c>parley-cli events</c>: listens on a UDP socket, subscribes it to an event with MI <c>event_subscribe</c>, prints
/// each notification datagram as one JSON line, renews the subscription before it expires, and unsubscribes
/// (<c>expire</c> 0) when stopped. Modelled on python-opensips' <c>opensips-event</c> tool
/// (<c>opensips/event/event.py</c>, <c>datagram.py</c>): socket named <c>udp:IP:PORT</c>, renewal 60 s before expiry,
/// unsubscribe on SIGINT/SIGTERM.
/// </summary>
internal sealed class EventSubscriber
{
    public const int DefaultExpire = 120;
    public const string SubscribeCommand = "event_subscribe";
    private static readonly TimeSpan UnsubscribeTimeout = TimeSpan.FromSeconds(5);

    private readonly MiClient _client;
    private readonly string _eventName;
    private readonly IPEndPoint _listen;
    private readonly int _expire;
    private readonly int? _count;
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    public EventSubscriber(MiClient client, string eventName, IPEndPoint listen, int expire, int? count, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentOutOfRangeException.ThrowIfLessThan(expire, 1);
        if (count is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _client = client;
        _eventName = eventName;
        _listen = listen;
        _expire = expire;
        _count = count;
        _output = output;
        _error = error;
    }

    /// <summary>How long after a subscription it is renewed: 60 s before expiry, or halfway for short expiries.</summary>
    public static TimeSpan RenewAfter(int expire) =>
        expire > 2 * 60 ? TimeSpan.FromSeconds(expire - 60) : TimeSpan.FromSeconds(expire / 2.0);

    /// <summary>The <c>socket</c> parameter naming a local endpoint: <c>udp:IP:PORT</c> (an IPv6 address in brackets).</summary>
    public static string SocketName(IPEndPoint local)
    {
        ArgumentNullException.ThrowIfNull(local);
        string host = local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local.Address}]" : local.Address.ToString();
        return $"udp:{host}:{local.Port}";
    }

    /// <summary>Parses <c>--listen</c>: an IP address with an optional port (<c>127.0.0.1</c>, <c>127.0.0.1:9000</c>, <c>[::1]:9000</c>).</summary>
    public static IPEndPoint ParseListen(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IPEndPoint.TryParse(text, out var endpoint))
        {
            throw new CliUsageException($"--listen '{text}' is not an IP address with an optional port (e.g. 127.0.0.1 or 127.0.0.1:9000)");
        }

        return endpoint;
    }

    /// <summary>The <c>event_subscribe</c> parameters (named, as OpenSIPS documents them).</summary>
    public static JsonObject SubscribeParams(string eventName, string socket, int expire) => new()
    {
        ["event"] = eventName,
        ["socket"] = socket,
        ["expire"] = expire,
    };

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or <c>--count</c> events were printed; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(_listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(_listen);
        }
        catch (SocketException ex)
        {
            await _error.WriteLineAsync($"ERROR: cannot listen on udp {_listen}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.CommunicationError;
        }

        string socketName = SocketName((IPEndPoint)socket.LocalEndPoint!);
        int? code = await SubscribeAsync(socketName, _expire, cancellationToken).ConfigureAwait(false);
        if (code is int failed && failed != ExitCodes.Success)
        {
            return failed;
        }

        if (code is not null)
        {
            int received = await ReceiveAsync(socket, socketName, cancellationToken).ConfigureAwait(false);
            if (received != ExitCodes.Success)
            {
                return received;
            }
        }

        // Stopping (Ctrl-C, SIGTERM, --count): the caller's token may already be cancelled, so unsubscribing gets its own.
        using var unsubscribe = new CancellationTokenSource(UnsubscribeTimeout);
        code = await SubscribeAsync(socketName, 0, unsubscribe.Token).ConfigureAwait(false);
        if (code is null)
        {
            await _error.WriteLineAsync(
                $"ERROR: command '{SubscribeCommand}' (unsubscribe) got no reply within {UnsubscribeTimeout.TotalSeconds} s").ConfigureAwait(false);
            return ExitCodes.CommunicationError;
        }

        return code.Value;
    }

    private async Task<int> ReceiveAsync(Socket socket, string socketName, CancellationToken cancellationToken)
    {
        var buffer = new byte[65535];
        int printed = 0;
        var renewAt = DateTime.UtcNow + RenewAfter(_expire);
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = renewAt - DateTime.UtcNow;
            if (wait <= TimeSpan.Zero)
            {
                int? code = await SubscribeAsync(socketName, _expire, cancellationToken).ConfigureAwait(false);
                if (code is null)
                {
                    break; // stopping while renewing
                }

                if (code != ExitCodes.Success)
                {
                    return code.Value;
                }

                renewAt = DateTime.UtcNow + RenewAfter(_expire);
                continue;
            }

            int received;
            using (var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timer.CancelAfter(wait);
                try
                {
                    received = await socket.ReceiveAsync(buffer, SocketFlags.None, timer.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    continue; // renewal due, or stopping: the loop head decides
                }
                catch (SocketException ex)
                {
                    await _error.WriteLineAsync($"WARNING: receiving on {socketName}: {ex.Message}").ConfigureAwait(false);
                    continue;
                }
            }

            string? line = EventLine(buffer.AsSpan(0, received));
            if (line is null)
            {
                await _error.WriteLineAsync($"WARNING: ignoring a datagram that is not JSON ({received} bytes)").ConfigureAwait(false);
                continue;
            }

            await _output.WriteLineAsync(line).ConfigureAwait(false);
            await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            printed++;
            if (_count is int count && printed >= count)
            {
                break;
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// The datagram as one line: its text untouched when it already is one line of JSON, else re-written compactly;
    /// null when it is not JSON.
    /// </summary>
    public static string? EventLine(ReadOnlySpan<byte> datagram)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(datagram.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }

        using (doc)
        {
            string text = Encoding.UTF8.GetString(datagram).Trim();
            return text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal)
                ? OutputFormatter.Compact(doc.RootElement)
                : text;
        }
    }

    /// <summary>Calls <c>event_subscribe</c>; the exit code for its reply (errors written), or null when cancelled.</summary>
    private async Task<int?> SubscribeAsync(string socketName, int expire, CancellationToken cancellationToken)
    {
        MiReply reply;
        try
        {
            reply = await _client.CallAsync(SubscribeCommand, SubscribeParams(_eventName, socketName, expire), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        return await OutputFormatter.ReportAsync(_error, SubscribeCommand, reply, _client.Url).ConfigureAwait(false);
    }
}
