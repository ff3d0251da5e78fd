namespace Parley.Transport;

/// <summary>
/// Live counters, bumped with <see cref="Interlocked"/> from socket loops. Plain fields for now; a metrics exporter
/// can read them through <see cref="Snapshot"/>.
/// </summary>
internal sealed class TransportCounters
{
    public long DatagramsReceived;
    public long DatagramBytesReceived;
    public long DatagramsSent;
    public long DatagramBytesSent;
    public long StreamMessagesReceived;
    public long StreamBytesReceived;
    public long StreamMessagesSent;
    public long StreamBytesSent;
    public long KeepAlivePingsReceived;
    public long FramingErrors;
    public long DroppedOversized;
    public long SendFailures;
    public long HandlerFailures;
    public long ConnectionsOpen;
    public long ConnectionsAccepted;
    public long ConnectionsConnected;
    public long ConnectionsClosed;

    public TransportCountersSnapshot Snapshot() => new(
        Volatile.Read(ref DatagramsReceived),
        Volatile.Read(ref DatagramBytesReceived),
        Volatile.Read(ref DatagramsSent),
        Volatile.Read(ref DatagramBytesSent),
        Volatile.Read(ref StreamMessagesReceived),
        Volatile.Read(ref StreamBytesReceived),
        Volatile.Read(ref StreamMessagesSent),
        Volatile.Read(ref StreamBytesSent),
        Volatile.Read(ref KeepAlivePingsReceived),
        Volatile.Read(ref FramingErrors),
        Volatile.Read(ref DroppedOversized),
        Volatile.Read(ref SendFailures),
        Volatile.Read(ref HandlerFailures),
        Volatile.Read(ref ConnectionsOpen),
        Volatile.Read(ref ConnectionsAccepted),
        Volatile.Read(ref ConnectionsConnected),
        Volatile.Read(ref ConnectionsClosed));
}
