namespace Parley.Protocol.Uri;

/// <summary>Why <see cref="SipUri.TryParse"/> rejected its input. Checks run in this order: empty input,
/// whitespace, escapes, scheme, then the components left to right.</summary>
public enum UriError : byte
{
    None = 0,

    /// <summary>Zero-length input.</summary>
    Empty,

    /// <summary>No ":" at all, so no <c>scheme ":"</c>.</summary>
    MissingScheme,

    /// <summary>The text before the first ":" is not <c>ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )</c>.</summary>
    BadScheme,

    /// <summary>Empty user, or an octet outside <c>user</c> / <c>password</c> (RFC 3261 §25.1).</summary>
    BadUserInfo,

    /// <summary>Missing or malformed host (SIP/SIPS need one), including a "&lt;" or "&gt;" in it.</summary>
    BadHost,

    /// <summary>":" not followed by <c>1*DIGIT</c> in 0..65535.</summary>
    BadPort,

    /// <summary>Malformed <c>uri-parameters</c>: empty name (";;"), "=" without value, bad octet, bad
    /// ttl/maddr value, a value-less transport/user/method/ttl/maddr, or one of those repeated.</summary>
    BadParameter,

    /// <summary>Malformed <c>headers</c> after "?".</summary>
    BadHeaders,

    /// <summary>"%" not followed by two hex digits anywhere in the URI.</summary>
    BadEscape,

    /// <summary>SP, HTAB, CR or LF anywhere in the URI (RFC 4475 §3.1.2.8).</summary>
    WhitespaceInUri,

    /// <summary>Octets after a complete component that cannot follow it, such as text after an IPv6 reference's "]".</summary>
    TrailingGarbage,

    /// <summary>A tel number that is not an RFC 3966 global or local number, or an empty or malformed body of an
    /// absolute URI with another scheme.</summary>
    BadOpaque,
}
