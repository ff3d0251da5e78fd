using Parley.Transactions.StateMachines;
using Parley.Transactions.Timers;

namespace Parley.Transactions.Proxy;

/// <summary>
/// The timers of one state machine on the shared wheel. A restart makes the earlier schedule stale: each start
/// carries a sequence number in its tag, and a firing whose number is no longer current is ignored (the wheel may
/// already be firing it when the owner restarts it under the transaction lock).
/// </summary>
internal sealed class MachineTimers(TimerWheel wheel, Action<TransactionTimer> fire) : ITransactionTimers, ITimerTarget
{
    private const int Kinds = 12;
    private readonly TimerHandle[] _handles = new TimerHandle[Kinds];
    private readonly int[] _sequence = new int[Kinds];

    /// <summary>The lock the owner's machine runs under; set by the owner.</summary>
    public Lock? Gate { get; set; }

    public void Start(TransactionTimer timer, TimeSpan after)
    {
        var i = (int)timer;
        if (_handles[i].Id != 0)
        {
            wheel.Cancel(_handles[i]);
        }

        var sequence = ++_sequence[i] & 0x7FFFFF;
        _handles[i] = wheel.Schedule(after, this, (sequence << 4) | i);
    }

    public void Stop(TransactionTimer timer)
    {
        var i = (int)timer;
        if (_handles[i].Id != 0)
        {
            wheel.Cancel(_handles[i]);
            _handles[i] = default;
        }

        _sequence[i]++;
    }

    public void StopAll()
    {
        for (var i = 0; i < Kinds; i++)
        {
            if (_handles[i].Id != 0)
            {
                Stop((TransactionTimer)i);
            }
        }
    }

    public void OnTimer(int tag)
    {
        var i = tag & 0xF;
        var gate = Gate ?? throw new InvalidOperationException("MachineTimers without a gate");
        lock (gate)
        {
            if ((uint)i >= Kinds || (_sequence[i] & 0x7FFFFF) != (tag >> 4))
            {
                return; // restarted or stopped since this firing was scheduled
            }

            _handles[i] = default;
            fire((TransactionTimer)i);
        }
    }
}
