using Parley.Protocol.Framing;

namespace Parley.Transport;

/// <summary>Settings of a <see cref="SipTransportLayer"/>; read once, when it is constructed.</summary>
public sealed class SipTransportOptions
{
    /// <summary>
    /// Default <see cref="TcpIdleTimeout"/>. RFC 5626 §4.4.1 has a UA that got no Flow-Timer send CRLF keep-alives on
    /// connection-oriented transports every 95–120 s (80–100% of 120 s). Closing after 130 s of silence never cuts off
    /// a client that keeps its flow alive that way and still reaps dead or silent peers about two minutes later.
    /// </summary>
    public static readonly TimeSpan DefaultTcpIdleTimeout = TimeSpan.FromSeconds(130);

    /// <summary>
    /// Default <see cref="TcpConnectTimeout"/>: well inside the 32 s of Timer B/F (64*T1, RFC 3261 §17.1.1.2,
    /// §17.1.2.2), so a client transaction still has time to fail over to the next target (RFC 3263 §4.3).
    /// </summary>
    public static readonly TimeSpan DefaultTcpConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Sockets to bind, e.g. from <see cref="ListenAddress.Parse"/>.</summary>
    public IList<ListenAddress> ListenAddresses { get; } = new List<ListenAddress>();

    /// <summary>Concurrent receive operations per UDP socket, so one slow handler call does not stall the socket. Default: processor count.</summary>
    public int UdpReceiveLoopsPerSocket { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// SO_RCVBUF requested for UDP sockets (default 4 MiB), so bursts survive while loops are busy. The OS may grant
    /// less (Linux caps it at net.core.rmem_max); the granted size is logged.
    /// </summary>
    public int UdpReceiveBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>SO_SNDBUF requested for UDP sockets (default 4 MiB; capped by net.core.wmem_max on Linux).</summary>
    public int UdpSendBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Largest message accepted: a longer UDP datagram is dropped, a longer stream message is a framing error that
    /// closes its connection. Default 65 535 bytes.
    /// </summary>
    public int MaxMessageSize { get; set; } = SipStreamFramer.DefaultMaxMessageSize;

    /// <summary>A TCP connection with no bytes read or written for this long is closed. See <see cref="DefaultTcpIdleTimeout"/>.</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = DefaultTcpIdleTimeout;

    /// <summary>How long an outbound TCP connect may take. See <see cref="DefaultTcpConnectTimeout"/>.</summary>
    public TimeSpan TcpConnectTimeout { get; set; } = DefaultTcpConnectTimeout;

    /// <summary>
    /// How long one write to a TCP connection may block (peer not reading, window full) before the connection is
    /// given up. Writes to a connection are serialized, so a stuck one would hold up every later message. Default 10 s.
    /// </summary>
    public TimeSpan TcpSendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a framing error, how long the connection stays open (not reading) for the core's 400 response to be
    /// written before it is closed anyway. Default 2 s.
    /// </summary>
    public TimeSpan FramingErrorLinger { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Listen backlog of TCP sockets.</summary>
    public int TcpListenBacklog { get; set; } = 512;

    internal void Validate()
    {
        if (ListenAddresses.Count == 0)
        {
            throw new ArgumentException("At least one listen address is needed.", nameof(ListenAddresses));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(UdpReceiveLoopsPerSocket, 1, nameof(UdpReceiveLoopsPerSocket));
        ArgumentOutOfRangeException.ThrowIfLessThan(UdpReceiveBufferSize, 0, nameof(UdpReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(UdpSendBufferSize, 0, nameof(UdpSendBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 64, nameof(MaxMessageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(TcpListenBacklog, 1, nameof(TcpListenBacklog));
        RequirePositive(TcpIdleTimeout, nameof(TcpIdleTimeout));
        RequirePositive(TcpConnectTimeout, nameof(TcpConnectTimeout));
        RequirePositive(TcpSendTimeout, nameof(TcpSendTimeout));
        RequirePositive(FramingErrorLinger, nameof(FramingErrorLinger));
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
        }
    }
}
