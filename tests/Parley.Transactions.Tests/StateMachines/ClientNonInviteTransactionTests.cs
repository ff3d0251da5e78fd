using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Tests.StateMachines;

/// <summary>RFC 3261 §17.1.2 (Figure 6), timed as OpenSIPS's tm (§9.4).</summary>
public sealed class ClientNonInviteTransactionTests
{
    private readonly Rig _rig = new();

    private ClientNonInviteTransaction Started(bool reliable, TransactionTimings? timings = null)
    {
        var machine = new ClientNonInviteTransaction(reliable, timings ?? Rig.Timings, _rig.Timers, _rig.Client);
        machine.Start();
        _rig.Log.Take();
        return machine;
    }

    private ClientNonInviteTransaction Proceeding(bool reliable, TransactionTimings? timings = null)
    {
        var machine = Started(reliable, timings);
        machine.OnResponse(100);
        _rig.Log.Take();
        return machine;
    }

    [Fact]
    public void Start_Unreliable_StartsEAtT1AndFAtFrTimeout()
    {
        var machine = new ClientNonInviteTransaction(false, Rig.Timings, _rig.Timers, _rig.Client);
        Assert.Equal(ClientNonInviteState.Trying, machine.State);

        machine.Start();

        Assert.Equal(["start E 0.5s", "start F 30s"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Trying, machine.State);
        Assert.Equal(0, machine.LastStatus);
        Assert.False(machine.ProvisionalReceived);
    }

    [Fact]
    public void Start_Reliable_StartsOnlyF()
    {
        var machine = new ClientNonInviteTransaction(true, Rig.Timings, _rig.Timers, _rig.Client);

        machine.Start();

        Assert.Equal(["start F 30s"], _rig.Log.Take());
        Assert.Throws<InvalidOperationException>(machine.Start);
    }

    [Fact]
    public void OnTimer_EInTrying_RetransmitsDoublingFromT1CappedAtT2()
    {
        var machine = Started(reliable: false);
        var intervals = new List<double>();

        for (var i = 0; i < 6; i++)
        {
            intervals.Add(_rig.Timers.Fire(TransactionTimer.E, machine.OnTimer).TotalSeconds);
        }

        Assert.Equal([0.5, 1, 2, 4, 4, 4], intervals);
        Assert.Equal(6, Array.FindAll(_rig.Log.Take(), e => e == "retransmit request").Length);
        Assert.Equal(ClientNonInviteState.Trying, machine.State);
    }

    [Fact]
    public void OnResponse_ProvisionalInTryingOnUnreliable_RestartsEAtT2AndPassesItUp()
    {
        var machine = Started(reliable: false);

        machine.OnResponse(100);

        Assert.Equal(["stop E", "start E 4s", "pass 100"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Proceeding, machine.State);
        Assert.Equal(100, machine.LastStatus);
        Assert.True(machine.ProvisionalReceived);
        Assert.Equal(TimeSpan.FromSeconds(30), _rig.Timers.Running[TransactionTimer.F]);
    }

    [Fact]
    public void OnResponse_ProvisionalOnReliable_PassesItUpWithoutTimers()
    {
        var machine = Started(reliable: true);

        machine.OnResponse(100);

        Assert.Equal(["pass 100"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Proceeding, machine.State);
    }

    [Fact]
    public void OnTimer_EInProceeding_RetransmitsEveryT2()
    {
        var machine = Proceeding(reliable: false);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.FromSeconds(4), _rig.Timers.Fire(TransactionTimer.E, machine.OnTimer));
        }

        Assert.Equal(
            ["retransmit request", "start E 4s", "retransmit request", "start E 4s", "retransmit request", "start E 4s"],
            _rig.Log.Take());
    }

    [Fact]
    public void OnResponse_RepeatedProvisionalWithRestartFrOnEachReply_RestartsEAtT2()
    {
        var machine = Proceeding(reliable: false);

        machine.OnResponse(100);

        Assert.Equal(["stop E", "start E 4s", "pass 100"], _rig.Log.Take());
    }

    [Fact]
    public void OnResponse_RepeatedProvisionalWithoutRestartFrOnEachReply_LeavesEStopped()
    {
        // OpenSIPS reply_received(): every reply stops retransmission; it restarts at T2 only under the FR rule.
        var machine = Proceeding(reliable: false, Rig.Timings with { RestartFrOnEachReply = false });

        machine.OnResponse(100);

        Assert.Equal(["stop E", "pass 100"], _rig.Log.Take());
        Assert.False(_rig.Timers.IsRunning(TransactionTimer.E));

        machine.OnResponse(180);

        Assert.Equal(["start E 4s", "pass 180"], _rig.Log.Take());
    }

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    public void OnResponse_FinalInTryingOnUnreliable_StopsEAndFStartsKAndPassesItUp(int status)
    {
        var machine = Started(reliable: false);

        machine.OnResponse(status);

        Assert.Equal(["stop E", "stop F", "start K 5s", $"pass {status}"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Completed, machine.State);
        Assert.Equal(status, machine.LastStatus);
    }

    [Fact]
    public void OnResponse_FinalInProceedingOnUnreliable_Completes()
    {
        var machine = Proceeding(reliable: false);

        machine.OnResponse(200);

        Assert.Equal(["stop E", "stop F", "start K 5s", "pass 200"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Completed, machine.State);
    }

    [Fact]
    public void OnResponse_FinalOnReliable_PassesItUpAndTerminatesAtOnce()
    {
        var machine = Proceeding(reliable: true);

        machine.OnResponse(481);

        Assert.Equal(["stop F", "pass 481", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Terminated, machine.State);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200)]
    [InlineData(500)]
    public void OnResponse_AnythingInCompleted_IsAbsorbed(int status)
    {
        var machine = Started(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnResponse(status);

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(200, machine.LastStatus);
        Assert.Equal(ClientNonInviteState.Completed, machine.State);
    }

    [Fact]
    public void OnTimer_KInCompleted_Terminates()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.K, machine.OnTimer);

        Assert.Equal(["terminated"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnTimer_FInTrying_StopsETimesOutAndTerminates()
    {
        var machine = Started(reliable: false);

        _rig.Timers.Fire(TransactionTimer.F, machine.OnTimer);

        Assert.Equal(["stop E", "timed out (provisional: False)", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Terminated, machine.State);
        Assert.Empty(_rig.Timers.Running);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnTimer_FInProceeding_TimesOutWithProvisional(bool reliable)
    {
        var machine = Proceeding(reliable);

        _rig.Timers.Fire(TransactionTimer.F, machine.OnTimer);

        string[] expected = reliable
            ? ["timed out (provisional: True)", "terminated"]
            : ["stop E", "timed out (provisional: True)", "terminated"];
        Assert.Equal(expected, _rig.Log.Take());
    }

    [Fact]
    public void OnResponse_AfterTimeout_IsNotPassedUp()
    {
        var machine = Started(reliable: false);
        _rig.Timers.Fire(TransactionTimer.F, machine.OnTimer);
        _rig.Log.Take();

        machine.OnResponse(200);

        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnTransportError_Trying_TimesOutAndTerminates()
    {
        var machine = Started(reliable: false);

        machine.OnTransportError();

        Assert.Equal(["stop E", "stop F", "timed out (provisional: False)", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnTransportError_Proceeding_TimesOutWithProvisional()
    {
        var machine = Proceeding(reliable: true);

        machine.OnTransportError();

        Assert.Equal(["stop F", "timed out (provisional: True)", "terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnTransportError_Completed_IsIgnored()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnTransportError();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Completed, machine.State);
    }

    [Fact]
    public void OnTimer_EAfterFinalStoppedIt_IsIgnored()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnTimer(TransactionTimer.E);
        machine.OnTimer(TransactionTimer.F);

        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void AllInputs_Terminated_AreIgnored()
    {
        var machine = Started(reliable: true);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnResponse(100);
        machine.OnResponse(200);
        foreach (var timer in Enum.GetValues<TransactionTimer>())
        {
            machine.OnTimer(timer);
        }

        machine.OnTransportError();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ClientNonInviteState.Terminated, machine.State);
    }
}
