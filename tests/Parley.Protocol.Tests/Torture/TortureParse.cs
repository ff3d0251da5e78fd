namespace Parley.Protocol.Tests.Torture;

/// <summary>Loading and parsing helpers shared by the torture tests.</summary>
internal static class TortureParse
{
    /// <summary>Parses a corpus file as one UDP datagram.</summary>
    public static (byte[] Bytes, SipMessage Message, ParseResult Result) Datagram(string file) => Parse(file, datagram: true);

    public static (byte[] Bytes, SipMessage Message, ParseResult Result) Parse(string file, bool datagram)
    {
        var bytes = TortureCorpus.Load(file);
        var message = new SipMessage();
        var result = SipParser.Parse(bytes, 0, bytes.Length, message, datagram);
        return (bytes, message, result);
    }

    /// <summary>Parses a file that must be a whole, valid message, and returns it.</summary>
    public static SipMessage Valid(string file)
    {
        var (_, message, result) = Datagram(file);
        Assert.Equal(ParseStatus.Complete, result.Status);
        Assert.Equal(ParseError.None, message.IsRequest ? SipValidator.ValidateRequest(message) : SipValidator.ValidateResponse(message));
        return message;
    }

    public static ParseError Validate(SipMessage message) =>
        message.IsRequest ? SipValidator.ValidateRequest(message) : SipValidator.ValidateResponse(message);

    public static string Text(SipMessage message, ByteRange range) => message.GetString(range);
}
