using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Parley.Protocol.Framing;
using Parley.Transport.Tcp;

namespace Parley.Transport;

/// <summary>Source-generated log messages of the transport. Event ids are stable: dashboards and alerts key on them.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Listening on {Listener}")]
    public static partial void ListenerStarted(ILogger logger, SipListener listener);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Stopped listening on {Listener}")]
    public static partial void ListenerStopped(ILogger logger, SipListener listener);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "UDP {Listener}: receive buffer {ReceiveGranted} bytes (asked {ReceiveRequested}), send buffer {SendGranted} bytes (asked {SendRequested}), {Loops} receive loops")]
    public static partial void UdpSocketConfigured(ILogger logger, SipListener listener, int receiveGranted, int receiveRequested, int sendGranted, int sendRequested, int loops);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Transport did not stop within {Timeout}; abandoning its loops")]
    public static partial void StopTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Packet handler threw; the packet is lost")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "UDP {Listener}: receive failed ({SocketError}); continuing")]
    public static partial void UdpReceiveFailed(ILogger logger, SipListener listener, SocketError socketError);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "UDP {Listener}: send to {Destination} failed ({SocketError})")]
    public static partial void UdpSendFailed(ILogger logger, SipListener listener, SipEndPoint destination, SocketError socketError);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "UDP {Listener}: dropped a {Length}-byte datagram from {Remote}: larger than the {MaxMessageSize}-byte maximum")]
    public static partial void DatagramTooLarge(ILogger logger, SipListener listener, SipEndPoint remote, int length, int maxMessageSize);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "UDP {Listener}: receive loop failed unexpectedly; the loop has ended")]
    public static partial void UdpLoopCrashed(ILogger logger, SipListener listener, Exception exception);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Debug, Message = "TCP connection {ConnectionId} accepted from {Remote} on {Listener}")]
    public static partial void ConnectionAccepted(ILogger logger, long connectionId, SipEndPoint remote, SipListener listener);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Debug, Message = "TCP connection {ConnectionId} opened to {Remote} for {Listener}")]
    public static partial void ConnectionEstablished(ILogger logger, long connectionId, SipEndPoint remote, SipListener listener);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Debug, Message = "TCP connection {ConnectionId} with {Remote} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, SipEndPoint remote, ConnectionCloseReason reason);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Information, Message = "TCP connection {ConnectionId} with {Remote}: framing error {Error}; closing it")]
    public static partial void FramingFailed(ILogger logger, long connectionId, SipEndPoint remote, FramingError error);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Debug, Message = "TCP connect to {Remote} failed: {Result} ({SocketError})")]
    public static partial void ConnectFailed(ILogger logger, SipEndPoint remote, SendResult result, SocketError socketError);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning, Message = "TCP {Listener}: accept failed ({SocketError}); retrying")]
    public static partial void AcceptFailed(ILogger logger, SipListener listener, SocketError socketError);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Error, Message = "TCP connection {ConnectionId} with {Remote}: read loop failed unexpectedly")]
    public static partial void ConnectionLoopCrashed(ILogger logger, long connectionId, SipEndPoint remote, Exception exception);

    [LoggerMessage(EventId = 1027, Level = LogLevel.Error, Message = "TCP {Listener}: accept loop failed unexpectedly; no more connections will be accepted on it")]
    public static partial void AcceptLoopCrashed(ILogger logger, SipListener listener, Exception exception);
}
