namespace Parley.Transport.Tcp;

/// <summary>Why a TCP connection was closed; logged, and useful when reading counters.</summary>
internal enum ConnectionCloseReason : byte
{
    PeerClosed,
    IdleTimeout,
    FramingError,
    ReadError,
    WriteError,
    SendTimeout,
    Shutdown,
}
