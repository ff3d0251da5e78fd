namespace Parley.Protocol.Framing;

/// <summary>
/// Why a byte stream could not be framed into SIP messages. Every value is unrecoverable on a stream: once the
/// message boundary is lost the connection has to be closed (RFC 4475 §3.1.2.3, §3.3.9).
/// </summary>
public enum FramingError : byte
{
    None = 0,

    /// <summary>No Content-Length header; mandatory on stream transports (RFC 3261 §18.3, §20.14).</summary>
    MissingContentLength,

    /// <summary>Content-Length starts with a minus sign.</summary>
    NegativeContentLength,

    /// <summary>Content-Length is empty or not a plain decimal number.</summary>
    InvalidContentLength,

    /// <summary>Content-Length does not fit in a 32-bit signed integer.</summary>
    ContentLengthOverflow,

    /// <summary>Several Content-Length headers with different values.</summary>
    ConflictingContentLength,

    /// <summary>Headers plus body exceed the configured maximum message size.</summary>
    MessageTooLarge,
}
