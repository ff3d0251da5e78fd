namespace Parley.Management.Statistics;

/// <summary>
/// The statistics of OpenSIPS's <c>core</c> group, with OpenSIPS 3.6's exact names and order (as
/// <c>get_statistics all</c> prints them). Note the 3.6 spellings: <c>bad_URIs_rcvd</c> (not <c>bad_URI</c>);
/// <c>unsupported_methods</c> no longer exists; <c>slow_messages</c> and <c>timestamp</c> were added.
/// </summary>
public static class CoreStatisticsNames
{
    /// <summary>The group name.</summary>
    public const string Group = "core";

    /// <summary>Requests received.</summary>
    public const string RcvRequests = "rcv_requests";

    /// <summary>Replies received.</summary>
    public const string RcvReplies = "rcv_replies";

    /// <summary>Requests forwarded statelessly or statefully.</summary>
    public const string FwdRequests = "fwd_requests";

    /// <summary>Replies forwarded.</summary>
    public const string FwdReplies = "fwd_replies";

    /// <summary>Requests dropped by the script.</summary>
    public const string DropRequests = "drop_requests";

    /// <summary>Replies dropped.</summary>
    public const string DropReplies = "drop_replies";

    /// <summary>Requests that could not be processed.</summary>
    public const string ErrRequests = "err_requests";

    /// <summary>Replies that could not be processed.</summary>
    public const string ErrReplies = "err_replies";

    /// <summary>Request-URIs that failed to parse.</summary>
    public const string BadUrisRcvd = "bad_URIs_rcvd";

    /// <summary>Messages with a header that failed to parse.</summary>
    public const string BadMsgHdr = "bad_msg_hdr";

    /// <summary>Messages whose processing exceeded the slow-execution threshold.</summary>
    public const string SlowMessages = "slow_messages";

    /// <summary>Seconds since start (function-backed, "non-incremental" in OpenSIPS).</summary>
    public const string Timestamp = "timestamp";

    /// <summary>Every core statistic name (without the group), in OpenSIPS order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        RcvRequests, RcvReplies, FwdRequests, FwdReplies, DropRequests, DropReplies,
        ErrRequests, ErrReplies, BadUrisRcvd, BadMsgHdr, SlowMessages, Timestamp,
    ];

    /// <summary>Every core statistic as <c>core:name</c>, in OpenSIPS order.</summary>
    public static IReadOnlyList<string> FullNames { get; } =
    [
        "core:" + RcvRequests, "core:" + RcvReplies, "core:" + FwdRequests, "core:" + FwdReplies,
        "core:" + DropRequests, "core:" + DropReplies, "core:" + ErrRequests, "core:" + ErrReplies,
        "core:" + BadUrisRcvd, "core:" + BadMsgHdr, "core:" + SlowMessages, "core:" + Timestamp,
    ];

    /// <summary>
    /// Registers the core group in OpenSIPS order: the stored counters, then <c>timestamp</c> backed by
    /// <paramref name="timestamp"/> (e.g. seconds since start). Returns the registered statistics in that order.
    /// </summary>
    public static IReadOnlyList<Statistic> RegisterAll(StatisticsRegistry registry, Func<long> timestamp)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(timestamp);
        var result = new Statistic[All.Count];
        for (var i = 0; i < All.Count - 1; i++)
        {
            result[i] = registry.Register(Group, All[i], StatisticKind.Counter, resettable: true, description: "OpenSIPS core:" + All[i]);
        }

        result[^1] = registry.RegisterFunction(Group, Timestamp, timestamp, StatisticKind.Gauge, "Seconds since start");
        return result;
    }
}
