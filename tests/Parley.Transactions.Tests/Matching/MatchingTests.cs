using System.Text;
using Parley.Protocol;
using Parley.Transactions.Matching;

namespace Parley.Transactions.Tests.Matching;

public sealed class MatchingTests
{
    private const string Invite = """
        INVITE sip:bob@biloxi.com SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK776asdhds
        Max-Forwards: 70
        To: Bob <sip:bob@biloxi.com>
        From: Alice <sip:alice@atlanta.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.com
        CSeq: 314159 INVITE
        Content-Length: 0


        """;

    private static SipMessage Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        var message = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        return message;
    }

    private static TransactionIdentity Identity(string text)
    {
        Assert.True(TransactionIdentity.TryCreate(Parse(text), out var identity));
        return identity;
    }

    // Reference values from OpenSIPS's hash_func.h core_hash compiled with gcc on x86-64.
    [Theory]
    [InlineData("a84b4c76e66710@pc33.atlanta.com", "314159", 49360, 3070476496u)]
    [InlineData("1-12345@127.0.0.1", "1", 46438, 3653088614u)]
    [InlineData("x", "4294967295", 20019, 1893158451u)]
    [InlineData("caf\u00e9-id@host", "20", 45447, 1938665863u)]
    [InlineData("", "0", 54, 54u)]
    public void TmHash_KnownStrings_EqualOpenSipsCoreHash(string callId, string cseq, int bucket, uint hash)
    {
        Assert.Equal(bucket, TmHash.Bucket(Encoding.UTF8.GetBytes(callId), Encoding.ASCII.GetBytes(cseq)));
        Assert.Equal(hash, TmHash.Hash(Encoding.UTF8.GetBytes(callId), Encoding.ASCII.GetBytes(cseq)));
        Assert.Equal(bucket, TmHash.Bucket(Encoding.UTF8.GetBytes(callId), uint.Parse(cseq, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(0, 0u, 0, "z9hG4bK0.0.0")]
    [InlineData(0x1234, 0xabcdu, 1, "z9hG4bK4321.dcba.1")]
    [InlineData(65535, uint.MaxValue, 11, "z9hG4bKffff.ffffffff.b")]
    public void BranchId_WriteParse_RoundTripsReverseHex(int bucket, uint label, int index, string expected)
    {
        Assert.Equal(expected, BranchId.ToString(bucket, label, index));
        Assert.True(BranchId.TryParse(Encoding.ASCII.GetBytes(expected), out var b, out var l, out var i));
        Assert.Equal((bucket, label, index), (b, l, i));
    }

    [Theory]
    [InlineData("z9hG4bK776asdhds")]
    [InlineData("z9hG4bK")]
    [InlineData("z9hG4bK1.2")]
    [InlineData("z9hG4bK.1.2")]
    [InlineData("z9hG4bK1.2.")]
    [InlineData("z9hG4bK00001.2.3")]
    [InlineData("z9hG4bKg.2.3")]
    [InlineData("abc1.2.3")]
    [InlineData("z9hG4bK123456789.1.1")]
    public void BranchId_ForeignOrBroken_NotParsed(string branch) =>
        Assert.False(BranchId.TryParse(Encoding.ASCII.GetBytes(branch), out _, out _, out _));

    [Fact]
    public void BranchId_TransactionId_LabelThenBucket() => Assert.Equal("dcba.4321", BranchId.TransactionId(0x1234, 0xabcd));

    [Fact]
    public void Match_SameRequest_IsRetransmission()
    {
        var t = Identity(Invite);
        Assert.Equal(RequestMatch.Retransmission, RequestMatcher.Match(t, 100, default, Parse(Invite)));
        Assert.Equal(49360, t.Bucket);
    }

    [Theory]
    [InlineData("branch=z9hG4bK776asdhds", "branch=z9hG4bK776asdhdX")]
    [InlineData("pc33.atlanta.com:5060", "pc33.atlanta.com:5070")]
    [InlineData("SIP/2.0/UDP", "SIP/2.0/TCP")]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159 OPTIONS")]
    public void Match_Rfc3261_DifferentKey_NoMatch(string from, string to)
    {
        var t = Identity(Invite);
        var other = Invite.Replace(from, to, StringComparison.Ordinal);
        if (to.Contains("OPTIONS", StringComparison.Ordinal))
        {
            other = other.Replace("INVITE sip:", "OPTIONS sip:", StringComparison.Ordinal);
        }

        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 100, default, Parse(other)));
    }

    [Fact]
    public void Match_AckSameBranchAfterNegative_AbsorbedHopByHop()
    {
        var t = Identity(Invite);
        var ack = Invite.Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal).Replace("314159 INVITE", "314159 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@biloxi.com>", "To: Bob <sip:bob@biloxi.com>;tag=8321234356", StringComparison.Ordinal);
        Assert.Equal(RequestMatch.AckForNegative, RequestMatcher.Match(t, 486, default, Parse(ack)));
        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 180, default, Parse(ack)));
    }

    [Fact]
    public void Match_AckFor2xxNewBranch_MatchedDialogWise()
    {
        var t = Identity(Invite);
        var ack = Invite.Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal).Replace("314159 INVITE", "314159 ACK", StringComparison.Ordinal)
            .Replace("z9hG4bK776asdhds", "z9hG4bKnewack1", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@biloxi.com>", "To: Bob <sip:bob@biloxi.com>;tag=88", StringComparison.Ordinal);
        Assert.Equal(RequestMatch.AckFor2xx, RequestMatcher.Match(t, 200, default, Parse(ack)));
        Assert.Equal(RequestMatch.AckFor2xx, RequestMatcher.Match(t, 200, "88"u8, Parse(ack)));
        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 200, "99"u8, Parse(ack)));
        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 200, default, Parse(ack.Replace("tag=1928301774", "tag=other", StringComparison.Ordinal))));
    }

    [Fact]
    public void Match_Pre3261_HeaderBodies()
    {
        var old = Invite.Replace(";branch=z9hG4bK776asdhds", "", StringComparison.Ordinal);
        var t = Identity(old);
        Assert.False(t.HasMagicCookie);
        Assert.Equal(RequestMatch.Retransmission, RequestMatcher.Match(t, 100, default, Parse(old)));

        var otherUri = old.Replace("INVITE sip:bob@biloxi.com", "INVITE sip:bob@other.com", StringComparison.Ordinal);
        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 100, default, Parse(otherUri)));
        Assert.Equal(RequestMatch.Retransmission, RequestMatcher.Match(t, 100, default, Parse(otherUri), ruriMatching: false));

        var otherVia = old.Replace("pc33.atlanta.com:5060", "pc33.atlanta.com:5060;received=1.2.3.4", StringComparison.Ordinal);
        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 100, default, Parse(otherVia)));
        Assert.Equal(RequestMatch.Retransmission, RequestMatcher.Match(t, 100, default, Parse(otherVia), via1Matching: false));

        var ack = old.Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal).Replace("314159 INVITE", "314159 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@biloxi.com>", "To: Bob <sip:bob@biloxi.com>;tag=x1", StringComparison.Ordinal);
        Assert.Equal(RequestMatch.AckForNegative, RequestMatcher.Match(t, 404, default, Parse(ack)));
        Assert.Equal(RequestMatch.None, RequestMatcher.Match(t, 200, default, Parse(ack)));
        Assert.Equal(RequestMatch.AckFor2xx, RequestMatcher.Match(t, 200, "x1"u8, Parse(ack)));
    }

    [Fact]
    public void MatchesCancel_SameBranchAndSentBy_Cancels()
    {
        var t = Identity(Invite);
        var cancel = Invite.Replace("INVITE sip:", "CANCEL sip:", StringComparison.Ordinal).Replace("314159 INVITE", "314159 CANCEL", StringComparison.Ordinal);
        Assert.True(RequestMatcher.MatchesCancel(t, Parse(cancel)));
        Assert.False(RequestMatcher.MatchesCancel(t, Parse(cancel.Replace("z9hG4bK776asdhds", "z9hG4bKother", StringComparison.Ordinal))));
        Assert.False(RequestMatcher.MatchesCancel(Identity(cancel), Parse(cancel)));

        var oldInvite = Invite.Replace(";branch=z9hG4bK776asdhds", "", StringComparison.Ordinal);
        var oldCancel = cancel.Replace(";branch=z9hG4bK776asdhds", "", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@biloxi.com>", "To: Bob <sip:bob@biloxi.com>;tag=ignored", StringComparison.Ordinal);
        Assert.True(RequestMatcher.MatchesCancel(Identity(oldInvite), Parse(oldCancel)));
    }
}
