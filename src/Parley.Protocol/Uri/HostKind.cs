namespace Parley.Protocol.Uri;

/// <summary>Which alternative of the RFC 3261 §25.1 <c>host</c> production a host matched.</summary>
public enum HostKind : byte
{
    /// <summary>No host (tel and absolute URIs), or not a valid host.</summary>
    None = 0,
    Name,
    IPv4,

    /// <summary>An IPv6 reference; the host range includes the brackets.</summary>
    IPv6,
}
