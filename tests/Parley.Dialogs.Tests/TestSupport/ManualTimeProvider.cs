namespace Parley.Dialogs.Tests.TestSupport;

/// <summary>
/// A clock that moves only when told. Timestamps are in 100 ns units (<see cref="TimeSpan.Ticks"/>), so elapsed times
/// are exact; timers made by <see cref="CreateTimer"/> fire (on the thread calling <see cref="Advance"/>) when the clock
/// passes their due time.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly DateTimeOffset _start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => _start.AddTicks(Interlocked.Read(ref _ticks));

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Moves the clock forward, firing every timer of this provider that falls due on the way, in order.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var target = Interlocked.Read(ref _ticks) + by.Ticks;
        while (true)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt <= target && (next is null || timer.DueAt < next.DueAt))
                    {
                        next = timer;
                    }
                }
            }

            if (next is null)
            {
                break;
            }

            Interlocked.Exchange(ref _ticks, Math.Max(Interlocked.Read(ref _ticks), next.DueAt));
            next.Fire();
        }

        Interlocked.Exchange(ref _ticks, target);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Track(ManualTimer timer, bool active)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
            if (active)
            {
                _timers.Add(timer);
            }
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _period;

        public long DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            var active = dueTime != Timeout.InfiniteTimeSpan;
            DueAt = active ? owner.GetTimestamp() + dueTime.Ticks : long.MaxValue;
            owner.Track(this, active);
            return true;
        }

        public void Fire()
        {
            if (_period > 0)
            {
                DueAt += _period;
            }
            else
            {
                owner.Track(this, active: false);
            }

            callback(state);
        }

        public void Dispose() => owner.Track(this, active: false);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
