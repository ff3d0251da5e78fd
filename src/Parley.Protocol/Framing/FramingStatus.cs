namespace Parley.Protocol.Framing;

/// <summary>Outcome kind of one <see cref="SipStreamFramer"/> call.</summary>
public enum FramingStatus : byte
{
    /// <summary>The buffer holds no complete unit yet; nothing may be consumed.</summary>
    NeedMore = 0,

    /// <summary>A complete message starts at <see cref="FramingResult.Offset"/> and spans <see cref="FramingResult.Length"/> bytes.</summary>
    Message,

    /// <summary>A CRLFCRLF keep-alive ping (RFC 5626 §3.5.1) of <see cref="FramingResult.Length"/> bytes; answer with a single CRLF pong.</summary>
    KeepAlivePing,

    /// <summary>The stream cannot be framed; see <see cref="FramingResult.Error"/>. The connection must be closed.</summary>
    Error,
}
