using System.Globalization;
using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Tests.StateMachines;

/// <summary>
/// One ordered log of everything a machine asked for (timer starts/stops and actions), so a test can check the exact
/// sequence: "start A 0.5s", "stop B", "retransmit request", "ack", "pass 180", "timed out (provisional: True)", "terminated".
/// </summary>
internal sealed class EventLog
{
    private readonly List<string> _events = [];

    public void Add(string text) => _events.Add(text);

    /// <summary>The events since the last call, and forgets them.</summary>
    public string[] Take()
    {
        var taken = _events.ToArray();
        _events.Clear();
        return taken;
    }
}

/// <summary>
/// Records Start/Stop with durations and keeps which timers run: stopping a timer that is not running fails the test
/// (every Stop must be exact), and <see cref="Fire"/> only fires a running timer, as a real owner would.
/// </summary>
internal sealed class RecordingTimers(EventLog log) : ITransactionTimers
{
    private readonly Dictionary<TransactionTimer, TimeSpan> _running = [];

    public IReadOnlyDictionary<TransactionTimer, TimeSpan> Running => _running;

    /// <summary>Every Start, in order, with its duration.</summary>
    public List<(TransactionTimer Timer, TimeSpan After)> Starts { get; } = [];

    public void Start(TransactionTimer timer, TimeSpan after)
    {
        _running[timer] = after;
        Starts.Add((timer, after));
        log.Add(string.Create(CultureInfo.InvariantCulture, $"start {timer} {after.TotalSeconds}s"));
    }

    public void Stop(TransactionTimer timer)
    {
        Assert.True(_running.Remove(timer), $"Stop({timer}) for a timer that is not running");
        log.Add($"stop {timer}");
    }

    public bool IsRunning(TransactionTimer timer) => _running.ContainsKey(timer);

    /// <summary>The timer expires: it must be running; it stops running, then the machine is told.</summary>
    public TimeSpan Fire(TransactionTimer timer, Action<TransactionTimer> onTimer)
    {
        Assert.True(_running.Remove(timer, out var after), $"{timer} fired but is not running");
        onTimer(timer);
        return after;
    }
}

internal sealed class FakeServerActions(EventLog log) : IServerTransactionActions
{
    public void RetransmitLastResponse() => log.Add("retransmit response");

    public void Terminated() => log.Add("terminated");
}

internal sealed class FakeClientActions(EventLog log) : IClientTransactionActions
{
    public void RetransmitRequest() => log.Add("retransmit request");

    public void SendAck() => log.Add("ack");

    public void PassToTransactionUser(int statusCode) => log.Add(string.Create(CultureInfo.InvariantCulture, $"pass {statusCode}"));

    public void TimedOut(bool provisionalReceived) => log.Add($"timed out (provisional: {provisionalReceived})");

    public void Terminated() => log.Add("terminated");
}

/// <summary>A log, timers and both action fakes writing to it. Default timings: T1 0.5 s, T2 4 s, FR 30 s, FR_INV 120 s, WT 5 s.</summary>
internal sealed class Rig
{
    public Rig() => (Timers, Server, Client) = (new RecordingTimers(Log), new FakeServerActions(Log), new FakeClientActions(Log));

    public EventLog Log { get; } = new();

    public RecordingTimers Timers { get; }

    public FakeServerActions Server { get; }

    public FakeClientActions Client { get; }

    public static TransactionTimings Timings { get; } = new();
}
