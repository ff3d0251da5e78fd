namespace Parley.Protocol;

/// <summary>The transport token of a Via header or a <c>transport=</c> URI parameter (RFC 3261 §18, §20.42).</summary>
public enum SipTransport : byte
{
    Unknown = 0,
    Udp,
    Tcp,
    Tls,
    Sctp,
    Ws,
    Wss,
}
