using System.Buffers;
using System.Text;
using Parley.Protocol.Framing;

namespace Parley.Protocol.Tests.Framing;

public sealed class SipStreamFramerTests
{
    private const string Invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 16\r\n" +
        "\r\n" +
        "v=0\r\n\r\no=x\r\n\r\n\r\n";

    private const string Options =
        "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n" +
        "l: 0\r\n" +
        "Call-ID: a84b4c76e66710\r\n" +
        "CSeq: 63104 OPTIONS\r\n" +
        "\r\n";

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    private static FramingResult FrameOnce(string text, int maxMessageSize = SipStreamFramer.DefaultMaxMessageSize) =>
        new SipStreamFramer(maxMessageSize).Frame(Bytes(text));

    [Fact]
    public void Frame_CompleteMessage_ReturnsWholeMessageIncludingBody()
    {
        var result = FrameOnce(Invite);

        Assert.Equal(FramingResult.Message(0, Invite.Length), result);
        Assert.Equal(Invite.Length, result.Consumed);
    }

    [Fact]
    public void Frame_MessageFollowedByMoreBytes_ReturnsOnlyFirstMessage()
    {
        var result = FrameOnce(Invite + "OPTIONS sip:x SIP/2.0\r\n");

        Assert.Equal(FramingResult.Message(0, Invite.Length), result);
    }

    [Fact]
    public void Frame_EveryProperPrefix_NeedMoreAndNothingConsumed()
    {
        var message = Bytes(Invite);
        for (int length = 0; length < message.Length; length++)
        {
            var result = new SipStreamFramer().Frame(message.AsSpan(0, length));

            Assert.True(result.Status == FramingStatus.NeedMore, $"prefix of {length} bytes gave {result}");
            Assert.Equal(0, result.Consumed);
        }
    }

    [Fact]
    public void Frame_GrowingPrefixesOnOneFramer_ResumesAndFindsMessageAtFullLength()
    {
        var message = Bytes(Invite);
        var framer = new SipStreamFramer();
        for (int length = 0; length < message.Length; length++)
        {
            Assert.Equal(FramingResult.NeedMore, framer.Frame(message.AsSpan(0, length)));
        }

        Assert.Equal(FramingResult.Message(0, message.Length), framer.Frame(message));
    }

    [Fact]
    public void Frame_TwoMessagesSplitAtEveryPoint_FramesBothFromMultiSegmentSequence()
    {
        var both = Bytes(Invite + Options);
        for (int split = 1; split < both.Length; split++)
        {
            var sequence = TestSequence.Create(both.AsMemory(0, split), both.AsMemory(split));
            var framer = new SipStreamFramer();

            var first = framer.Frame(sequence);
            Assert.True(FramingResult.Message(0, Invite.Length) == first, $"split {split}: first gave {first}");

            var rest = sequence.Slice(first.Consumed);
            var second = framer.Frame(rest);
            Assert.True(FramingResult.Message(0, Options.Length) == second, $"split {split}: second gave {second}");
            Assert.Equal(rest.Length, second.Consumed);
        }
    }

    [Fact]
    public void Frame_OneByteSegments_FramesBothMessages()
    {
        var both = Bytes(Invite + Options);
        var sequence = TestSequence.OneBytePerSegment(both);
        var framer = new SipStreamFramer();

        var first = framer.Frame(sequence);
        var second = framer.Frame(sequence.Slice(first.Consumed));

        Assert.Equal(FramingResult.Message(0, Invite.Length), first);
        Assert.Equal(FramingResult.Message(0, Options.Length), second);
    }

    [Fact]
    public void Frame_SequenceGrowingSegmentBySegment_ResumesWithoutRescanning()
    {
        var message = Bytes(Invite);
        var framer = new SipStreamFramer();
        for (int length = 1; length < message.Length; length++)
        {
            var prefix = TestSequence.Create(message.AsMemory(0, length / 2), message.AsMemory(length / 2, length - (length / 2)));
            Assert.Equal(FramingResult.NeedMore, framer.Frame(prefix));
        }

        Assert.Equal(FramingResult.Message(0, message.Length), framer.Frame(TestSequence.OneBytePerSegment(message)));
    }

    [Fact]
    public void Frame_LeadingCrlf_SkippedAndReportedAsOffset()
    {
        var result = FrameOnce("\r\n" + Options);

        Assert.Equal(FramingResult.Message(2, Options.Length), result);
        Assert.Equal(2 + Options.Length, result.Consumed);
    }

