namespace Parley.Protocol.Framing;

/// <summary>
/// Result of <see cref="SipStreamFramer.Frame(ReadOnlySpan{byte})"/>. Offsets are relative to the start of the buffer
/// that was passed in.
/// </summary>
/// <param name="Status">What was found.</param>
/// <param name="Offset">
/// <see cref="FramingStatus.Message"/>: bytes of leading CR/LF skipped before the start-line (RFC 3261 §7.5).
/// <see cref="FramingStatus.Error"/>: start of the offending message's header section, when one was found.
/// </param>
/// <param name="Length">
/// <see cref="FramingStatus.Message"/>: length of the message (headers and body).
/// <see cref="FramingStatus.KeepAlivePing"/>: bytes of the ping.
/// <see cref="FramingStatus.Error"/>: length of the header section (0 when its end was never seen), so the caller can
/// still read Via/Call-ID/CSeq and answer 400.
/// </param>
/// <param name="Error">Why framing failed; <see cref="FramingError.None"/> unless <see cref="Status"/> is Error.</param>
public readonly record struct FramingResult(FramingStatus Status, int Offset, int Length, FramingError Error)
{
    public static FramingResult NeedMore => default;

    /// <summary>Bytes the caller must drop from the front of its buffer for a Message or KeepAlivePing.</summary>
    public int Consumed => Status is FramingStatus.Message or FramingStatus.KeepAlivePing ? Offset + Length : 0;

    public static FramingResult Message(int offset, int length) => new(FramingStatus.Message, offset, length, FramingError.None);

    public static FramingResult KeepAlivePing(int length) => new(FramingStatus.KeepAlivePing, 0, length, FramingError.None);

    public static FramingResult Failure(FramingError error, int headerOffset, int headerLength) =>
        new(FramingStatus.Error, headerOffset, headerLength, error);
}
