namespace Parley.Protocol.Tests.Torture;

/// <summary>What Parley, as a proxy, does with a message once the protocol layer has judged it.</summary>
public enum ProxyAction
{
    /// <summary>The message is well-formed and acceptable: route and forward it.</summary>
    Forward,

    /// <summary>A request refused with the <see cref="ParseErrors"/> response, built by <c>SipResponseWriter</c>.</summary>
    Answer,

    /// <summary>Nothing is sent: a bad response (RFC 3261 §18.1.2), or a request with no Via to answer to.</summary>
    Drop,
}
