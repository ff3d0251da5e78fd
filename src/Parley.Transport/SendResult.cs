namespace Parley.Transport;

/// <summary>Outcome of <see cref="SipTransportLayer.SendAsync(Parley.Protocol.SipTransport, SipEndPoint, ReadOnlyMemory{byte}, long, CancellationToken)"/>. Failures are values, not exceptions: the core may try the next target (RFC 3263 §4.3).</summary>
public enum SendResult : byte
{
    Sent = 0,

    /// <summary>No listener of that transport and the destination's address family; nothing was attempted.</summary>
    NoSuitableListener,

    /// <summary>Transport not implemented (TLS, SCTP, WebSocket).</summary>
    UnsupportedTransport,

    /// <summary>Larger than a datagram can carry; send it over TCP instead (RFC 3261 §18.1.1).</summary>
    MessageTooLarge,

    /// <summary>The connection was refused or unreachable.</summary>
    ConnectFailed,

    /// <summary>No connection within <see cref="SipTransportOptions.TcpConnectTimeout"/>.</summary>
    ConnectTimeout,

    /// <summary>The connection closed, failed, or timed out while writing.</summary>
    ConnectionClosed,

    /// <summary>The socket reported an error (e.g. no route to host).</summary>
    NetworkError,

    /// <summary>The transport is not running.</summary>
    NotRunning,

    /// <summary>The caller's cancellation token fired.</summary>
    Canceled,
}
