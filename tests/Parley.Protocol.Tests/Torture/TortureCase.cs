namespace Parley.Protocol.Tests.Torture;

/// <summary>One row of <see cref="TortureTable"/>: how Parley, as a proxy, handles one RFC 4475 file.</summary>
/// <param name="File">The file name in the corpus.</param>
/// <param name="Class">The manifest's class.</param>
/// <param name="IsRequest">True for a request (the start line is recognisably a request line, even if malformed).</param>
/// <param name="Status">The parse status as a UDP datagram: Complete, or Invalid.</param>
/// <param name="Error">The parse error when Invalid; otherwise what the validator returns.</param>
/// <param name="Action">What the proxy does with it.</param>
/// <param name="StatusCode">The response code when <paramref name="Action"/> is Answer, else 0.</param>
/// <param name="Reason">The reason phrase when <paramref name="Action"/> is Answer, else empty.</param>
/// <param name="Stream">How it frames on a stream.</param>
/// <param name="StreamError">The stream-only error when <paramref name="Stream"/> is Invalid.</param>
/// <param name="Deviation">Set when Parley deliberately departs from the manifest's preferred handling; listed in UNSUPPORTED.md.</param>
public sealed record TortureCase(
    string File,
    TortureClass Class,
    bool IsRequest,
    ParseStatus Status,
    ParseError Error,
    ProxyAction Action,
    int StatusCode = 0,
    string Reason = "",
    StreamFraming Stream = StreamFraming.SameAsDatagram,
    ParseError StreamError = ParseError.None,
    string? Deviation = null)
{
    /// <summary>True when the message is a whole message on a stream too, so its prefixes and concatenations can be tested.</summary>
    public bool IsStreamComplete => Stream == StreamFraming.SameAsDatagram && Status == ParseStatus.Complete;
}
