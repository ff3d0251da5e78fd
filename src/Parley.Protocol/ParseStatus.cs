namespace Parley.Protocol;

public enum ParseStatus : byte
{
    /// <summary>A whole message was parsed; <see cref="ParseResult.Consumed"/> says how many bytes it took.</summary>
    Complete,

    /// <summary>A stream holds only part of a message: read more. Nothing was consumed.</summary>
    Incomplete,

    /// <summary>The bytes are not a well-framed SIP message; <see cref="ParseResult.Error"/> says why.</summary>
    Invalid,
}
