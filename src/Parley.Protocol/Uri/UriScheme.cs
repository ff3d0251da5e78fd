namespace Parley.Protocol.Uri;

/// <summary>The scheme of a parsed URI. Scheme names are case-insensitive (RFC 3261 §19.1.4).</summary>
public enum UriScheme : byte
{
    /// <summary>
    /// A syntactically valid absolute URI with another scheme (RFC 3261 §25.1 <c>absoluteURI</c>). The parser
    /// accepts it; a proxy answers 416 when it appears in a Request-URI (RFC 4475 §3.3.2, §3.3.3).
    /// </summary>
    Unknown = 0,
    Sip,
    Sips,

    /// <summary>RFC 3966 telephone URI.</summary>
    Tel,
}
