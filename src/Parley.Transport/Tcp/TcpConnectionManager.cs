using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Parley.Transport.Tcp;

/// <summary>
/// The table of open TCP connections, by id and by remote endpoint, plus outbound connects and the idle sweep.
/// </summary>
/// <remarks>
/// Responses go back on the connection the request came in on (RFC 3261 §18.2.2), found by id. Requests toward a
/// peer reuse any open connection to that exact address and port, ours or theirs (§18.1.1), and otherwise open one;
/// concurrent sends to a peer with no connection share a single connect attempt.
/// </remarks>
internal sealed class TcpConnectionManager : IDisposable
{
    private static readonly TimeSpan MinSweepPeriod = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxSweepPeriod = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<long, TcpSipConnection> _byId = new();
    private readonly ConcurrentDictionary<SipEndPoint, TcpSipConnection> _byRemote = new();
    private readonly ConcurrentDictionary<SipEndPoint, Task<ConnectOutcome>> _connecting = new();
    private readonly SipTransportOptions _options;
    private readonly ISipPacketHandler _handler;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stopping = new();
    private long _lastId;
    private ITimer? _sweepTimer;

    public TcpConnectionManager(
        SipTransportOptions options,
        ISipPacketHandler handler,
        TransportCounters counters,
        ILogger logger,
        TimeProvider timeProvider)
    {
        _options = options;
        _handler = handler;
        _counters = counters;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    private bool IsStopping => _stopping.IsCancellationRequested;

    public void Start()
    {
        // A quarter of the idle timeout keeps the overshoot small; bounded so a tiny timeout does not spin and a
        // long one still reacts within seconds.
        var period = TimeSpan.FromTicks(Math.Clamp(_options.TcpIdleTimeout.Ticks / 4, MinSweepPeriod.Ticks, MaxSweepPeriod.Ticks));
        _sweepTimer = _timeProvider.CreateTimer(static state => ((TcpConnectionManager)state!).SweepIdle(), this, period, period);
    }

    /// <summary>Takes over a freshly accepted socket.</summary>
    public void Accept(Socket socket, SipListener listener)
    {
        if (IsStopping || socket.RemoteEndPoint is not IPEndPoint remote)
        {
            socket.Dispose();
            return;
        }

        var connection = Adopt(socket, new SipEndPoint(remote), listener, isOutbound: false);
        Interlocked.Increment(ref _counters.ConnectionsAccepted);
        TransportLog.ConnectionAccepted(_logger, connection.Id, connection.RemoteEndPoint, listener);
        connection.Start();
    }

    /// <summary>
    /// Sends over connection <paramref name="connectionId"/> if it is still open; else over any open connection to
    /// <paramref name="destination"/>; else over a new one from <paramref name="listener"/>'s address.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SendResult> SendAsync(
        SipEndPoint destination,
        ReadOnlyMemory<byte> message,
        long connectionId,
        SipListener? listener,
        CancellationToken cancellationToken)
    {
        TcpSipConnection? connection;
        if (connectionId != 0 && _byId.TryGetValue(connectionId, out var byId) && !byId.IsClosed)
        {
            connection = byId;
        }
        else if (_byRemote.TryGetValue(destination, out var byRemote) && !byRemote.IsClosed)
        {
            // Also the fallback of RFC 3261 §18.2.2 for a response whose connection has gone: the core passes the
            // "received"/sent-by address, and a connection to it is reused or opened.
            connection = byRemote;
        }
        else if (listener is null)
        {
            return SendResult.NoSuitableListener;
        }
        else
        {
            var outcome = await GetOrConnectAsync(destination, listener, cancellationToken);
            if (outcome.Connection is null)
            {
                return outcome.Failure;
            }

            connection = outcome.Connection;
        }

        return await connection.SendAsync(message, isMessage: true, cancellationToken);
    }

    public bool TryGetConnection(long connectionId, out TcpSipConnection connection) =>
        _byId.TryGetValue(connectionId, out connection!);

    public int OpenConnectionCount => _byId.Count;

    /// <summary>Called once by each connection as it closes.</summary>
    public void OnClosed(TcpSipConnection connection, ConnectionCloseReason reason)
    {
        _byId.TryRemove(new KeyValuePair<long, TcpSipConnection>(connection.Id, connection));
        _byRemote.TryRemove(new KeyValuePair<SipEndPoint, TcpSipConnection>(connection.RemoteEndPoint, connection));
        Interlocked.Decrement(ref _counters.ConnectionsOpen);
        Interlocked.Increment(ref _counters.ConnectionsClosed);
        TransportLog.ConnectionClosed(_logger, connection.Id, connection.RemoteEndPoint, reason);
    }

    /// <summary>Refuses new connections, closes all open ones and waits for their loops to end.</summary>
    public async Task StopAsync()
    {
        _stopping.Cancel();
        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync();
        }

        // Connects in flight see the cancellation and either fail or find IsStopping and close what they got.
        var pendingConnects = new List<Task>();
        foreach (var pending in _connecting)
        {
            pendingConnects.Add(pending.Value);
        }

        await Task.WhenAll(pendingConnects);

