using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Transport.Tcp;
using Parley.Transport.Udp;

namespace Parley.Transport;

/// <summary>
/// Owns every listening socket and TCP connection: receives bytes into <see cref="InboundPacket"/>s for the
/// <see cref="ISipPacketHandler"/>, and sends bytes to an endpoint over the right local socket. It knows nothing of
/// transactions or SIP semantics beyond stream framing.
/// </summary>
/// <remarks>
/// Lifecycle: construct, <see cref="Start"/> (binds everything or throws), then <see cref="StopAsync"/> (or dispose),
/// which cancels all loops, closes all sockets and waits for the loops to end. A layer is started at most once.
/// </remarks>
public sealed class SipTransportLayer : IAsyncDisposable
{
    /// <summary>Largest UDP payload over IPv4 (65 535 − 20-byte IP header − 8-byte UDP header); a longer send cannot succeed.</summary>
    public const int MaxDatagramPayload = 65507;

    // Loops end as soon as their sockets close; this only guards against a handler that blocks forever.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private const int StateNew = 0;
    private const int StateRunning = 1;
    private const int StateStopped = 2;

    private readonly SipTransportOptions _options;
    private readonly ISipPacketHandler _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TransportCounters _counters = new();
    private readonly TcpConnectionManager _tcp;
    private readonly object _lifecycleLock = new();
    private SipListener[] _listeners = [];
    private UdpSipSocket[] _udpSockets = [];
    private TcpSipAcceptor[] _tcpAcceptors = [];
    private int _state;
    private Task? _stopTask;

    /// <param name="options">Copied here; later changes to it have no effect.</param>
    /// <param name="handler">Receives every packet, from many threads at once.</param>
    /// <param name="loggerFactory">Defaults to no logging.</param>
    /// <param name="timeProvider">Clock for idle, connect and send timeouts; defaults to <see cref="TimeProvider.System"/>.</param>
    public SipTransportLayer(
        SipTransportOptions options,
        ISipPacketHandler handler,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        _options = Copy(options);
        _handler = handler;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SipTransportLayer>();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _tcp = new TcpConnectionManager(_options, handler, _counters, _logger, _timeProvider);
    }

    /// <summary>The bound listeners, in configuration order (<see cref="SipListener.Id"/> is the index); empty before <see cref="Start"/>.</summary>
    public IReadOnlyList<SipListener> Listeners => _listeners;

    public bool IsRunning => Volatile.Read(ref _state) == StateRunning;

    /// <summary>Open TCP connections right now, accepted and outbound.</summary>
    public int OpenConnectionCount => _tcp.OpenConnectionCount;

    /// <summary>
    /// Binds every configured address and starts the receive and accept loops. If any address cannot be bound, the
    /// ones already bound are closed again and an <see cref="InvalidOperationException"/> names the culprit.
    /// </summary>
    public void Start()
    {
        lock (_lifecycleLock)
        {
            if (_state != StateNew)
            {
                throw new InvalidOperationException("A transport layer can be started only once.");
            }

            var listeners = new List<SipListener>(_options.ListenAddresses.Count);
            var udpSockets = new List<UdpSipSocket>();
            var tcpAcceptors = new List<TcpSipAcceptor>();
            try
            {
                foreach (var address in _options.ListenAddresses)
                {
                    int id = listeners.Count;
                    try
                    {
                        if (address.Transport == SipTransport.Udp)
                        {
                            var udp = UdpSipSocket.Bind(id, address, _options, _handler, _counters, _logger);
                            udpSockets.Add(udp);
                            listeners.Add(udp.Listener);
                        }
                        else
                        {
                            var tcp = TcpSipAcceptor.Bind(id, address, _options.TcpListenBacklog, _tcp, _logger, _timeProvider);
                            tcpAcceptors.Add(tcp);
                            listeners.Add(tcp.Listener);
                        }
                    }
                    catch (SocketException ex)
                    {
                        throw new InvalidOperationException($"Cannot listen on {address}: {ex.Message} ({ex.SocketErrorCode}).", ex);
                    }
                }
            }
            catch
            {
                foreach (var udp in udpSockets)
                {
                    udp.Dispose();
                }

                foreach (var tcp in tcpAcceptors)
                {
                    tcp.Dispose();
                }

                throw;
            }

            _listeners = listeners.ToArray();
            _udpSockets = udpSockets.ToArray();
            _tcpAcceptors = tcpAcceptors.ToArray();
            _tcp.Start();
            foreach (var udp in _udpSockets)
            {
                udp.Start();
            }

            foreach (var tcp in _tcpAcceptors)
            {
                tcp.Start();
            }

            Volatile.Write(ref _state, StateRunning);
        }

        foreach (var listener in _listeners)
        {
            TransportLog.ListenerStarted(_logger, listener);
        }
    }