    [Fact]
    public void Frame_DoubleCrlf_IsKeepAlivePing()
    {
        Assert.Equal(FramingResult.KeepAlivePing(4), FrameOnce("\r\n\r\n"));
    }

    [Fact]
    public void Frame_PingFollowedByMessage_PingFirstThenMessage()
    {
        var buffer = Bytes("\r\n\r\n" + Options);
        var framer = new SipStreamFramer();

        var ping = framer.Frame(buffer);
        var message = framer.Frame(buffer.AsSpan(ping.Consumed));

        Assert.Equal(FramingResult.KeepAlivePing(4), ping);
        Assert.Equal(FramingResult.Message(0, Options.Length), message);
    }

    [Fact]
    public void Frame_TwoPings_EachReportedSeparately()
    {
        var buffer = Bytes("\r\n\r\n\r\n\r\n");
        var framer = new SipStreamFramer();

        Assert.Equal(FramingResult.KeepAlivePing(4), framer.Frame(buffer));
        Assert.Equal(FramingResult.KeepAlivePing(4), framer.Frame(buffer.AsSpan(4)));
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\r\n\r")]
    public void Frame_PartialPing_NeedMore(string text)
    {
        Assert.Equal(FramingResult.NeedMore, FrameOnce(text));
    }

    [Fact]
    public void Frame_PingArrivingInTwoHalves_PingOnSecondCall()
    {
        var buffer = Bytes("\r\n\r\n");
        var framer = new SipStreamFramer();

        Assert.Equal(FramingResult.NeedMore, framer.Frame(buffer.AsSpan(0, 2)));
        Assert.Equal(FramingResult.KeepAlivePing(4), framer.Frame(buffer));
    }

    [Theory]
    [InlineData("Content-Length: 5")]
    [InlineData("content-length:5")]
    [InlineData("CONTENT-LENGTH   :   5   ")]
    [InlineData("Content-Length\t:\t5")]
    [InlineData("l: 5")]
    [InlineData("L:5")]
    [InlineData("l :  005")]
    [InlineData("Content-Length:\r\n 5")]
    [InlineData("Content-Length: \r\n\t5\r\n ")]
    [InlineData("Content-Length: 5\r\nl: 5")]
    public void Frame_ContentLengthSpellings_AllAccepted(string header)
    {
        string message = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n" + header + "\r\nCSeq: 1 MESSAGE\r\n\r\nhello";

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message));
    }

    [Fact]
    public void Frame_BareLineFeeds_Tolerated()
    {
        const string message = "SIP/2.0 200 OK\nCall-ID: x\nContent-Length: 3\n\nabc";

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message));
    }

    [Fact]
    public void Frame_MixedLineEndsAtHeaderEnd_Tolerated()
    {
        const string message = "SIP/2.0 200 OK\r\nl: 2\n\r\nab";

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message));
    }

    [Theory]
    [InlineData("Content-Lengthy: 5\r\nl: 1")]
    [InlineData("Content-Type: text/plain\r\nl: 1")]
    [InlineData("lr: 5\r\nl: 1")]
    [InlineData("X-Content-Length: 5\r\nl: 1")]
    [InlineData("Subject: Content-Length: 5\r\nl: 1")]
    public void Frame_LookalikeHeaders_Ignored(string headers)
    {
        string message = "MESSAGE sip:a@b SIP/2.0\r\n" + headers + "\r\n\r\nX";

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message));
    }

    [Fact]
    public void Frame_ContentLengthInStartLine_NotMistakenForHeader()
    {
        const string message = "l: 99 sip:a@b SIP/2.0\r\nl: 0\r\n\r\n";

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message));
    }

    [Fact]
    public void Frame_BodyContainsBlankLinesAndHeaderLookalikes_BodyNotScanned()
    {
        const string body = "\r\n\r\nContent-Length: 9999\r\n\r\n";
        string message = "MESSAGE sip:a@b SIP/2.0\r\nl: " + body.Length + "\r\n\r\n" + body;

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message + Options));
    }

    [Fact]
    public void Frame_MessageExactlyAtMaximum_Accepted()
    {
        string headers = "MESSAGE sip:a@b SIP/2.0\r\nl: 10\r\n\r\n";
        string message = headers + new string('x', 10);

        Assert.Equal(FramingResult.Message(0, message.Length), FrameOnce(message, message.Length));
    }

    [Theory]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n", FramingError.MissingContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", FramingError.NegativeContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nl:  -0\r\n\r\n", FramingError.NegativeContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: abc\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5x\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5 6\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n 6\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: +5\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 0x10\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length:\r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length:   \r\n\r\n", FramingError.InvalidContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2147483648\r\n\r\n", FramingError.ContentLengthOverflow)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n", FramingError.ContentLengthOverflow)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5\r\nl: 6\r\n\r\n", FramingError.ConflictingContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\n", FramingError.ConflictingContentLength)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n", FramingError.MessageTooLarge)]
    [InlineData("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2147483647\r\n\r\n", FramingError.MessageTooLarge)]
    public void Frame_BadContentLength_ErrorWithHeaderSection(string headers, FramingError expected)
    {
        var result = FrameOnce("\r\n" + headers + "trailing body bytes");

        Assert.Equal(FramingResult.Failure(expected, 2, headers.Length), result);
        Assert.Equal(0, result.Consumed);
    }

    [Fact]
    public void Frame_ErrorBeforeHeaderEnd_ReportedOnlyOnceHeaderSectionComplete()
    {
        var buffer = Bytes("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: -5\r\nCall-ID: x\r\n\r\n");
        var framer = new SipStreamFramer();

        Assert.Equal(FramingResult.NeedMore, framer.Frame(buffer.AsSpan(0, buffer.Length - 1)));
        Assert.Equal(FramingResult.Failure(FramingError.NegativeContentLength, 0, buffer.Length), framer.Frame(buffer));
    }

    [Fact]
    public void Frame_HeaderSectionLongerThanMaximum_MessageTooLargeWithoutHeaderEnd()
    {
        string endless = "MESSAGE sip:a@b SIP/2.0\r\nSubject: " + new string('x', 200);

        Assert.Equal(FramingResult.Failure(FramingError.MessageTooLarge, 0, 0), FrameOnce(endless, 100));
    }

    [Fact]
    public void Frame_HeaderSectionJustUnderMaximum_NeedMore()
    {
        string partial = "MESSAGE sip:a@b SIP/2.0\r\nSubject: " + new string('x', 40);

        Assert.Equal(FramingResult.NeedMore, FrameOnce(partial, partial.Length + 1));
    }

    [Fact]
    public void Frame_EndlessLeadingLineFeeds_MessageTooLarge()
    {
        Assert.Equal(FramingResult.Failure(FramingError.MessageTooLarge, 0, 0), FrameOnce(new string('\n', 100), 50));
    }

    [Fact]
    public void Frame_AfterError_FramerResetsForNextUse()
    {
        var framer = new SipStreamFramer();
        Assert.Equal(FramingStatus.Error, framer.Frame(Bytes("A sip:a SIP/2.0\r\n\r\n")).Status);

        Assert.Equal(FramingResult.Message(0, Options.Length), framer.Frame(Bytes(Options)));
    }

    [Fact]
    public void Frame_ShorterBufferThanAlreadyScanned_StartsOver()
    {
        var framer = new SipStreamFramer();
        Assert.Equal(FramingResult.NeedMore, framer.Frame(Bytes(Invite[..100])));

        Assert.Equal(FramingResult.Message(0, Options.Length), framer.Frame(Bytes(Options)));
    }

    [Fact]
    public void Frame_SteadyState_DoesNotAllocate()
    {
        var both = Bytes("\r\n\r\n" + Invite + Options);
        var sequence = TestSequence.Create(both.AsMemory(0, 100), both.AsMemory(100, 300), both.AsMemory(400));
        var framer = new SipStreamFramer();
        FrameAll(framer, both, sequence);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            FrameAll(framer, both, sequence);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void FrameAll(SipStreamFramer framer, byte[] contiguous, ReadOnlySequence<byte> segmented)
        {
            var span = contiguous.AsSpan();
            while (!span.IsEmpty)
            {
                span = span[framer.Frame(span).Consumed..];
            }

            while (!segmented.IsEmpty)
            {
                segmented = segmented.Slice(framer.Frame(segmented).Consumed);
            }
        }
    }

    [Fact]
    public void Constructor_TinyMaximum_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipStreamFramer(1));
    }
}
