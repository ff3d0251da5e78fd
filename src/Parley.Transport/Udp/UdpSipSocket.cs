using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Parley.Protocol;

namespace Parley.Transport.Udp;

/// <summary>
/// One bound UDP socket with several concurrent receive loops. Each received datagram is copied into a right-sized
/// pooled buffer and handed to the <see cref="ISipPacketHandler"/>; the loop's own 64 KiB buffer is reused, so a
/// handler that queues packets holds on to about a message's worth of memory each, not 64 KiB.
/// </summary>
/// <remarks>
/// With more than one loop, datagrams that arrive together may reach the handler in a different order, as they may
/// on any UDP path; SIP copes with reordering (RFC 3261 §17, CSeq).
/// </remarks>
internal sealed class UdpSipSocket : IDisposable
{
    /// <summary>Receive buffer size: a UDP payload can never be longer (65 535 minus the 8-byte UDP header, less over IPv4).</summary>
    internal const int MaxDatagramSize = 65535;

    // Windows reports an ICMP port unreachable for an earlier send as a failed receive (WSAECONNRESET) unless told
    // not to. Not needed on Linux or macOS, where unconnected UDP sockets do not see those errors.
    private const int SioUdpConnReset = -1744830452;

    private readonly Socket _socket;
    private readonly ISipPacketHandler _handler;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly int _maxMessageSize;
    private readonly int _loopCount;
    private readonly SocketAddressPool _sendAddresses;
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _loops = [];

    private UdpSipSocket(
        Socket socket,
        SipListener listener,
        SipTransportOptions options,
        ISipPacketHandler handler,
        TransportCounters counters,
        ILogger logger)
    {
        _socket = socket;
        Listener = listener;
        _handler = handler;
        _counters = counters;
        _logger = logger;
        _maxMessageSize = Math.Min(options.MaxMessageSize, MaxDatagramSize);
        _loopCount = options.UdpReceiveLoopsPerSocket;
        _sendAddresses = new SocketAddressPool(socket.AddressFamily, Math.Max(4, 2 * Environment.ProcessorCount));
    }

    public SipListener Listener { get; }

    public AddressFamily AddressFamily => _socket.AddressFamily;

