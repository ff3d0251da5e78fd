namespace Parley.Protocol.Tests.Torture;

/// <summary>Each corpus file arriving on a stream (TCP/TLS): framing by Content-Length, partial reads, pipelined messages.</summary>
public class TortureStreamTests
{
    public static TheoryData<string> AllFiles => TortureTable.Files(_ => true);

    public static TheoryData<string> StreamCompleteFiles => TortureTable.Files(c => c.IsStreamComplete);

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Parse_CorpusFileAsStream_FramesAsTableSays(string file)
    {
        var expected = TortureTable.Get(file);
        var (_, dm, dr) = TortureParse.Parse(file, datagram: true);
        var (_, sm, sr) = TortureParse.Parse(file, datagram: false);

        switch (expected.Stream)
        {
            case StreamFraming.SameAsDatagram:
                Assert.Equal(dr, sr);
                if (sr.Status == ParseStatus.Complete)
                {
                    Assert.Equal(dm.Length, sm.Length);
                    Assert.Equal(dm.Body, sm.Body);
                    Assert.Equal(dm.HeaderCount, sm.HeaderCount);
                    Assert.Equal(TortureParse.Validate(dm), TortureParse.Validate(sm));
                }

                break;
            case StreamFraming.Incomplete:
                Assert.Equal(ParseResult.Incomplete, sr);
                break;
            default:
                Assert.Equal(ParseResult.Invalid(expected.StreamError), sr);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(StreamCompleteFiles))]
    public void Parse_EveryPrefixOfStreamMessage_IsIncompleteAndConsumesNothing(string file)
    {
        var bytes = MessageBytes(file);
        var m = new SipMessage();
        for (var n = 0; n < bytes.Length; n++)
        {
            var r = SipParser.Parse(bytes, 0, n, m, datagram: false);
            Assert.True(r == ParseResult.Incomplete, $"{file}: prefix of {n} of {bytes.Length} bytes gave {r}");
        }

        Assert.Equal(new ParseResult(ParseStatus.Complete, ParseError.None, bytes.Length), SipParser.Parse(bytes, 0, bytes.Length, m, datagram: false));
    }

    [Theory]
    [MemberData(nameof(StreamCompleteFiles))]
    public void Parse_TwoMessagesBackToBack_ParsesBothWithCorrectConsumed(string file)
    {
        var first = MessageBytes(file);
        foreach (var second in new[] { first, SampleMessages.Bytes(SampleMessages.Invite) })
        {
            var buffer = first.Concat(second).ToArray();
            var m = new SipMessage();

            var r1 = SipParser.Parse(buffer, 0, buffer.Length, m, datagram: false);
            Assert.Equal(new ParseResult(ParseStatus.Complete, ParseError.None, first.Length), r1);
            Assert.Equal(TortureTable.Get(file).Error, TortureParse.Validate(m));

            var r2 = SipParser.Parse(buffer, r1.Consumed, buffer.Length - r1.Consumed, m, datagram: false);
            Assert.Equal(new ParseResult(ParseStatus.Complete, ParseError.None, second.Length), r2);
            Assert.Equal(first.Length, m.Start);
            Assert.Equal(buffer.Length, m.End);
        }
    }

    /// <summary>Every stream-complete message of the corpus, pipelined on one connection, frames one by one.</summary>
    [Fact]
    public void Parse_AllStreamMessagesConcatenated_FramesEachInTurn()
    {
        var messages = TortureTable.Cases.Where(c => c.IsStreamComplete).Select(c => (c.File, Bytes: MessageBytes(c.File))).ToArray();
        var buffer = messages.SelectMany(x => x.Bytes).ToArray();
        var m = new SipMessage();
        var offset = 0;
        foreach (var (file, bytes) in messages)
        {
            var r = SipParser.Parse(buffer, offset, buffer.Length - offset, m, datagram: false);
            Assert.True(r.Status == ParseStatus.Complete && r.Consumed == bytes.Length, $"{file} at {offset}: {r}");
            Assert.Equal(TortureTable.Get(file).Error, TortureParse.Validate(m));
            offset += r.Consumed;
        }

        Assert.Equal(buffer.Length, offset);
        Assert.Equal(ParseResult.Incomplete, SipParser.Parse(buffer, offset, 0, m, datagram: false));
    }

    /// <summary>The bytes of the file's message alone (dblreq's trailing INVITE is not part of its REGISTER).</summary>
    private static byte[] MessageBytes(string file)
    {
        var (bytes, _, result) = TortureParse.Datagram(file);
        Assert.Equal(ParseStatus.Complete, result.Status);
        return bytes[..result.Consumed];
    }
}
