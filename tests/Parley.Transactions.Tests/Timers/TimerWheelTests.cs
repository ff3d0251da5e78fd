using System.Diagnostics;
using Parley.Transactions.Timers;

namespace Parley.Transactions.Tests.Timers;

public sealed class TimerWheelTests
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(100);

    private static TimeSpan Ms(double value) => TimeSpan.FromMilliseconds(value);

    [Fact]
    public void Fires_at_its_deadline_and_never_before()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        wheel.Schedule(Ms(250), fired, 1);

        clock.Advance(Ms(249));
        Assert.Equal(0, wheel.Advance());
        clock.Advance(Ms(1) - TimeSpan.FromTicks(1));
        Assert.Equal(0, wheel.Advance());
        Assert.Empty(fired.Fired);

        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal([(1, Ms(250))], fired.Fired);
        Assert.Equal(0, wheel.Advance());
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Each_delay_fires_at_the_first_advance_at_or_after_its_deadline()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        clock.Advance(Ms(3));
        var deadlines = new Dictionary<int, TimeSpan>();
        for (var tag = 0; tag < 400; tag++)
        {
            var delay = Ms(tag * 37.3);
            deadlines[tag] = clock.Elapsed + delay;
            wheel.Schedule(delay, fired, tag);
        }

        var step = Ms(7);
        while (wheel.Count > 0)
        {
            clock.Advance(step);
            wheel.Advance();
        }

        Assert.Equal(400, fired.Fired.Count);
        foreach (var (tag, at) in fired.Fired)
        {
            Assert.True(at >= deadlines[tag], $"timer {tag} fired at {at}, before its deadline {deadlines[tag]}");
            Assert.True(at <= deadlines[tag] + step, $"timer {tag} fired at {at}, more than a step after its deadline {deadlines[tag]}");
        }
    }

    [Fact]
    public void Fires_in_deadline_order_across_ticks_and_within_one()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        int[] delaysMs = [950, 120, 40_000, 130, 5, 125, 3_600_000, 99, 101, 30_000];
        for (var i = 0; i < delaysMs.Length; i++)
        {
            wheel.Schedule(Ms(delaysMs[i]), fired, delaysMs[i]);
        }

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(delaysMs.Length, wheel.Advance());
        var expected = (int[])delaysMs.Clone();
        Array.Sort(expected);
        Assert.Equal(expected, fired.Tags);
    }

    [Fact]
    public void Equal_deadlines_fire_in_schedule_order()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);

        // The same deadline (30 s) reached from different levels of the wheel and different schedule times.
        wheel.Schedule(Ms(30_000), fired, 1);
        wheel.Schedule(Ms(30_000), fired, 2);
        clock.Advance(Ms(10_000));
        wheel.Advance();
        wheel.Schedule(Ms(20_000), fired, 3);
        clock.Advance(Ms(19_950));
        wheel.Advance();
        wheel.Schedule(Ms(50), fired, 4);
        wheel.Schedule(Ms(50), fired, 5);
        wheel.Schedule(Ms(49), fired, 0);

        clock.Advance(Ms(50));
        Assert.Equal(6, wheel.Advance());
        Assert.Equal([0, 1, 2, 3, 4, 5], fired.Tags);
    }

    [Fact]
    public void Zero_and_negative_delays_fire_at_the_next_advance()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        clock.Advance(Ms(1234));
        wheel.Advance();

        wheel.Schedule(TimeSpan.Zero, fired, 1);
        wheel.Schedule(Ms(-500), fired, 2);
        wheel.Schedule(TimeSpan.MinValue, fired, 3);
        Assert.Equal(3, wheel.Advance());
        Assert.Equal([3, 2, 1], fired.Tags);
        Assert.All(fired.Fired, f => Assert.Equal(Ms(1234), f.At));
    }

    [Fact]
    public void Cancel_before_firing_stops_the_timer()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        var a = wheel.Schedule(Ms(200), fired, 1);
        var b = wheel.Schedule(Ms(200), fired, 2);
        var far = wheel.Schedule(TimeSpan.FromHours(5), fired, 3);
        Assert.Equal(3, wheel.Count);

        Assert.True(wheel.Cancel(a));
        Assert.True(wheel.Cancel(far));
        Assert.Equal(1, wheel.Count);

        clock.Advance(TimeSpan.FromHours(6));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal([2], fired.Tags);
        Assert.False(wheel.Cancel(b));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Cancel_after_firing_or_twice_or_of_no_timer_returns_false()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        var a = wheel.Schedule(Ms(100), fired, 1);
        var b = wheel.Schedule(Ms(100), fired, 2);
        clock.Advance(Ms(100));
        wheel.Advance();
        Assert.False(wheel.Cancel(a));

        var c = wheel.Schedule(Ms(100), fired, 3);
        Assert.True(wheel.Cancel(c));
        Assert.False(wheel.Cancel(c));
        Assert.False(wheel.Cancel(b));
        Assert.False(wheel.Cancel(default));
        Assert.False(wheel.Cancel(new TimerHandle(long.MaxValue)));
        Assert.False(wheel.Cancel(new TimerHandle(-1)));
    }

    [Fact]
    public void A_stale_handle_of_a_reused_entry_does_nothing()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution, initialCapacity: 1);
        var fired = new Recorder(clock);
        var first = wheel.Schedule(Ms(100), fired, 1);
        Assert.True(wheel.Cancel(first));
        var second = wheel.Schedule(Ms(100), fired, 2);
        Assert.Equal((uint)first.Id, (uint)second.Id); // the same entry, reused
        Assert.NotEqual(first, second);

        Assert.False(wheel.Cancel(first));
        clock.Advance(Ms(100));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal([2], fired.Tags);

        // Fired and reused: the old handle still does nothing to the new timer.
        var third = wheel.Schedule(Ms(100), fired, 3);
        Assert.False(wheel.Cancel(second));
        clock.Advance(Ms(100));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal([2, 3], fired.Tags);
        Assert.False(wheel.Cancel(third));
    }

    [Fact]
    public void Callbacks_may_schedule_and_cancel_reentrantly()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var log = new List<string>();
        TimerHandle self = default, victim = default, spared = default;
        var target = new CallbackTarget(tag =>
        {
            log.Add("fire " + tag);
            switch (tag)
            {
                case 1:
                    log.Add("cancel self " + wheel.Cancel(self));
                    log.Add("cancel victim " + wheel.Cancel(victim));
                    log.Add("advance inside " + wheel.Advance());
                    break;
                case 3:
                    wheel.Schedule(TimeSpan.Zero, new CallbackTarget(t => log.Add("fire " + t)), 10);
                    break;
                case 4:
                    log.Add("cancel spared " + wheel.Cancel(spared));
                    break;
            }
        });

        self = wheel.Schedule(Ms(100), target, 1);
        victim = wheel.Schedule(Ms(150), target, 2); // due in the same Advance, cancelled before its turn
        wheel.Schedule(Ms(160), target, 3);
        clock.Advance(Ms(200));
        Assert.Equal(2, wheel.Advance());
        Assert.Equal(["fire 1", "cancel self False", "cancel victim True", "advance inside 0", "fire 3"], log);
        Assert.Equal(1, wheel.Count);

        // The zero-delay timer scheduled by a callback waits for the next Advance.
        log.Clear();
        Assert.Equal(1, wheel.Advance());
        Assert.Equal(["fire 10"], log);

        // A callback cancelling a timer due later.
        log.Clear();
        wheel.Schedule(Ms(100), target, 4);
        spared = wheel.Schedule(Ms(300), target, 5);
        clock.Advance(Ms(1000));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal(["fire 4", "cancel spared True"], log);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void A_callback_may_reschedule_itself_periodically()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var times = new List<TimeSpan>();
        CallbackTarget? periodic = null;
        periodic = new CallbackTarget(tag =>
        {
            times.Add(clock.Elapsed);
            if (times.Count < 5)
            {
                wheel.Schedule(Ms(500), periodic!, tag);
            }
        });
        wheel.Schedule(Ms(500), periodic, 0);
        for (var i = 0; i < 40; i++)
        {
            clock.Advance(Ms(100));
            wheel.Advance();
        }

        Assert.Equal([Ms(500), Ms(1000), Ms(1500), Ms(2000), Ms(2500)], times);
    }

    [Theory]
    [InlineData(3_600_000.0)] // 1 h: level 2
    [InlineData(7_200_000.0)] // 2 h
    [InlineData(108_000_000.0)] // 30 h: level 3
    [InlineData(8_640_000_000.0)] // 100 days: level 4
    [InlineData(631_152_000_000.0)] // 20 years: beyond the wheel's reach (13.6 years at 100 ms), placed again later
    public void Long_delays_fire_exactly_at_their_deadline(double delayMs)
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        clock.Advance(Ms(37));
        var delay = Ms(delayMs) + TimeSpan.FromTicks(12_345);
        var deadline = clock.Elapsed + delay;
        wheel.Schedule(delay, fired, 1);
        wheel.Schedule(Ms(300), fired, 2); // something on level 0 as well

        // Walk towards the deadline in uneven strides, advancing at each.
        var stride = TimeSpan.FromTicks(Math.Max(delay.Ticks / 97, 1));
        while (clock.Elapsed + stride < deadline)
        {
            clock.Advance(stride);
            wheel.Advance();
            Assert.DoesNotContain(fired.Fired, f => f.Tag == 1);
        }

        clock.Advance(deadline - clock.Elapsed - TimeSpan.FromTicks(1));
        wheel.Advance();
        Assert.Equal([2], fired.Tags);

        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal((1, deadline), fired.Fired[^1]);
    }

    [Fact]
    public void Maximum_delay_never_fires()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        wheel.Schedule(TimeSpan.MaxValue, fired, 1);
        for (var i = 0; i < 50; i++)
        {
            clock.Advance(TimeSpan.FromDays(365));
            Assert.Equal(0, wheel.Advance());
        }

        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void Matches_a_reference_model_under_random_operations()
    {
        for (var seed = 1; seed <= 40; seed++)
        {
            RunAgainstModel(seed);
        }
    }

    private static void RunAgainstModel(int seed)
    {
        var random = new Random(seed);
        var clock = new ManualTimeProvider();
        TimeSpan[] resolutions = [Ms(1), Ms(100), Ms(1000)];
        var resolution = resolutions[seed % resolutions.Length];
        using var wheel = new TimerWheel(clock, resolution, initialCapacity: 4);
        var fired = new Recorder(clock);
        var pending = new Dictionary<int, (long Deadline, int Sequence, TimerHandle Handle)>();
        var handles = new List<(int Tag, TimerHandle Handle)>();
        var nextTag = 0;
        var totalFired = 0;
        var totalCancelled = 0;
        for (var step = 0; step < 600; step++)
        {
            var op = random.Next(10);
            if (op < 5)
            {
                var delay = random.Next(7) switch
                {
                    0 => TimeSpan.FromTicks(random.NextInt64(-100_000, 1)),
                    1 => TimeSpan.FromTicks(random.NextInt64(0, resolution.Ticks * 3)),
                    2 => Ms(random.Next(0, 5_000)),
                    3 => Ms(random.Next(0, 600_000)),
                    4 => TimeSpan.FromTicks(random.NextInt64(0, TimeSpan.FromDays(3).Ticks)),
                    5 => TimeSpan.FromTicks(random.NextInt64(0, TimeSpan.FromDays(200).Ticks)),
                    _ => resolution * random.Next(0, 300),
                };
                var tag = nextTag++;
                var handle = wheel.Schedule(delay, fired, tag);
                pending[tag] = (clock.Elapsed.Ticks + delay.Ticks, tag, handle);
                handles.Add((tag, handle));
            }
            else if (op < 7 && handles.Count > 0)
            {
                // Mostly recent timers (likely still pending), sometimes any (likely fired or cancelled already).
                var pick = random.Next(3) == 0 ? random.Next(handles.Count) : Math.Max(0, handles.Count - 1 - random.Next(20));
                var (tag, handle) = handles[pick];
                var expected = pending.Remove(tag);
                Assert.Equal(expected, wheel.Cancel(handle));
                totalCancelled += expected ? 1 : 0;
            }
            else
            {
                var by = random.Next(6) switch
                {
                    0 => TimeSpan.Zero,
                    1 => TimeSpan.FromTicks(random.NextInt64(1, resolution.Ticks * 2)),
                    2 => Ms(random.Next(1, 2_000)),
                    3 => Ms(random.Next(1, 900_000)),
                    4 => TimeSpan.FromTicks(random.NextInt64(1, TimeSpan.FromDays(2).Ticks)),
                    _ => TimeSpan.FromTicks(random.NextInt64(1, TimeSpan.FromDays(60).Ticks)),
                };
                clock.Advance(by);
                var now = clock.Elapsed.Ticks;
                var due = new List<(long Deadline, int Sequence)>();
                foreach (var (tag, timer) in pending)
                {
                    if (timer.Deadline <= now)
                    {
                        due.Add((timer.Deadline, tag));
                    }
                }

                due.Sort();
                fired.Fired.Clear();
                Assert.Equal(due.Count, wheel.Advance());
                var expectedTags = new List<int>();
                foreach (var (_, tag) in due)
                {
                    expectedTags.Add(tag);
                    pending.Remove(tag);
                }

                Assert.Equal(expectedTags, fired.Tags);
                totalFired += due.Count;
            }

            Assert.Equal(pending.Count, wheel.Count);
        }

        Assert.True(totalFired > 100, $"seed {seed}: only {totalFired} fired");
        Assert.True(totalCancelled > 10, $"seed {seed}: only {totalCancelled} cancelled");
    }

    [Fact]
    public void Schedules_and_cancels_a_hundred_thousand_timers()
    {
        const int n = 100_000;
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var counts = new int[n];
        var target = new CallbackTarget(tag => counts[tag]++);
        var random = new Random(7);
        var handles = new TimerHandle[n];
        for (var i = 0; i < n; i++)
        {
            handles[i] = wheel.Schedule(Ms(random.Next(0, 600_000)), target, i);
        }

        Assert.Equal(n, wheel.Count);
        for (var i = 0; i < n; i += 2)
        {
            Assert.True(wheel.Cancel(handles[i]));
        }

        Assert.Equal(n / 2, wheel.Count);
        var total = 0;
        for (var t = 0; t < 6_100; t++)
        {
            clock.Advance(Resolution);
            total += wheel.Advance();
        }

        Assert.Equal(n / 2, total);
        Assert.Equal(0, wheel.Count);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(i % 2, counts[i]);
        }
    }

    [Fact]
    public void Concurrent_schedules_and_cancels_fire_every_live_timer_exactly_once()
    {
        const int threads = 4;
        const int perThread = 20_000;
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution, initialCapacity: 16);
        var counts = new int[threads * perThread];
        var cancelled = new int[threads * perThread];
        var target = new CallbackTarget(tag => Interlocked.Increment(ref counts[tag]));
        var done = 0;
        var firedWhileProducing = 0;

        var advancer = new Thread(() =>
        {
            while (Volatile.Read(ref done) < threads)
            {
                clock.Advance(Ms(7));
                firedWhileProducing += wheel.Advance();
            }
        });
        advancer.Start();

        var producers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var thread = t;
            producers[t] = new Thread(() =>
            {
                var random = new Random(thread);
                var mine = new List<(int Tag, TimerHandle Handle)>();
                for (var i = 0; i < perThread; i++)
                {
                    var tag = (thread * perThread) + i;
                    mine.Add((tag, wheel.Schedule(Ms(random.Next(-5, 400)), target, tag)));
                    if (random.Next(3) == 0)
                    {
                        var (victim, handle) = mine[random.Next(mine.Count)];
                        if (wheel.Cancel(handle))
                        {
                            cancelled[victim]++;
                        }
                    }
                }

                Interlocked.Increment(ref done);
            });
            producers[t].Start();
        }

        foreach (var producer in producers)
        {
            producer.Join();
        }

        advancer.Join();
        clock.Advance(Ms(1000));
        wheel.Advance();

        Assert.Equal(0, wheel.Count);
        var cancelledCount = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            // Cancelled successfully (once at most) or fired once: never both, never neither.
            Assert.Equal(1, cancelled[i] + counts[i]);
            cancelledCount += cancelled[i];
        }

        Assert.True(cancelledCount > 0);
        Assert.True(firedWhileProducing > 0);
    }

    [Fact]
    public void A_throwing_callback_does_not_stop_the_others()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var errors = new List<Exception>();
        var fired = new List<int>();
        var target = new CallbackTarget(tag =>
        {
            fired.Add(tag);
            if (tag % 2 == 0)
            {
                throw new InvalidOperationException("boom " + tag);
            }
        });
        for (var i = 0; i < 6; i++)
        {
            wheel.Schedule(Ms(100 + i), target, i);
        }

        clock.Advance(Ms(1000));
        Assert.Equal(6, wheel.Advance()); // without a handler
        Assert.Equal([0, 1, 2, 3, 4, 5], fired);

        wheel.OnCallbackError = e =>
        {
            errors.Add(e);
            throw new InvalidOperationException("the handler fails too");
        };
        wheel.Schedule(Ms(100), target, 8);
        wheel.Schedule(Ms(100), target, 9);
        clock.Advance(Ms(100));
        Assert.Equal(2, wheel.Advance());
        Assert.Equal([0, 1, 2, 3, 4, 5, 8, 9], fired);
        Assert.Equal("boom 8", Assert.Single(errors).Message);
    }

    [Fact]
    public async Task RunAsync_on_the_system_clock_fires_a_50_ms_timer()
    {
        using var wheel = new TimerWheel(TimeProvider.System, TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource();
        var firedAt = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = wheel.RunAsync(stop.Token);
        var watch = Stopwatch.StartNew();
        wheel.Schedule(Ms(50), new CallbackTarget(_ => firedAt.TrySetResult(watch.Elapsed)), 0);

        var elapsed = await firedAt.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.True(elapsed >= Ms(50), $"fired after {elapsed}");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.True(run.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task RunAsync_ticks_on_the_providers_timer()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        using var stop = new CancellationTokenSource();
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        wheel.Schedule(Ms(250), new CallbackTarget(_ => fired.TrySetResult(clock.Elapsed)), 0);
        var run = wheel.RunAsync(stop.Token);

        clock.Advance(Ms(200));
        await Task.Delay(50);
        Assert.False(fired.Task.IsCompleted);
        clock.Advance(Ms(100));
        Assert.Equal(Ms(300), await fired.Task.WaitAsync(TimeSpan.FromSeconds(5)));

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Dispose_stops_RunAsync_and_drops_every_timer()
    {
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, Resolution);
        var fired = new Recorder(clock);
        var handle = wheel.Schedule(Ms(100), fired, 1);
        var run = wheel.RunAsync(CancellationToken.None);

        wheel.Dispose();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(run.IsCompletedSuccessfully);
        Assert.Equal(0, wheel.Count);
        Assert.False(wheel.Cancel(handle));
        clock.Advance(Ms(1000));
        Assert.Equal(0, wheel.Advance());
        Assert.Empty(fired.Fired);
        Assert.Throws<ObjectDisposedException>(() => wheel.Schedule(Ms(100), fired, 2));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wheel.RunAsync(CancellationToken.None));
        wheel.Dispose();
    }

    [Fact]
    public void A_callback_disposing_the_wheel_stops_the_rest_of_the_batch()
    {
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, Resolution);
        var fired = new List<int>();
        var target = new CallbackTarget(tag =>
        {
            fired.Add(tag);
            wheel.Dispose();
        });
        wheel.Schedule(Ms(100), target, 1);
        wheel.Schedule(Ms(100), target, 2);
        clock.Advance(Ms(100));
        Assert.Equal(1, wheel.Advance());
        Assert.Equal([1], fired);
    }

    [Fact]
    public void Schedule_cancel_and_fire_allocate_nothing_in_steady_state()
    {
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, Resolution);
        var target = new CallbackTarget(static _ => { });
        var handles = new TimerHandle[64];

        void Cycle()
        {
            for (var i = 0; i < handles.Length; i++)
            {
                handles[i] = wheel.Schedule(Ms(100 + (i * 13)), target, i);
            }

            for (var i = 0; i < handles.Length; i += 2)
            {
                wheel.Cancel(handles[i]);
            }

            clock.Advance(Ms(500));
            wheel.Advance();
            clock.Advance(Ms(500));
            wheel.Advance();
        }

        for (var i = 0; i < 100; i++)
        {
            Cycle();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            Cycle();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        var clock = new ManualTimeProvider();
        Assert.Throws<ArgumentNullException>(() => new TimerWheel(null!, Resolution));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerWheel(clock, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerWheel(clock, Resolution, 0));
        using var wheel = new TimerWheel(clock, Resolution);
        Assert.Equal(Resolution, wheel.Resolution);
        Assert.Throws<ArgumentNullException>(() => wheel.Schedule(Ms(1), null!, 0));
    }

    /// <summary>Records each firing with the clock's time.</summary>
    private sealed class Recorder(ManualTimeProvider clock) : ITimerTarget
    {
        public List<(int Tag, TimeSpan At)> Fired { get; } = [];

        public List<int> Tags
        {
            get
            {
                var tags = new List<int>(Fired.Count);
                foreach (var (tag, _) in Fired)
                {
                    tags.Add(tag);
                }

                return tags;
            }
        }

        public void OnTimer(int tag) => Fired.Add((tag, clock.Elapsed));
    }

    private sealed class CallbackTarget(Action<int> onTimer) : ITimerTarget
    {
        public void OnTimer(int tag) => onTimer(tag);
    }
}
