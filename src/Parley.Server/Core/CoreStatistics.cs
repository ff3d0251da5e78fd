namespace Parley.Server.Core;

/// <summary>
/// The core counters OpenSIPS keeps under <c>core:</c> (rcv_requests, rcv_replies, drop_requests, err_requests, bad_msg_hdr, …).
/// Plain interlocked longs for now; the management layer publishes them through MI and Prometheus.
/// </summary>
internal sealed class CoreStatistics
{
    private long _rcvRequests;
    private long _rcvReplies;
    private long _fwdRequests;
    private long _fwdReplies;
    private long _dropRequests;
    private long _dropReplies;
    private long _errRequests;
    private long _errReplies;
    private long _badMsgHdr;
    private long _badUris;
    private long _unsupportedMethods;

    public long RcvRequests => Volatile.Read(ref _rcvRequests);

    public long RcvReplies => Volatile.Read(ref _rcvReplies);

    public long FwdRequests => Volatile.Read(ref _fwdRequests);

    public long FwdReplies => Volatile.Read(ref _fwdReplies);

    public long DropRequests => Volatile.Read(ref _dropRequests);

    public long DropReplies => Volatile.Read(ref _dropReplies);

    /// <summary>Requests refused as malformed (answered with the error response).</summary>
    public long ErrRequests => Volatile.Read(ref _errRequests);

    /// <summary>Replies dropped as malformed (RFC 3261 §18.1.2: discard).</summary>
    public long ErrReplies => Volatile.Read(ref _errReplies);

    /// <summary>Messages whose headers could not be parsed at all.</summary>
    public long BadMsgHdr => Volatile.Read(ref _badMsgHdr);

    public long BadUris => Volatile.Read(ref _badUris);

    public long UnsupportedMethods => Volatile.Read(ref _unsupportedMethods);

    public void RequestReceived() => Interlocked.Increment(ref _rcvRequests);

    public void ReplyReceived() => Interlocked.Increment(ref _rcvReplies);

    public void RequestForwarded() => Interlocked.Increment(ref _fwdRequests);

    public void ReplyForwarded() => Interlocked.Increment(ref _fwdReplies);

    public void RequestDropped() => Interlocked.Increment(ref _dropRequests);

    public void ReplyDropped() => Interlocked.Increment(ref _dropReplies);

    public void BadRequest(Parley.Protocol.ParseError error)
    {
        Interlocked.Increment(ref _errRequests);
        Count(error);
    }

    public void BadReply(Parley.Protocol.ParseError error)
    {
        Interlocked.Increment(ref _errReplies);
        Count(error);
    }

    private void Count(Parley.Protocol.ParseError error)
    {
        switch (error)
        {
            case Parley.Protocol.ParseError.BadRequestUri or Parley.Protocol.ParseError.UnsupportedUriScheme:
                Interlocked.Increment(ref _badUris);
                break;
            case Parley.Protocol.ParseError.UnknownMethodCSeqMismatch:
                Interlocked.Increment(ref _unsupportedMethods);
                break;
            case Parley.Protocol.ParseError.BadHeaderLine or Parley.Protocol.ParseError.HeadersNotTerminated or Parley.Protocol.ParseError.BadStartLine:
                Interlocked.Increment(ref _badMsgHdr);
                break;
        }
    }
}
