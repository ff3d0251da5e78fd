using System.Text;
using Parley.Protocol;
using Parley.Transactions.Matching;

namespace Parley.Transactions.Tests.Matching;

public sealed class TransactionTableTests
{
    private sealed class Entry(TransactionIdentity? identity, int bucket) : ITableTransaction
    {
        public TransactionIdentity? Identity { get; } = identity;

        public int Bucket { get; } = bucket;

        public uint Label { get; set; }

        public int LastStatus { get; set; }

        public byte[] ToTag { get; set; } = [];

        public ReadOnlySpan<byte> LocalToTag => ToTag;
    }

    private static SipMessage Parse(string callId, string method = "INVITE", string branch = "z9hG4bK1", int cseq = 1)
    {
        var text = $"{method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n" +
            $"To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=a\r\nCall-ID: {callId}\r\nCSeq: {cseq} {(method == "ACK" ? "ACK" : method)}\r\nContent-Length: 0\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(text);
        var message = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        return message;
    }

    private static Entry NewEntry(SipMessage request)
    {
        Assert.True(TransactionIdentity.TryCreate(request, out var identity));
        return new Entry(identity, identity.Bucket);
    }

    [Fact]
    public void FindOrInsert_NewThenRetransmission_OneTransaction()
    {
        var table = new TransactionTable<Entry>();
        var invite = Parse("c1");
        var bucket = TmHash.Bucket("c1"u8, 1);
        var (first, m1) = table.FindOrInsert(invite, bucket, () => NewEntry(invite));
        Assert.NotNull(first);
        Assert.Equal(RequestMatch.None, m1);
        var (again, m2) = table.FindOrInsert(Parse("c1"), bucket, () => throw new InvalidOperationException("must not create"));
        Assert.Same(first, again);
        Assert.Equal(RequestMatch.Retransmission, m2);
        Assert.Equal(1, table.Count);
        Assert.Same(first, table.FindByLabel(bucket, first!.Label));
    }

    [Fact]
    public void Insert_SameBucket_LabelsIncrement()
    {
        var table = new TransactionTable<Entry>();
        var a = new Entry(null, 7);
        var b = new Entry(null, 7);
        table.Insert(a);
        table.Insert(b);
        Assert.Equal(a.Label + 1, b.Label);
        Assert.Equal(2, table.BucketSize(7));
        Assert.Null(table.FindRequest(Parse("x"), 7).Transaction); // local transactions never match requests
        Assert.True(table.Remove(a));
        Assert.False(table.Remove(a));
        Assert.Equal(1, table.Count);
        Assert.Null(table.FindByLabel(7, a.Label));
        Assert.Null(table.FindByLabel(70000, 0));
    }

    [Fact]
    public void FindCancelTarget_FindsInviteNotCancel()
    {
        var table = new TransactionTable<Entry>();
        var invite = Parse("c2");
        var bucket = TmHash.Bucket("c2"u8, 1);
        var (t, _) = table.FindOrInsert(invite, bucket, () => NewEntry(invite));
        var cancel = Parse("c2", "CANCEL");
        Assert.Same(t, table.FindCancelTarget(cancel, bucket));
        var (cancelTx, _) = table.FindOrInsert(cancel, bucket, () => NewEntry(cancel));
        Assert.NotSame(t, cancelTx);
        Assert.Same(t, table.FindCancelTarget(Parse("c2", "CANCEL"), bucket));
    }

    [Fact]
    public void FindOrInsert_AckWithoutTransaction_CreateMayDecline()
    {
        var table = new TransactionTable<Entry>();
        var (t, m) = table.FindOrInsert(Parse("c3", "ACK"), TmHash.Bucket("c3"u8, 1), () => null);
        Assert.Null(t);
        Assert.Equal(RequestMatch.None, m);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void FindOrInsert_Concurrent_EachCallOnce()
    {
        var table = new TransactionTable<Entry>(stripes: 4);
        Parallel.For(0, 2000, i =>
        {
            var callId = "p" + (i % 500).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var request = Parse(callId);
            table.FindOrInsert(request, TmHash.Bucket(Encoding.ASCII.GetBytes(callId), 1), () => NewEntry(request));
        });
        Assert.Equal(500, table.Count);
    }

    [Fact]
    public void Constructor_StripesNotPowerOfTwo_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransactionTable<Entry>(stripes: 3));
}
