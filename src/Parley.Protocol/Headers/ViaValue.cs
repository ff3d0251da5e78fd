namespace Parley.Protocol.Headers;

/// <summary>One Via value (RFC 3261 §20.42, §25.1 <c>via-parm</c>). Ranges are absolute in the message buffer.</summary>
public readonly struct ViaValue
{
    public ByteRange Value { get; init; }

    public ByteRange ProtocolName { get; init; }

    public ByteRange ProtocolVersion { get; init; }

    public ByteRange TransportToken { get; init; }

    public SipTransport Transport { get; init; }

    /// <summary>The sent-by host; an IPv6 reference keeps its brackets.</summary>
    public ByteRange Host { get; init; }

    /// <summary>The sent-by port, -1 when absent.</summary>
    public int Port { get; init; }

    /// <summary>From the first ';' to the end of the value; empty without parameters.</summary>
    public ByteRange Parameters { get; init; }

    public ByteRange Branch { get; init; }

    public bool HasBranch { get; init; }

    public ByteRange Received { get; init; }

    public bool HasReceived { get; init; }

    /// <summary>RFC 3581: the request asked for the source port back.</summary>
    public bool HasRport { get; init; }

    /// <summary>The rport value, -1 when the parameter had none.</summary>
    public int Rport { get; init; }

    /// <summary>The position right after <c>rport</c> (or its value), where a proxy inserts <c>=port</c>.</summary>
    public int RportEnd { get; init; }

    public ByteRange Maddr { get; init; }

    /// <summary>The ttl parameter, -1 when absent.</summary>
    public int Ttl { get; init; }
}
