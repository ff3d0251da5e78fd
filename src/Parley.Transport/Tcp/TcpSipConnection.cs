using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Framing;

namespace Parley.Transport.Tcp;

/// <summary>
/// One TCP connection, accepted or opened by us. A single read loop frames messages out of a
/// <see cref="PipeReader"/> and hands them to the packet handler; writes from any thread are serialized so two
/// messages never interleave on the wire.
/// </summary>
/// <remarks>
/// Everything that can go wrong with the peer (reset, half-written message, garbage, silence) ends in
/// <see cref="Close"/>, which is idempotent and never throws: a dead peer only ever takes its own connection down.
/// </remarks>
[SuppressMessage(
    "Reliability",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "Senders may still reach a closed connection through a table lookup made just before it closed, so its semaphore and token sources must stay usable; once cancelled they hold no timer or handle.")]
internal sealed class TcpSipConnection
{
    private const int MaxPongsPerRead = 8;

    // RFC 5626 §3.5.1: the pong for each CRLFCRLF ping is a single CRLF.
    private static readonly byte[] Pongs = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly SipStreamFramer _framer;
    private readonly TcpConnectionManager _manager;
    private readonly ISipPacketHandler _handler;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _sendTimeout;
    private readonly TimeSpan _framingErrorLinger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();

    // Cancelled by the send timeout or by Close; reset after every write that finishes in time.
    private readonly CancellationTokenSource _writeCancellation;
    private readonly TaskCompletionSource _firstSendAfterFramingError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastActivity;
    private int _closed;
    private volatile bool _framingFailed;

    public TcpSipConnection(
        long id,
        Socket socket,
        SipEndPoint remoteEndPoint,
        SipListener listener,
        bool isOutbound,
        TcpConnectionManager manager,
        SipTransportOptions options,
        ISipPacketHandler handler,
        TransportCounters counters,
        ILogger logger,
        TimeProvider timeProvider)
    {
        Id = id;
        _socket = socket;
        RemoteEndPoint = remoteEndPoint;
        Listener = listener;
        IsOutbound = isOutbound;
        _manager = manager;
        _handler = handler;
        _counters = counters;
        _logger = logger;
        _timeProvider = timeProvider;
        _sendTimeout = options.TcpSendTimeout;
        _framingErrorLinger = options.FramingErrorLinger;
        _framer = new SipStreamFramer(options.MaxMessageSize);
        _writeCancellation = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);

        // Zero-byte reads: an idle connection (most registered UAs, most of the time) holds no receive buffer.
        _reader = PipeReader.Create(
            new NetworkStream(socket, ownsSocket: false),
            new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        _lastActivity = timeProvider.GetTimestamp();
    }

    public long Id { get; }

    public SipEndPoint RemoteEndPoint { get; }

    public SipListener Listener { get; }

    public bool IsOutbound { get; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last byte read or message written.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Completes when the read loop has ended and the connection is closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(ReadLoopAsync);

    /// <summary>Writes one whole message; concurrent callers queue, so messages never interleave.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SendResult> SendAsync(ReadOnlyMemory<byte> message, bool isMessage, CancellationToken cancellationToken)
    {
        if (IsClosed)
        {
            return SendResult.ConnectionClosed;
        }

        try
        {
            await _writeLock.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return SendResult.Canceled;
        }

        try
        {
            if (IsClosed)
            {
                return SendResult.ConnectionClosed;
            }

            _writeCancellation.CancelAfter(_sendTimeout);
            var remaining = message;
            while (!remaining.IsEmpty)
            {
                int sent = await _socket.SendAsync(remaining, SocketFlags.None, _writeCancellation.Token);
                remaining = remaining[sent..];
            }

            if (!_writeCancellation.TryReset())
            {
                // The timer fired just as the write finished: the data is out, but the token is spent.
                Close(ConnectionCloseReason.SendTimeout);
            }

            Touch();
            if (isMessage)
            {
                Interlocked.Increment(ref _counters.StreamMessagesSent);
                Interlocked.Add(ref _counters.StreamBytesSent, message.Length);

                // Only a message can be the core's answer to a framing error; a pong for a ping read just before it is not.
                if (_framingFailed)
                {
                    _firstSendAfterFramingError.TrySetResult();
                }
            }

            return SendResult.Sent;
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _counters.SendFailures);
            Close(ConnectionCloseReason.SendTimeout);
            return SendResult.ConnectionClosed;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            Interlocked.Increment(ref _counters.SendFailures);
            Close(ConnectionCloseReason.WriteError);
            return SendResult.ConnectionClosed;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the socket and unregisters the connection. Idempotent, thread-safe, never throws.</summary>
    public void Close(ConnectionCloseReason reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        CancelQuietly(_closing);
        CancelQuietly(_writeCancellation);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset or closed by the peer: nothing left to shut down.
        }

        _socket.Dispose();
        _manager.OnClosed(this, reason);
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException)
        {
            // A registration threw; the token is cancelled regardless.
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _timeProvider.GetTimestamp());

    private async Task ReadLoopAsync()
    {
        var reason = ConnectionCloseReason.PeerClosed;
        var token = _closing.Token;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(token);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    Touch();
                }

                bool framable = DeliverFramed(ref buffer, out int pings);
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (pings > 0)
                {
                    _ = SendPongsAsync(pings);
                }

                if (!framable)
                {
                    reason = ConnectionCloseReason.FramingError;
                    await CloseAfterFramingErrorAsync();
                    break;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    // The peer closed; a partial message still in the buffer can never complete.
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = ConnectionCloseReason.Shutdown;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = ConnectionCloseReason.ReadError;
        }
        catch (Exception ex)
        {
            reason = ConnectionCloseReason.ReadError;
            TransportLog.ConnectionLoopCrashed(_logger, Id, RemoteEndPoint, ex);
        }
        finally
        {
            // Hands the pipe's pooled segments back; the stream stays open (leaveOpen) and Close disposes the socket.
            await _reader.CompleteAsync();
            Close(reason);
        }
    }

