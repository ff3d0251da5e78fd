namespace Parley.Transactions.StateMachines;

/// <summary>
/// The timers a machine has started and not yet seen stop or fire, so that every <see cref="ITransactionTimers.Stop"/>
/// is for a running timer and a timer is never stopped twice. A fire for a timer that is not running (it was stopped
/// while its callback was already queued) is reported as stale and the machine ignores it.
/// </summary>
internal struct RunningTimers
{
    private readonly ITransactionTimers _timers;
    private int _mask;

    public RunningTimers(ITransactionTimers timers) => _timers = timers;

    public readonly bool IsRunning(TransactionTimer timer) => (_mask & Bit(timer)) != 0;

    /// <summary>Starts (or restarts) the timer.</summary>
    public void Start(TransactionTimer timer, TimeSpan after)
    {
        _mask |= Bit(timer);
        _timers.Start(timer, after);
    }

    public void Stop(TransactionTimer timer)
    {
        if ((_mask & Bit(timer)) == 0)
        {
            return;
        }

        _mask &= ~Bit(timer);
        _timers.Stop(timer);
    }

    /// <summary>Stops every running timer, in <see cref="TransactionTimer"/> order.</summary>
    public void StopAll()
    {
        for (var timer = TransactionTimer.A; _mask != 0 && timer <= TransactionTimer.M; timer++)
        {
            Stop(timer);
        }
    }

    /// <summary>The owner says the timer fired: true when it was running (it no longer is), false for a stale fire.</summary>
    public bool Fired(TransactionTimer timer)
    {
        if ((_mask & Bit(timer)) == 0)
        {
            return false;
        }

        _mask &= ~Bit(timer);
        return true;
    }

    private static int Bit(TransactionTimer timer) => 1 << (int)timer;
}

/// <summary>Shared rules of the four machines.</summary>
internal static class TransactionRules
{
    /// <summary>The next retransmission interval: doubled, capped at T2 (RFC 3261 §17.1.2.2, §17.2.1; OpenSIPS caps INVITE requests too).</summary>
    public static TimeSpan NextInterval(TimeSpan interval, TimeSpan t2)
    {
        var doubled = interval + interval;
        return doubled < t2 ? doubled : t2;
    }

    /// <summary>The first interval: T1, already capped at T2 (OpenSIPS caps every step of the schedule).</summary>
    public static TimeSpan FirstInterval(TransactionTimings timings) => timings.T1 < timings.T2 ? timings.T1 : timings.T2;

    public static void CheckStatus(int statusCode)
    {
        if (statusCode is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A SIP status code is 100–699.");
        }
    }
}
