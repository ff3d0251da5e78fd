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
/// <remarks>
/// <para>
/// A hierarchical wheel in the manner of the classic Linux timer wheel. Time is counted in ticks of one resolution from
/// the wheel's creation (monotonic <see cref="TimeProvider.GetTimestamp"/>). Level 0 has 256 slots of one tick; levels
/// 1–4 have 64 slots each, a slot of level n spanning 256·64ⁿ⁻¹ ticks. At 100 ms, level 0 covers 25.6 s, level 1
/// 27 min, level 2 29 h, level 3 77 days and level 4 13.6 years; a timer further away than 2³² ticks waits in level 4's
/// furthest slot and is placed again (with its real deadline) when that slot comes round, so no delay fires early.
/// When the cursor enters a block of 256 ticks, the level-1 slot of that block is emptied into level 0 (and, at the
/// start of a level-1 revolution, the level-2 slot into the levels below, and so on): each timer moves at most four
/// times in its life, and a level-0 slot only ever holds timers of its own tick. While level 0 is empty the cursor
/// skips straight to the next tick at which a non-empty level is cascaded, so a clock that jumps far ahead (a test's
/// manual clock, a host back from suspend) costs the cascades, not a walk over every tick.
/// </para>
/// <para>
/// Each timer keeps its exact deadline (100 ns units), so <see cref="Advance"/> fires everything whose deadline is at or
/// before "now", not merely the ticks that have ended: the current tick's slot is scanned for due timers and stays
/// open until the clock leaves it. Everything due in one <see cref="Advance"/> is collected first, sorted by deadline and
/// then by a schedule sequence number, and fired after the lock is released.
/// </para>
/// <para>
/// Timers live in one array of entries linked by index (doubly linked per slot, singly linked when free); freed entries
/// are reused, and the array only grows (doubling) when every entry is in use, so a steady state allocates nothing.
/// A handle is the entry's index and its generation, which changes whenever the entry is freed: a stale handle of a
/// reused entry matches nothing. One <see cref="Lock"/> guards the entries and slots and is held for O(1) work per
/// timer; callbacks run outside it and may schedule and cancel (themselves or others) freely. A timer collected
/// for firing can still be cancelled until its callback starts. Timers scheduled while an <see cref="Advance"/> is
/// firing (even with a zero delay) fire at the next <see cref="Advance"/>.
/// </para>
/// </remarks>
public sealed class TimerWheel : IDisposable
{
    private const int Level0Bits = 8;
    private const int Level0Size = 1 << Level0Bits;
    private const long Level0Mask = Level0Size - 1;
    private const int LevelBits = 6;
    private const int LevelSize = 1 << LevelBits;
    private const long LevelMask = LevelSize - 1;
    private const int UpperLevels = 4;
    private const int SlotCount = Level0Size + (UpperLevels * LevelSize);

    /// <summary>The furthest a timer is placed from the cursor (level 4's reach); further ones are re-placed later.</summary>
    private const long MaxPlacementDelta = (1L << (Level0Bits + (UpperLevels * LevelBits))) - 1;

    private const int None = -1;
    private const int FreeSlot = -1;
    private const int CollectedSlot = -2;
    private const int DefaultCapacity = 1024;

    private readonly TimeProvider _time;
    private readonly TimeSpan _resolution;
    private readonly long _resolutionTicks;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private readonly Lock _advanceGate = new();
    private readonly int[] _heads = new int[SlotCount];
    private readonly int[] _levelCounts = new int[UpperLevels + 1];
    private readonly CancellationTokenSource _stop = new();

    // Guarded by _lock.
    private Entry[] _entries;
    private int _freeHead;
    private long _cursor;
    private bool _cursorPrepared;
    private long _sequence;
    private int _live;
    private bool _disposed;

    // Owned by the thread holding _advanceGate (filled under _lock).
    private DueTimer[] _due = new DueTimer[256];