    /// <summary>Frames and delivers every complete message in <paramref name="buffer"/>, leaving the unconsumed rest.</summary>
    /// <returns>False after a framing error.</returns>
    private bool DeliverFramed(ref ReadOnlySequence<byte> buffer, out int pings)
    {
        pings = 0;
        while (true)
        {
            var framing = _framer.Frame(buffer);
            switch (framing.Status)
            {
                case FramingStatus.Message:
                    Deliver(buffer.Slice(framing.Offset, framing.Length));
                    buffer = buffer.Slice(framing.Consumed);
                    break;

                case FramingStatus.KeepAlivePing:
                    pings++;
                    Interlocked.Increment(ref _counters.KeepAlivePingsReceived);
                    buffer = buffer.Slice(framing.Consumed);
                    break;

                case FramingStatus.Error:
                    ReportFramingError(buffer.Slice(framing.Offset, framing.Length), framing.Error);
                    return false;

                default:
                    return true;
            }
        }
    }

    private void Deliver(ReadOnlySequence<byte> message)
    {
        int length = (int)message.Length;
        byte[] packetBuffer = ArrayPool<byte>.Shared.Rent(length);
        message.CopyTo(packetBuffer);
        Interlocked.Increment(ref _counters.StreamMessagesReceived);
        Interlocked.Add(ref _counters.StreamBytesReceived, length);
        try
        {
            _handler.OnPacket(new InboundPacket(packetBuffer, 0, length, SipTransport.Tcp, RemoteEndPoint, Listener, Id));
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _counters.HandlerFailures);
            TransportLog.HandlerFailed(_logger, ex);
        }
    }

    private void ReportFramingError(ReadOnlySequence<byte> headerSection, FramingError error)
    {
        Interlocked.Increment(ref _counters.FramingErrors);
        if (error == FramingError.MessageTooLarge)
        {
            Interlocked.Increment(ref _counters.DroppedOversized);
        }

        TransportLog.FramingFailed(_logger, Id, RemoteEndPoint, error);

        // Set before the handler runs, so a response it sends straight away counts as "the" response.
        _framingFailed = true;
        int length = (int)headerSection.Length;
        byte[] packetBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        headerSection.CopyTo(packetBuffer);
        try
        {
            _handler.OnFramingError(new InboundPacket(packetBuffer, 0, length, SipTransport.Tcp, RemoteEndPoint, Listener, Id), error);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _counters.HandlerFailures);
            TransportLog.HandlerFailed(_logger, ex);
        }
    }

    /// <summary>
    /// The stream position is lost (RFC 4475 §3.1.2.3, §3.3.9), so nothing more is framed. Give the core a moment to
    /// write its 400, then half-close and discard whatever the peer still sends until it closes too or the linger
    /// runs out: closing with unread bytes would make the OS send a reset that can destroy the 400 in flight.
    /// </summary>
    private async Task CloseAfterFramingErrorAsync()
    {
        using var deadline = new CancellationTokenSource(_framingErrorLinger, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _closing.Token);
        try
        {
            await _firstSendAfterFramingError.Task.WaitAsync(linked.Token);
            await _writeLock.WaitAsync(linked.Token);
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            finally
            {
                _writeLock.Release();
            }

            while (true)
            {
                var result = await _reader.ReadAsync(linked.Token);
                _reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Linger over, connection reset, or already closed: close now either way.
        }
    }

    private async Task SendPongsAsync(int pings)
    {
        try
        {
            await SendAsync(Pongs.AsMemory(0, 2 * Math.Min(pings, MaxPongsPerRead)), isMessage: false, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // SendAsync turns socket failures into results; anything else must not become an unobserved task fault.
            TransportLog.ConnectionLoopCrashed(_logger, Id, RemoteEndPoint, ex);
        }
    }
}
