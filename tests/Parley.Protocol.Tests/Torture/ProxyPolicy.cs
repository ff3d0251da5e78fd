namespace Parley.Protocol.Tests.Torture;

/// <summary>
/// The receive flow a proxy runs on the protocol layer's verdict: a Complete, error-free message is forwarded; a request
/// with an error is answered with <see cref="ParseErrors"/>' response when it has a Via to answer to; anything else is dropped.
/// </summary>
internal static class ProxyPolicy
{
    /// <summary>The final verdict: the parse error when the parse failed, else the validator's.</summary>
    public static ParseError Verdict(ParseResult result, SipMessage message) =>
        result.Status == ParseStatus.Complete ? TortureParse.Validate(message) : result.Error;

    public static ProxyAction Decide(ParseResult result, SipMessage message)
    {
        var error = Verdict(result, message);
        if (result.Status == ParseStatus.Complete && error == ParseError.None)
        {
            return ProxyAction.Forward;
        }

        return message.IsRequest && message.IndexOf(HeaderKind.Via) >= 0 && ParseErrors.StatusCode(error) != 0 ? ProxyAction.Answer : ProxyAction.Drop;
    }
}