    public TimerWheel(TimeProvider time, TimeSpan resolution)
        : this(time, resolution, DefaultCapacity)
    {
    }

    /// <param name="time">The clock: monotonic timestamps, and the ticks of <see cref="RunAsync"/>.</param>
    /// <param name="resolution">One tick of the wheel: how often <see cref="RunAsync"/> advances it.</param>
    /// <param name="initialCapacity">Timer entries allocated up front; the pool doubles when they are all in use.</param>
    public TimerWheel(TimeProvider time, TimeSpan resolution, int initialCapacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resolution, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        _time = time;
        _resolution = resolution;
        _resolutionTicks = resolution.Ticks;
        _origin = time.GetTimestamp();
        Array.Fill(_heads, None);
        _entries = new Entry[initialCapacity];
        ChainFree(0);
        _freeHead = 0;
    }

    /// <summary>One tick of the wheel.</summary>
    public TimeSpan Resolution => _resolution;

    /// <summary>
    /// Called (on the firing thread) with any exception a timer callback throws; the wheel goes on with the next timer
    /// either way. An exception thrown by this handler is ignored.
    /// </summary>
    public Action<Exception>? OnCallbackError { get; set; }

    /// <summary>Pending timers.</summary>
    public int Count => Volatile.Read(ref _live);

    /// <summary>
    /// Fires <paramref name="target"/>'s <see cref="ITimerTarget.OnTimer"/> with <paramref name="tag"/> once
    /// <paramref name="delay"/> has passed; zero or negative fires at the next <see cref="Advance"/>.
    /// </summary>
    public TimerHandle Schedule(TimeSpan delay, ITimerTarget target, int tag)
    {
        ArgumentNullException.ThrowIfNull(target);
        var now = Now();
        var delayTicks = delay.Ticks;
        var deadline = delayTicks > long.MaxValue - now ? long.MaxValue : now + delayTicks;
        var tick = deadline >= 0 ? deadline / _resolutionTicks : -1;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freeHead == None)
            {
                Grow();
            }

