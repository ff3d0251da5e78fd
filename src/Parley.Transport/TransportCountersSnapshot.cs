namespace Parley.Transport;

/// <summary>Transport counters at one moment (each value read atomically, the set not as a whole).</summary>
public readonly record struct TransportCountersSnapshot(
    long DatagramsReceived,
    long DatagramBytesReceived,
    long DatagramsSent,
    long DatagramBytesSent,
    long StreamMessagesReceived,
    long StreamBytesReceived,
    long StreamMessagesSent,
    long StreamBytesSent,
    long KeepAlivePingsReceived,
    long FramingErrors,
    long DroppedOversized,
    long SendFailures,
    long HandlerFailures,
    long ConnectionsOpen,
    long ConnectionsAccepted,
    long ConnectionsConnected,
    long ConnectionsClosed);