    /// <summary>
    /// Stops receiving, closes every socket and connection, and completes when all loops have ended. Safe to call
    /// more than once and concurrently with traffic; sends after this return <see cref="SendResult.NotRunning"/>.
    /// </summary>
    public Task StopAsync()
    {
        lock (_lifecycleLock)
        {
            if (_stopTask is null)
            {
                bool wasRunning = _state == StateRunning;
                Volatile.Write(ref _state, StateStopped);
                _stopTask = wasRunning ? StopCoreAsync() : Task.CompletedTask;
            }

            return _stopTask;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Whether any listener of <paramref name="transport"/> is bound (e.g. for the TCP-for-large-requests rule).</summary>
    public bool HasListener(SipTransport transport)
    {
        foreach (var listener in _listeners)
        {
            if (listener.Transport == transport)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first listener of <paramref name="transport"/> and <paramref name="family"/>, the default source for sends there.</summary>
    public SipListener? FindListener(SipTransport transport, AddressFamily family)
    {
        foreach (var listener in _listeners)
        {
            if (listener.Transport == transport && listener.Address.AddressFamily == family)
            {
                return listener;
            }
        }

        return null;
    }

    /// <summary>
    /// Sends one whole message to <paramref name="destination"/> from the first listener of
    /// <paramref name="transport"/> whose address family matches the destination's.
    /// </summary>
    /// <param name="connectionId">
    /// For TCP: the <see cref="InboundPacket.ConnectionId"/> of the request being answered, so the response uses the
    /// same connection (RFC 3261 §18.2.2). If that connection has closed, or when 0, an open connection to
    /// <paramref name="destination"/> is reused, else a new one is opened. Ignored for UDP.
    /// </param>
    /// <returns>
    /// The outcome; failures are results, not exceptions. The caller keeps ownership of <paramref name="message"/>
    /// and may reuse it once the returned task completes.
    /// </returns>
    public ValueTask<SendResult> SendAsync(
        SipTransport transport,
        SipEndPoint destination,
        ReadOnlyMemory<byte> message,
        long connectionId = 0,
        CancellationToken cancellationToken = default)
    {
        if (destination.IsEmpty)
        {
            throw new ArgumentException("No destination.", nameof(destination));
        }

        if (!IsRunning)
        {
            return ValueTask.FromResult(SendResult.NotRunning);
        }

        switch (transport)
        {
            case SipTransport.Udp:
                var udp = FindUdpSocket(destination.AddressFamily, listenerId: -1);
                return udp is null ? ValueTask.FromResult(SendResult.NoSuitableListener) : SendDatagram(udp, destination, message, cancellationToken);
            case SipTransport.Tcp:
                return _tcp.SendAsync(destination, message, connectionId, FindListener(SipTransport.Tcp, destination.AddressFamily), cancellationToken);
            default:
                return ValueTask.FromResult(SendResult.UnsupportedTransport);
        }
    }

    /// <summary>
    /// Sends from a particular listener: for UDP, the socket a request arrived on, so the response leaves from the
    /// address and port the client sent to (RFC 3581 §4). For TCP a new connection is opened from that listener's
    /// address. The destination's address family must match the listener's.
    /// </summary>
    public ValueTask<SendResult> SendAsync(
        SipListener listener,
        SipEndPoint destination,
        ReadOnlyMemory<byte> message,
        long connectionId = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (destination.IsEmpty)
        {
            throw new ArgumentException("No destination.", nameof(destination));
        }

        if (!IsRunning)
        {
            return ValueTask.FromResult(SendResult.NotRunning);
        }

        if (listener.Address.AddressFamily != destination.AddressFamily)
        {
            return ValueTask.FromResult(SendResult.NoSuitableListener);
        }

        if (listener.Transport == SipTransport.Udp)
        {
            var udp = FindUdpSocket(destination.AddressFamily, listener.Id);
            return udp is null ? ValueTask.FromResult(SendResult.NoSuitableListener) : SendDatagram(udp, destination, message, cancellationToken);
        }

        return _tcp.SendAsync(destination, message, connectionId, listener, cancellationToken);
    }

    public TransportCountersSnapshot GetCounters() => _counters.Snapshot();

    private static SipTransportOptions Copy(SipTransportOptions source)
    {
        var copy = new SipTransportOptions
        {
            UdpReceiveLoopsPerSocket = source.UdpReceiveLoopsPerSocket,
            UdpReceiveBufferSize = source.UdpReceiveBufferSize,
            UdpSendBufferSize = source.UdpSendBufferSize,
            MaxMessageSize = source.MaxMessageSize,
            TcpIdleTimeout = source.TcpIdleTimeout,
            TcpConnectTimeout = source.TcpConnectTimeout,
            TcpSendTimeout = source.TcpSendTimeout,
            FramingErrorLinger = source.FramingErrorLinger,
            TcpListenBacklog = source.TcpListenBacklog,
        };
        foreach (var address in source.ListenAddresses)
        {
            copy.ListenAddresses.Add(address);
        }

        return copy;
    }

    private static ValueTask<SendResult> SendDatagram(UdpSipSocket udp, SipEndPoint destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        message.Length > MaxDatagramPayload
            ? ValueTask.FromResult(SendResult.MessageTooLarge)
            : udp.SendAsync(destination, message, cancellationToken);

    private UdpSipSocket? FindUdpSocket(AddressFamily family, int listenerId)
    {
        foreach (var udp in _udpSockets)
        {
            if (udp.AddressFamily == family && (listenerId < 0 || udp.Listener.Id == listenerId))
            {
                return udp;
            }
        }

        return null;
    }

    private async Task StopCoreAsync()
    {
        var loops = new List<Task>();
        foreach (var udp in _udpSockets)
        {
            loops.Add(udp.StopAsync());
        }

        foreach (var tcp in _tcpAcceptors)
        {
            loops.Add(tcp.StopAsync());
        }

        loops.Add(_tcp.StopAsync());
        try
        {
            await Task.WhenAll(loops).WaitAsync(StopTimeout, _timeProvider);
            foreach (var udp in _udpSockets)
            {
                udp.Dispose();
            }

            foreach (var tcp in _tcpAcceptors)
            {
                tcp.Dispose();
            }

            _tcp.Dispose();
        }
        catch (TimeoutException)
        {
            // Leave the token sources alone: a loop that is still running may yet read them.
            TransportLog.StopTimedOut(_logger, StopTimeout);
        }

        foreach (var listener in _listeners)
        {
            TransportLog.ListenerStopped(_logger, listener);
        }
    }
}