            var index = _freeHead;
            ref var entry = ref _entries[index];
            _freeHead = entry.Next;
            entry.Target = target;
            entry.Tag = tag;
            entry.Deadline = deadline;
            entry.Tick = tick;
            entry.Sequence = _sequence++;
            Link(index, SlotFor(tick));
            _live++;
            return new TimerHandle(((long)entry.Generation << 32) | (uint)(index + 1));
        }
    }

    /// <summary>True when the timer was pending and is now cancelled; false when it already fired or was cancelled.</summary>
    public bool Cancel(TimerHandle handle)
    {
        var index = (int)(uint)handle.Id - 1;
        var generation = (uint)(handle.Id >>> 32);
        lock (_lock)
        {
            if (_disposed || index < 0 || index >= _entries.Length)
            {
                return false;
            }

            ref var entry = ref _entries[index];
            if (entry.Generation != generation || entry.Slot == FreeSlot)
            {
                return false;
            }

            if (entry.Slot != CollectedSlot)
            {
                Unlink(index);
            }

            Release(index);
            return true;
        }
    }

    /// <summary>Fires every timer due at the provider's current time, on the calling thread; returns how many fired.</summary>
    /// <remarks>
    /// Calls from several threads are serialised; a call from inside a timer callback returns 0 (the timers it would
    /// fire are left to the next call).
    /// </remarks>
    public int Advance()
    {
        if (_advanceGate.IsHeldByCurrentThread || Volatile.Read(ref _disposed))
        {
            return 0;
        }

        lock (_advanceGate)
        {
            var count = Collect(Now());
            if (count == 0)
            {
                return 0;
            }

            var due = _due.AsSpan(0, count);
            if (count > 1)
            {
                due.Sort(static (a, b) => a.Deadline != b.Deadline ? a.Deadline.CompareTo(b.Deadline) : a.Sequence.CompareTo(b.Sequence));
            }

            var fired = 0;
            for (var i = 0; i < due.Length; i++)
            {
                ITimerTarget target;
                int tag;
                lock (_lock)
                {
                    if (_disposed)
                    {
                        break;
                    }

                    ref var entry = ref _entries[due[i].Index];
                    if (entry.Generation != due[i].Generation || entry.Slot != CollectedSlot)
                    {
                        continue;
                    }

                    target = entry.Target!;
                    tag = entry.Tag;
                    Release(due[i].Index);
                }

                fired++;
                try
                {
                    target.OnTimer(tag);
                }
                catch (Exception exception)
                {
                    ReportError(exception);
                }
            }

            return fired;
        }
    }

    /// <summary>Ticks every resolution (a <see cref="TimeProvider"/> timer) until cancelled, firing due timers.</summary>
    /// <remarks>Completes (without throwing) when <paramref name="cancellationToken"/> is cancelled or the wheel is disposed.</remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        using var timer = new PeriodicTimer(_resolution, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(linked.Token).ConfigureAwait(false))
            {
                Advance();
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops <see cref="RunAsync"/> and drops every pending timer; later schedules throw.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Array.Clear(_entries);
            Array.Fill(_heads, None);
            Array.Clear(_levelCounts);
            _freeHead = None;
            _live = 0;
        }

        _stop.Cancel();
        _stop.Dispose();
    }

    /// <summary>Time since the wheel was created, in 100 ns units.</summary>
    private long Now() => _time.GetElapsedTime(_origin).Ticks;

    /// <summary>Moves every timer due at <paramref name="now"/> into <see cref="_due"/>; returns how many.</summary>
    private int Collect(long now)
    {
        var nowTick = now / _resolutionTicks;
        var count = 0;
        while (true)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return 0;
                }

                if (!_cursorPrepared)
                {
                    if (_levelCounts[0] == 0 && _cursor < nowTick)
                    {
                        _cursor = NextCascade(nowTick);
                    }

                    Cascade();
                    _cursorPrepared = true;
                }

                // A tick before now has ended: all of its slot is due. The current tick is open: only what is due yet.
                var ended = _cursor < nowTick;
                var slot = (int)(_cursor & Level0Mask);
                var index = _heads[slot];
                while (index != None)
                {
                    ref var entry = ref _entries[index];
                    var next = entry.Next;
                    if (ended || entry.Deadline <= now)
                    {
                        Unlink(index);
                        entry.Slot = CollectedSlot;
                        if (count == _due.Length)
                        {
                            Array.Resize(ref _due, _due.Length * 2);
                        }

                        _due[count++] = new DueTimer(entry.Deadline, entry.Sequence, index, entry.Generation);
                    }

                    index = next;
                }

                if (!ended)
                {
                    return count;
                }

                _cursor++;
                _cursorPrepared = false;
            }
        }
    }

    /// <summary>
    /// With level 0 empty, nothing can fall due before the next tick at which a non-empty level is cascaded: the
    /// cursor skips there (or to <paramref name="nowTick"/> if sooner) instead of walking the empty ticks between.
    /// </summary>
    private long NextCascade(long nowTick)
    {
        var shift = Level0Bits;
        for (var level = 1; level <= UpperLevels; level++, shift += LevelBits)
        {
            if (_levelCounts[level] > 0)
            {
                var blockMask = (1L << shift) - 1;
                return Math.Min(nowTick, (_cursor + blockMask) & ~blockMask);
            }
        }

        return nowTick;
    }

    /// <summary>Entering a block of level 0: the upper-level slots that start here are placed again, closer.</summary>
    private void Cascade()
    {
        if ((_cursor & Level0Mask) != 0)
        {
            return;
        }

        var shift = Level0Bits;
        for (var level = 0; level < UpperLevels; level++, shift += LevelBits)
        {
            var position = (int)((_cursor >> shift) & LevelMask);
            var slot = Level0Size + (level * LevelSize) + position;
            var index = _heads[slot];
            _heads[slot] = None;
            while (index != None)
            {
                ref var entry = ref _entries[index];
                var next = entry.Next;
                _levelCounts[level + 1]--;
                Link(index, SlotFor(entry.Tick));
                index = next;
            }

            if (position != 0)
            {
                return;
            }
        }
    }

    /// <summary>The slot of a timer due in <paramref name="tick"/>, seen from the cursor.</summary>
    private int SlotFor(long tick)
    {
        var delta = tick - _cursor;
        if (delta < Level0Size)
        {
            // Overdue timers go to the cursor's slot, which the next Advance reads.
            return (int)((delta < 0 ? _cursor : tick) & Level0Mask);
        }

        if (delta > MaxPlacementDelta)
        {
            tick = _cursor + MaxPlacementDelta;
            delta = MaxPlacementDelta;
        }

        var shift = Level0Bits;
        for (var level = 0; level < UpperLevels; level++, shift += LevelBits)
        {
            if (delta < 1L << (shift + LevelBits))
            {
                return Level0Size + (level * LevelSize) + (int)((tick >> shift) & LevelMask);
            }
        }

        throw new InvalidOperationException("unreachable: the delta is clamped to the top level");
    }

    private void Link(int index, int slot)
    {
        ref var entry = ref _entries[index];
        var head = _heads[slot];
        entry.Slot = slot;
        entry.Prev = None;
        entry.Next = head;
        if (head != None)
        {
            _entries[head].Prev = index;
        }

        _heads[slot] = index;
        _levelCounts[LevelOf(slot)]++;
    }

    private static int LevelOf(int slot) => slot < Level0Size ? 0 : 1 + ((slot - Level0Size) >> LevelBits);

    private void Unlink(int index)
    {
        ref var entry = ref _entries[index];
        if (entry.Prev == None)
        {
            _heads[entry.Slot] = entry.Next;
        }
        else
        {
            _entries[entry.Prev].Next = entry.Next;
        }

        if (entry.Next != None)
        {
            _entries[entry.Next].Prev = entry.Prev;
        }

        _levelCounts[LevelOf(entry.Slot)]--;
    }

    /// <summary>Returns an entry (already out of its slot) to the free list; its handles go stale.</summary>
    private void Release(int index)
    {
        ref var entry = ref _entries[index];
        entry.Generation++;
        entry.Target = null;
        entry.Slot = FreeSlot;
        entry.Prev = None;
        entry.Next = _freeHead;
        _freeHead = index;
        _live--;
    }

    private void Grow()
    {
        var start = _entries.Length;
        Array.Resize(ref _entries, start * 2);
        ChainFree(start);
        _freeHead = start;
    }

    /// <summary>Links the entries from <paramref name="start"/> to the end into a free list (the last ends it).</summary>
    private void ChainFree(int start)
    {
        for (var i = start; i < _entries.Length; i++)
        {
            ref var entry = ref _entries[i];
            entry.Slot = FreeSlot;
            entry.Prev = None;
            entry.Next = i + 1 < _entries.Length ? i + 1 : None;
        }
    }

    private void ReportError(Exception exception)
    {
        try
        {
            OnCallbackError?.Invoke(exception);
        }
        catch (Exception)
        {
            // The handler's own failure must not stop the wheel either.
        }
    }

    private struct Entry
    {
        public ITimerTarget? Target;

        /// <summary>Exact deadline, 100 ns units since the wheel was created.</summary>
        public long Deadline;

        /// <summary>The tick the deadline falls in (<see cref="Deadline"/> / resolution).</summary>
        public long Tick;

        /// <summary>Schedule order, to break deadline ties.</summary>
        public long Sequence;
        public int Tag;
        public int Next;
        public int Prev;

        /// <summary>The slot the entry is linked in, or <see cref="FreeSlot"/>, or <see cref="CollectedSlot"/>.</summary>
        public int Slot;
        public uint Generation;
    }

    private readonly record struct DueTimer(long Deadline, long Sequence, int Index, uint Generation);
}
