namespace Parley.Protocol;

/// <summary>The response a UAS or proxy sends for a malformed request. Replies with errors are never answered (RFC 3261 §18.1.2: discard).</summary>
public static class ParseErrors
{
    /// <summary>Status code for a request refused for <paramref name="error"/>; 0 when no response can be sent (nothing to answer).</summary>
    public static int StatusCode(ParseError error) => error switch
    {
        ParseError.None => 0,
        ParseError.Empty => 0,
        ParseError.UnsupportedVersion => 505,      // RFC 3261 §8.2.2 / RFC 4475 §3.1.2.16
        ParseError.UnsupportedUriScheme => 416,    // RFC 3261 §8.2.2.1
        ParseError.UnknownMethodCSeqMismatch => 501, // RFC 4475 §3.1.2.18: a proxy prefers 501 for an unknown method
        ParseError.TooManyHops => 483,             // RFC 3261 §16.3 step 3
        ParseError.BadExtension => 420,            // RFC 3261 §16.3 step 5 / §8.2.2.3
        ParseError.MessageTooLarge => 513,         // RFC 3261 §21.5.14
        _ => 400,
    };

    /// <summary>The reason phrase: it names the problem so the sender's log says what was wrong (as OpenSIPS's "400 Bad CSeq" does).</summary>
    public static ReadOnlySpan<byte> ReasonPhrase(ParseError error) => error switch
    {
        ParseError.BadStartLine => "Bad Request Line"u8,
        ParseError.BadMethod => "Bad Method"u8,
        ParseError.BadRequestUri => "Bad Request-URI"u8,
        ParseError.UnsupportedUriScheme => "Unsupported URI Scheme"u8,
        ParseError.UnsupportedVersion => "Version Not Supported"u8,
        ParseError.BadStatusCode => "Bad Status Code"u8,
        ParseError.BadHeaderLine => "Bad Header Line"u8,
        ParseError.HeadersNotTerminated => "Headers Not Terminated"u8,
        ParseError.MessageTooLarge => "Message Too Large"u8,
        ParseError.MissingContentLength => "Missing Content-Length"u8,
        ParseError.BadContentLength => "Bad Content-Length"u8,
        ParseError.ConflictingContentLength => "Conflicting Content-Length"u8,
        ParseError.ContentLengthExceedsMessage => "Content-Length Exceeds Message"u8,
        ParseError.MissingVia => "Missing Via"u8,
        ParseError.BadVia => "Bad Via"u8,
        ParseError.MissingFrom => "Missing From"u8,
        ParseError.BadFrom => "Bad From"u8,
        ParseError.MultipleFrom => "Multiple From"u8,
        ParseError.MissingTo => "Missing To"u8,
        ParseError.BadTo => "Bad To"u8,
        ParseError.MultipleTo => "Multiple To"u8,
        ParseError.MissingCallId => "Missing Call-ID"u8,
        ParseError.BadCallId => "Bad Call-ID"u8,
        ParseError.MultipleCallId => "Multiple Call-ID"u8,
        ParseError.MissingCSeq => "Missing CSeq"u8,
        ParseError.BadCSeq => "Bad CSeq"u8,
        ParseError.MultipleCSeq => "Multiple CSeq"u8,
        ParseError.CSeqMethodMismatch => "CSeq Method Mismatch"u8,
        ParseError.UnknownMethodCSeqMismatch => "Not Implemented"u8,
        ParseError.BadMaxForwards => "Bad Max-Forwards"u8,
        ParseError.MultipleMaxForwards => "Multiple Max-Forwards"u8,
        ParseError.TooManyHops => "Too Many Hops"u8,
        ParseError.BadContact => "Bad Contact"u8,
        ParseError.BadRoute => "Bad Route"u8,
        ParseError.BadRecordRoute => "Bad Record-Route"u8,
        ParseError.BadExtension => "Bad Extension"u8,
        ParseError.BadExpires => "Bad Expires"u8,
        _ => "Bad Request"u8,
    };
}
