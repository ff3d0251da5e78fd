namespace Parley.Protocol.Tests.Torture;

/// <summary>How a message frames when it arrives on a stream (datagram: false) rather than as a UDP datagram.</summary>
public enum StreamFraming
{
    /// <summary>Same status, error and Consumed as the datagram (Content-Length present and right).</summary>
    SameAsDatagram,

    /// <summary>The stream has not delivered the whole message yet (Content-Length larger than the bytes, or no empty line).</summary>
    Incomplete,

    /// <summary>Refused on a stream only: <see cref="TortureCase.StreamError"/> says why.</summary>
    Invalid,
}
