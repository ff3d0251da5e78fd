using Parley.Management.Statistics;
using Parley.Protocol;

namespace Parley.Server.Core;

/// <summary>
/// The core counters OpenSIPS keeps under <c>core:</c>, registered in the management statistics registry (so MI
/// <c>get_statistics</c>, <c>$stat</c> and <c>/metrics</c> read them) with OpenSIPS 3.6's names and order.
/// </summary>
internal sealed class CoreStatistics
{
    private readonly Statistic _rcvRequests;
    private readonly Statistic _rcvReplies;
    private readonly Statistic _fwdRequests;
    private readonly Statistic _fwdReplies;
    private readonly Statistic _dropRequests;
    private readonly Statistic _dropReplies;
    private readonly Statistic _errRequests;
    private readonly Statistic _errReplies;
    private readonly Statistic _badUris;
    private readonly Statistic _badMsgHdr;
    private readonly Statistic _slowMessages;

    /// <summary>Registers the core group in <paramref name="registry"/>; <c>core:timestamp</c> counts seconds since <paramref name="startTimestamp"/>.</summary>
    public CoreStatistics(StatisticsRegistry registry, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(time);
        var start = time.GetTimestamp();
        var all = CoreStatisticsNames.RegisterAll(registry, () => (long)time.GetElapsedTime(start).TotalSeconds);
        _rcvRequests = all[0];
        _rcvReplies = all[1];
        _fwdRequests = all[2];
        _fwdReplies = all[3];
        _dropRequests = all[4];
        _dropReplies = all[5];
        _errRequests = all[6];
        _errReplies = all[7];
        _badUris = all[8];
        _badMsgHdr = all[9];
        _slowMessages = all[10];
    }

    /// <summary>A private registry, for tests and for <c>parley -c</c>.</summary>
    public CoreStatistics()
        : this(new StatisticsRegistry(), TimeProvider.System)
    {
    }

    public long RcvRequests => _rcvRequests.Value;

    public long RcvReplies => _rcvReplies.Value;

    public long FwdRequests => _fwdRequests.Value;

    public long FwdReplies => _fwdReplies.Value;

    public long DropRequests => _dropRequests.Value;

    public long DropReplies => _dropReplies.Value;

    /// <summary>Requests refused as malformed (answered with the error response).</summary>
    public long ErrRequests => _errRequests.Value;

    /// <summary>Replies dropped as malformed (RFC 3261 §18.1.2: discard).</summary>
    public long ErrReplies => _errReplies.Value;

    /// <summary>Messages whose header section could not be parsed.</summary>
    public long BadMsgHdr => _badMsgHdr.Value;

    public long BadUris => _badUris.Value;

    public long SlowMessages => _slowMessages.Value;

    public void SlowMessage() => _slowMessages.Increment();

    public void RequestReceived() => _rcvRequests.Increment();

    public void ReplyReceived() => _rcvReplies.Increment();

    public void RequestForwarded() => _fwdRequests.Increment();

    public void ReplyForwarded() => _fwdReplies.Increment();

    public void RequestDropped() => _dropRequests.Increment();

    public void ReplyDropped() => _dropReplies.Increment();

    public void BadRequest(ParseError error)
    {
        _errRequests.Increment();
        Count(error);
    }

    public void BadReply(ParseError error)
    {
        _errReplies.Increment();
        Count(error);
    }

    private void Count(ParseError error)
    {
        switch (error)
        {
            case ParseError.BadRequestUri or ParseError.UnsupportedUriScheme:
                _badUris.Increment();
                break;
            case ParseError.BadHeaderLine or ParseError.HeadersNotTerminated or ParseError.BadStartLine:
                _badMsgHdr.Increment();
                break;
        }
    }
}
