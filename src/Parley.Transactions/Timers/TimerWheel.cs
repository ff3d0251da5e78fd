namespace Parley.Transactions.Timers;

/// <summary>Called when a scheduled timer fires, on the wheel's thread (or the thread calling <see cref="TimerWheel.Advance"/>).</summary>
public interface ITimerTarget
{
    void OnTimer(int tag);
}

/// <summary>A scheduled timer, for cancelling it. Default is "none".</summary>
public readonly record struct TimerHandle(long Id);

/// <summary>
/// CONTRACT (issue 5): a hashed timing wheel driven by an injected <see cref="TimeProvider"/>. Schedule/Cancel are O(1),
/// thread-safe and allocation-free in steady state; timers fire on one thread in deadline order (ties in schedule
/// order), never early, at most one resolution late.
/// </summary>
public sealed class TimerWheel : IDisposable
{
    public TimerWheel(TimeProvider time, TimeSpan resolution) => throw new NotImplementedException();

    public TimerHandle Schedule(TimeSpan delay, ITimerTarget target, int tag) => throw new NotImplementedException();

    /// <summary>True when the timer was pending and is now cancelled; false when it already fired or was cancelled.</summary>
    public bool Cancel(TimerHandle handle) => throw new NotImplementedException();

    /// <summary>Fires every timer due at the provider's current time, on the calling thread; returns how many fired.</summary>
    public int Advance() => throw new NotImplementedException();

    /// <summary>Ticks every resolution (a <see cref="TimeProvider"/> timer) until cancelled, firing due timers.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Pending timers.</summary>
    public int Count => throw new NotImplementedException();

    public void Dispose() => throw new NotImplementedException();
}
