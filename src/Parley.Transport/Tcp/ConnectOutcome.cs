namespace Parley.Transport.Tcp;

/// <summary>A usable connection, or why there is none.</summary>
internal readonly record struct ConnectOutcome(TcpSipConnection? Connection, SendResult Failure);