        var loops = new List<Task>();
        foreach (var pair in _byId)
        {
            pair.Value.Close(ConnectionCloseReason.Shutdown);
            loops.Add(pair.Value.Completion);
        }

        await Task.WhenAll(loops);
    }

    /// <summary>Releases the sweep timer and token source; call after <see cref="StopAsync"/> has completed.</summary>
    public void Dispose()
    {
        _sweepTimer?.Dispose();
        _stopping.Dispose();
    }

    private TcpSipConnection Adopt(Socket socket, SipEndPoint remote, SipListener listener, bool isOutbound)
    {
        // SIP messages are written whole; Nagle would only delay them.
        socket.NoDelay = true;
        long id = Interlocked.Increment(ref _lastId);
        var connection = new TcpSipConnection(
            id, socket, remote, listener, isOutbound, this, _options, _handler, _counters, _logger, _timeProvider);
        _byId[id] = connection;

        // The newest connection to a remote endpoint wins; an older one stays reachable by id until it closes.
        _byRemote[remote] = connection;
        Interlocked.Increment(ref _counters.ConnectionsOpen);
        if (IsStopping)
        {
            // StopAsync may already have swept the table; do not leave this one behind.
            connection.Close(ConnectionCloseReason.Shutdown);
        }

        return connection;
    }

    private async ValueTask<ConnectOutcome> GetOrConnectAsync(SipEndPoint destination, SipListener listener, CancellationToken cancellationToken)
    {
        if (IsStopping)
        {
            return new ConnectOutcome(null, SendResult.NotRunning);
        }

        var attempt = new TaskCompletionSource<ConnectOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = _connecting.GetOrAdd(destination, attempt.Task);
        if (pending == attempt.Task)
        {
            _ = ConnectAndPublishAsync(destination, listener, attempt);
        }

        try
        {
            // The caller's token only stops this caller waiting; the shared attempt goes on for the others.
            return await pending.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new ConnectOutcome(null, SendResult.Canceled);
        }
    }

    private async Task ConnectAndPublishAsync(SipEndPoint destination, SipListener listener, TaskCompletionSource<ConnectOutcome> attempt)
    {
        ConnectOutcome outcome;
        try
        {
            // A connection may have been registered between the caller's lookup and this attempt winning the race.
            outcome = _byRemote.TryGetValue(destination, out var existing) && !existing.IsClosed
                ? new ConnectOutcome(existing, SendResult.Sent)
                : await ConnectAsync(destination, listener);
        }
        catch (Exception ex)
        {
            TransportLog.ConnectionLoopCrashed(_logger, 0, destination, ex);
            outcome = new ConnectOutcome(null, SendResult.ConnectFailed);
        }

        // Registered in _byRemote (by ConnectAsync) before leaving _connecting, so a later caller finds one or the other.
        _connecting.TryRemove(new KeyValuePair<SipEndPoint, Task<ConnectOutcome>>(destination, attempt.Task));
        attempt.TrySetResult(outcome);
    }

    private async Task<ConnectOutcome> ConnectAsync(SipEndPoint destination, SipListener listener)
    {
        var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        bool adopted = false;
        using var timeout = new CancellationTokenSource(_options.TcpConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
        try
        {
            var localAddress = listener.Address.Address;
            if (!localAddress.Equals(IPAddress.Any) && !localAddress.Equals(IPAddress.IPv6Any))
            {
                // Leave from the listener's address, the one the core advertises in Via and Record-Route.
                socket.Bind(new IPEndPoint(localAddress, 0));
            }

            await socket.ConnectAsync(destination.ToIPEndPoint(), linked.Token);
            if (IsStopping)
            {
                return new ConnectOutcome(null, SendResult.NotRunning);
            }

            var connection = Adopt(socket, destination, listener, isOutbound: true);
            adopted = true;
            Interlocked.Increment(ref _counters.ConnectionsConnected);
            TransportLog.ConnectionEstablished(_logger, connection.Id, destination, listener);
            connection.Start();
            return new ConnectOutcome(connection, SendResult.Sent);
        }
        catch (OperationCanceledException)
        {
            var result = IsStopping ? SendResult.NotRunning : SendResult.ConnectTimeout;
            TransportLog.ConnectFailed(_logger, destination, result, SocketError.TimedOut);
            return new ConnectOutcome(null, result);
        }
        catch (SocketException ex)
        {
            TransportLog.ConnectFailed(_logger, destination, SendResult.ConnectFailed, ex.SocketErrorCode);
            return new ConnectOutcome(null, SendResult.ConnectFailed);
        }
        catch (ObjectDisposedException)
        {
            return new ConnectOutcome(null, SendResult.NotRunning);
        }
        finally
        {
            if (!adopted)
            {
                socket.Dispose();
            }
        }
    }

    private void SweepIdle()
    {
        long now = _timeProvider.GetTimestamp();
        var limit = _options.TcpIdleTimeout;
        foreach (var pair in _byId)
        {
            var connection = pair.Value;
            if (_timeProvider.GetElapsedTime(connection.LastActivity, now) >= limit)
            {
                connection.Close(ConnectionCloseReason.IdleTimeout);
            }
        }
    }
}