    /// <summary>Creates and binds the socket; throws <see cref="SocketException"/> if the address cannot be bound.</summary>
    public static UdpSipSocket Bind(
        int listenerId,
        ListenAddress address,
        SipTransportOptions options,
        ISipPacketHandler handler,
        TransportCounters counters,
        ILogger logger)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // IPV6_V6ONLY: bind exactly what was configured. Left to the OS default (Linux: net.ipv6.bindv6only=0)
                // an IPv6 wildcard would also take IPv4 traffic as mapped addresses.
                socket.DualMode = false;
            }

            if (OperatingSystem.IsWindows())
            {
                socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
            }

            socket.ReceiveBufferSize = options.UdpReceiveBufferSize;
            socket.SendBufferSize = options.UdpSendBufferSize;
            socket.Bind(address.EndPoint.ToIPEndPoint());
            var local = new SipEndPoint((IPEndPoint)socket.LocalEndPoint!);
            var udp = new UdpSipSocket(socket, new SipListener(listenerId, address, local), options, handler, counters, logger);
            TransportLog.UdpSocketConfigured(
                logger,
                udp.Listener,
                socket.ReceiveBufferSize,
                options.UdpReceiveBufferSize,
                socket.SendBufferSize,
                options.UdpSendBufferSize,
                options.UdpReceiveLoopsPerSocket);
            return udp;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Start()
    {
        var loops = new Task[_loopCount];
        for (int i = 0; i < loops.Length; i++)
        {
            // A thread of its own blocked in recvfrom: each datagram is read where it is woken, with no epoll
            // notification and no thread-pool hop before the handler. Not measured on its own: bench/load/README.md's
            // latest figures include it together with the thread-pool spin limit.
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => ReceiveLoop(done))
            {
                IsBackground = true,
                Name = "udp-rx " + Listener.ToString(),
            };
            thread.Start();
            loops[i] = done.Task;
        }

        _loops = loops;
    }

    /// <summary>Cancels the receive loops, closes the socket and waits for the loops to end.</summary>
    public Task StopAsync()
    {
        _stopping.Cancel();
        _socket.Dispose();
        return Task.WhenAll(_loops);
    }

    /// <summary>Releases the socket and token source; call after <see cref="StopAsync"/> has completed, or instead of it if never started.</summary>
    public void Dispose()
    {
        _socket.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Sends one datagram. A UDP send completes at once (the kernel copies the datagram into the socket buffer), so
    /// this uses the synchronous <c>sendto</c>: <see cref="Socket.SendToAsync(ReadOnlyMemory{byte}, SocketFlags, SocketAddress, CancellationToken)"/>
    /// shares cached event args per socket and, with SIP workers and tm's timer thread sending on one socket at
    /// once, failed under load inside .NET (NullReferenceException / "Null is not a valid value for e.RemoteEndPoint").
    /// </summary>
    public ValueTask<SendResult> SendAsync(SipEndPoint destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask<SendResult>(SendResult.Canceled);
        }

        var address = _sendAddresses.Rent();
        try
        {
            destination.WriteTo(address);
            int sent = _socket.SendTo(message.Span, SocketFlags.None, address);
            Interlocked.Increment(ref _counters.DatagramsSent);
            Interlocked.Add(ref _counters.DatagramBytesSent, sent);
            return new ValueTask<SendResult>(SendResult.Sent);
        }
        catch (SocketException ex)
        {
            Interlocked.Increment(ref _counters.SendFailures);
            TransportLog.UdpSendFailed(_logger, Listener, destination, ex.SocketErrorCode);
            return new ValueTask<SendResult>(ex.SocketErrorCode == SocketError.MessageSize ? SendResult.MessageTooLarge : SendResult.NetworkError);
        }
        catch (ObjectDisposedException)
        {
            return new ValueTask<SendResult>(SendResult.NotRunning);
        }
        finally
        {
            _sendAddresses.Return(address);
        }
    }

    private static bool IsOnlyLineBreaks(ReadOnlySpan<byte> datagram) => !datagram.ContainsAnyExcept((byte)'\r', (byte)'\n');

    private void ReceiveLoop(TaskCompletionSource done)
    {
        // Pooled, not allocated: a restart of the transport (tests, reconfiguration) reuses the same 64 KiB arrays.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxDatagramSize);
        var remote = new SocketAddress(_socket.AddressFamily);
        var token = _stopping.Token;
        try
        {
            // Blocking receives wake up at least this often to notice a stop (closing the socket also ends them).
            _socket.ReceiveTimeout = 250;
            while (!token.IsCancellationRequested)
            {
                int received;
                try
                {
                    // The SocketAddress overload fills `remote` in place: no EndPoint object per datagram.
                    received = _socket.ReceiveFrom(buffer, SocketFlags.None, remote);
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                catch (SocketException ex)
                {
                    if (token.IsCancellationRequested)
                    {
                        break;
                    }

                    if (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                    {
                        continue;
                    }

                    // e.g. ConnectionReset after an ICMP error, or a datagram truncated by the OS: one lost packet.
                    TransportLog.UdpReceiveFailed(_logger, Listener, ex.SocketErrorCode);
                    continue;
                }

                Deliver(buffer, received, remote);
            }
        }
        catch (Exception ex)
        {
            TransportLog.UdpLoopCrashed(_logger, Listener, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            done.TrySetResult();
        }
    }

    private void Deliver(byte[] buffer, int received, SocketAddress remote)
    {
        Interlocked.Increment(ref _counters.DatagramsReceived);
        Interlocked.Add(ref _counters.DatagramBytesReceived, received);
        if (!SipEndPoint.TryFromSocketAddress(remote, out var source))
        {
            return;
        }

        var datagram = buffer.AsSpan(0, received);
        if (IsOnlyLineBreaks(datagram))
        {
            // Empty datagrams and bare CRLF keep-alives that some UAs send over UDP: there is no message in them
            // (RFC 3261 §7.5 ignores CRLF before a start-line) and no pong is expected on UDP (RFC 5626 §4.4.1 uses STUN).
            Interlocked.Increment(ref _counters.KeepAlivePingsReceived);
            return;
        }

        if (received > _maxMessageSize)
        {
            Interlocked.Increment(ref _counters.DroppedOversized);
            TransportLog.DatagramTooLarge(_logger, Listener, source, received, _maxMessageSize);
            return;
        }

        byte[] packetBuffer = ArrayPool<byte>.Shared.Rent(received);
        datagram.CopyTo(packetBuffer);
        try
        {
            _handler.OnPacket(new InboundPacket(packetBuffer, 0, received, SipTransport.Udp, source, Listener, 0));
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _counters.HandlerFailures);
            TransportLog.HandlerFailed(_logger, ex);
        }
    }
}
