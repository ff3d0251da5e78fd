using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Parley.Protocol;

namespace Parley.Server.Core;

/// <summary>
/// OpenSIPS's <c>exec_msg_threshold</c>: times each message's processing (two timestamp reads, no allocation) and
/// counts and logs the ones slower than the threshold in <c>core:slow_messages</c>. A threshold of 0 turns it off.
/// </summary>
internal sealed partial class SlowMessageMeter(int thresholdMicroseconds, CoreStatistics statistics, ILogger logger)
{
    private readonly long _thresholdTicks = thresholdMicroseconds <= 0 ? long.MaxValue : thresholdMicroseconds * Stopwatch.Frequency / 1_000_000;

    public bool Enabled => _thresholdTicks != long.MaxValue;

    public long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    public void Stop(long start, SipMessage message)
    {
        if (!Enabled)
        {
            return;
        }

        var elapsed = Stopwatch.GetTimestamp() - start;
        if (elapsed > _thresholdTicks)
        {
            statistics.SlowMessage();
            LogSlow(logger, elapsed * 1_000_000 / Stopwatch.Frequency, thresholdMicroseconds, message.GetString(message.CallId));
        }
    }

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Slow message: processing took {Microseconds} us (exec_msg_threshold {Threshold} us), Call-ID {CallId}")]
    private static partial void LogSlow(ILogger logger, long microseconds, int threshold, string callId);
}
