using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Tests.StateMachines;

/// <summary>RFC 3261 §17.1.1 (Figure 5) with RFC 6026 §7.2 (Accepted), timed as OpenSIPS's tm (§9.4).</summary>
public sealed class ClientInviteTransactionTests
{
    private readonly Rig _rig = new();

    private ClientInviteTransaction Create(bool reliable, TransactionTimings? timings = null) =>
        new(reliable, timings ?? Rig.Timings, _rig.Timers, _rig.Client);

    private ClientInviteTransaction Started(bool reliable, TransactionTimings? timings = null)
    {
        var machine = Create(reliable, timings);
        machine.Start();
        _rig.Log.Take();
        return machine;
    }

    private ClientInviteTransaction Proceeding(bool reliable, int provisional = 180)
    {
        var machine = Started(reliable);
        machine.OnResponse(provisional);
        _rig.Log.Take();
        return machine;
    }

    [Fact]
    public void Constructor_BeforeStart_IsCallingWithNoTimer()
    {
        var machine = Create(reliable: false);

        Assert.Equal(ClientInviteState.Calling, machine.State);
        Assert.Equal(0, machine.LastStatus);
        Assert.False(machine.ProvisionalReceived);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void Start_Unreliable_StartsAAtT1AndBAtFrTimeout()
    {
        var machine = Create(reliable: false);

        machine.Start();

        Assert.Equal(["start A 0.5s", "start B 30s"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Calling, machine.State);
    }

    [Fact]
    public void Start_Reliable_StartsOnlyB()
    {
        var machine = Create(reliable: true);

        machine.Start();

        Assert.Equal(["start B 30s"], _rig.Log.Take());
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        var machine = Started(reliable: false);

        Assert.Throws<InvalidOperationException>(machine.Start);
    }

    [Fact]
    public void OnTimer_A_RetransmitsAt05_15_35_75ThenEvery4Seconds()
    {
        var machine = Started(reliable: false);
        var intervals = new List<double>();
        var sentAt = new List<double>();
        var clock = 0.0;

        for (var i = 0; i < 6; i++)
        {
            var waited = _rig.Timers.Fire(TransactionTimer.A, machine.OnTimer);
            intervals.Add(waited.TotalSeconds);
            clock += waited.TotalSeconds;
            sentAt.Add(clock);
        }

        Assert.Equal([0.5, 1, 2, 4, 4, 4], intervals);
        Assert.Equal([0.5, 1.5, 3.5, 7.5, 11.5, 15.5], sentAt);
        Assert.Equal(
            ["retransmit request", "start A 1s", "retransmit request", "start A 2s", "retransmit request", "start A 4s"],
            _rig.Log.Take()[..6]);
        Assert.Equal(ClientInviteState.Calling, machine.State);
        Assert.Equal(TimeSpan.FromSeconds(30), _rig.Timers.Running[TransactionTimer.B]);
    }

    [Fact]
    public void OnTimer_A_WithOtherT1AndT2_IsCappedAtT2()
    {
        var timings = Rig.Timings with { T1 = TimeSpan.FromSeconds(1), T2 = TimeSpan.FromSeconds(3) };
        var machine = Started(reliable: false, timings);
        var intervals = new List<double>();

        for (var i = 0; i < 4; i++)
        {
            intervals.Add(_rig.Timers.Fire(TransactionTimer.A, machine.OnTimer).TotalSeconds);
        }

        Assert.Equal([1, 2, 3, 3], intervals);
    }

    [Fact]
    public void OnResponse_ProvisionalInCalling_StopsAMovesBToFrInvAndPassesItUp()
    {
        var machine = Started(reliable: false);

        machine.OnResponse(180);

        Assert.Equal(["stop A", "start B 120s", "pass 180"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Proceeding, machine.State);
        Assert.Equal(180, machine.LastStatus);
        Assert.True(machine.ProvisionalReceived);
    }

    [Fact]
    public void OnResponse_100OnReliable_MovesBToFrInvAndPassesItUp()
    {
        var machine = Started(reliable: true);

        machine.OnResponse(100);

        Assert.Equal(["start B 120s", "pass 100"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Proceeding, machine.State);
        Assert.True(machine.ProvisionalReceived);
    }

    [Fact]
    public void OnResponse_EveryProvisionalWithRestartFrOnEachReply_RestartsB()
    {
        var machine = Started(reliable: true);

        foreach (var status in new[] { 100, 183, 180, 180, 100 })
        {
            machine.OnResponse(status);
            Assert.Equal(["start B 120s", $"pass {status}"], _rig.Log.Take());
        }

        Assert.Equal(ClientInviteState.Proceeding, machine.State);
    }

    [Theory]
    [InlineData(new[] { 100 }, true)] // the first provisional always moves B to fr_inv
    [InlineData(new[] { 183 }, true)]
    [InlineData(new[] { 100, 101 }, false)] // higher, but below 180
    [InlineData(new[] { 100, 180 }, true)] // higher and ≥ 180
    [InlineData(new[] { 180, 180 }, false)] // the same code again
    [InlineData(new[] { 180, 183 }, true)]
    [InlineData(new[] { 183, 180 }, false)] // lower
    [InlineData(new[] { 100, 183, 180, 181 }, true)] // compared with the last received (180), not the highest (183)
    public void OnResponse_ProvisionalWithoutRestartFrOnEachReply_RestartsBOnlyForFirstOrHigherFrom180(int[] statuses, bool restartedByLast)
    {
        var machine = Started(reliable: true, Rig.Timings with { RestartFrOnEachReply = false });
        for (var i = 0; i < statuses.Length - 1; i++)
        {
            machine.OnResponse(statuses[i]);
        }

        _rig.Log.Take();
        var last = statuses[^1];

        machine.OnResponse(last);

        string[] expected = restartedByLast ? ["start B 120s", $"pass {last}"] : [$"pass {last}"];
        Assert.Equal(expected, _rig.Log.Take());
    }

    [Fact]
    public void Timings_FrInvChangedBeforeAProvisional_IsUsedForB()
    {
        // $T_fr_inv_timeout may be set in an onreply route and still take effect.
        var machine = Started(reliable: true);

        machine.Timings = machine.Timings with { InviteFinalResponse = TimeSpan.FromSeconds(60) };
        machine.OnResponse(180);

        Assert.Equal(["start B 60s", "pass 180"], _rig.Log.Take());
    }

    [Fact]
    public void OnTimer_AAfterAProvisionalStoppedIt_IsIgnored()
    {
        var machine = Proceeding(reliable: false);

        machine.OnTimer(TransactionTimer.A);

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ClientInviteState.Proceeding, machine.State);
    }

    [Fact]
    public void OnResponse_2xxInCalling_StopsAAndBStartsMAndPassesItUp()
    {
        var machine = Started(reliable: false);

        machine.OnResponse(200);

        Assert.Equal(["stop A", "stop B", "start M 5s", "pass 200"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Accepted, machine.State);
        Assert.Equal(200, machine.LastStatus);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnResponse_2xxInProceeding_MovesToAcceptedWithMOnEveryTransport(bool reliable)
    {
        var machine = Proceeding(reliable);

        machine.OnResponse(200);

        Assert.Equal(["stop B", "start M 5s", "pass 200"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Accepted, machine.State);
    }

    [Fact]
    public void OnResponse_2xxRetransmissionInAccepted_IsPassedUpAgain()
    {
        var machine = Proceeding(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnResponse(200);
        machine.OnResponse(202);

        Assert.Equal(["pass 200", "pass 202"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Accepted, machine.State);
        Assert.True(_rig.Timers.IsRunning(TransactionTimer.M));
    }

    [Theory]
    [InlineData(180)]
    [InlineData(486)]
    public void OnResponse_NonSuccessInAccepted_IsIgnored(int status)
    {
        var machine = Proceeding(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnResponse(status);

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(200, machine.LastStatus);
    }

    [Fact]
    public void OnTimer_MInAccepted_Terminates()
    {
        var machine = Proceeding(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.M, machine.OnTimer);

        Assert.Equal(["terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnResponse_486InCalling_StopsAAndBAcksPassesUpAndStartsD()
    {
        var machine = Started(reliable: false);

        machine.OnResponse(486);

        Assert.Equal(["stop A", "stop B", "start D 5s", "ack", "pass 486"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Completed, machine.State);
        Assert.Equal(486, machine.LastStatus);
    }

    [Fact]
    public void OnResponse_487InProceedingOnUnreliable_AcksPassesUpAndStartsD()
    {
        var machine = Proceeding(reliable: false);

        machine.OnResponse(487);

        Assert.Equal(["stop B", "start D 5s", "ack", "pass 487"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Completed, machine.State);
    }

    [Fact]
    public void OnResponse_NegativeFinalOnReliable_AcksPassesUpAndTerminatesAtOnce()
    {
        var machine = Proceeding(reliable: true);

        machine.OnResponse(603);

        Assert.Equal(["stop B", "ack", "pass 603", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
        Assert.Equal(603, machine.LastStatus);
    }

    [Fact]
    public void OnResponse_RetransmittedFinalInCompleted_IsAckedButNotPassedUp()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(404);
        _rig.Log.Take();

        machine.OnResponse(404);
        machine.OnResponse(404);

        Assert.Equal(["ack", "ack"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Completed, machine.State);
    }

    [Theory]
    [InlineData(183)]
    [InlineData(200)]
    public void OnResponse_ProvisionalOr2xxInCompleted_IsIgnored(int status)
    {
        var machine = Started(reliable: false);
        machine.OnResponse(404);
        _rig.Log.Take();

        machine.OnResponse(status);

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(404, machine.LastStatus);
    }

    [Fact]
    public void OnTimer_DInCompleted_Terminates()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(404);
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.D, machine.OnTimer);

        Assert.Equal(["terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnTimer_BInCallingWithNoReply_StopsATimesOutAndTerminates()
    {
        var machine = Started(reliable: false);
        _rig.Timers.Fire(TransactionTimer.A, machine.OnTimer);
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.B, machine.OnTimer);

        Assert.Equal(["stop A", "timed out (provisional: False)", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
        Assert.Empty(_rig.Timers.Running);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnTimer_BInProceeding_TimesOutWithProvisionalAndTerminates(bool reliable)
    {
        var machine = Proceeding(reliable);

        var waited = _rig.Timers.Fire(TransactionTimer.B, machine.OnTimer);

        Assert.Equal(TimeSpan.FromSeconds(120), waited);
        Assert.Equal(["timed out (provisional: True)", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
    }

    [Theory]
    [InlineData(487)]
    [InlineData(200)]
    [InlineData(180)]
    public void OnResponse_AfterTimeout_IsNotPassedUp(int status)
    {
        var machine = Proceeding(reliable: false);
        _rig.Timers.Fire(TransactionTimer.B, machine.OnTimer);
        _rig.Log.Take();

        machine.OnResponse(status);

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnTransportError_Calling_TimesOutAndTerminates()
    {
        var machine = Started(reliable: false);

        machine.OnTransportError();

        Assert.Equal(["stop A", "stop B", "timed out (provisional: False)", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnTransportError_Proceeding_TimesOutWithProvisionalAndTerminates()
    {
        var machine = Proceeding(reliable: true);

        machine.OnTransportError();

        Assert.Equal(["stop B", "timed out (provisional: True)", "terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnTransportError_Completed_StopsDAndTerminatesWithoutTimingOut()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(486);
        _rig.Log.Take();

        machine.OnTransportError();

        Assert.Equal(["stop D", "terminated"], _rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnTransportError_Accepted_IsIgnored()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnTransportError();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ClientInviteState.Accepted, machine.State);
    }

    [Fact]
    public void AllInputs_Terminated_AreIgnored()
    {
        var machine = Started(reliable: false);
        machine.OnResponse(200);
        _rig.Timers.Fire(TransactionTimer.M, machine.OnTimer);
        _rig.Log.Take();

        foreach (var status in new[] { 100, 180, 200, 404, 487, 603 })
        {
            machine.OnResponse(status);
        }

        foreach (var timer in Enum.GetValues<TransactionTimer>())
        {
            machine.OnTimer(timer);
        }

        machine.OnTransportError();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ClientInviteState.Terminated, machine.State);
        Assert.Equal(200, machine.LastStatus);
        Assert.Throws<InvalidOperationException>(machine.Start);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void OnResponse_StatusOutOfRange_Throws(int status)
    {
        var machine = Started(reliable: false);

        Assert.Throws<ArgumentOutOfRangeException>(() => machine.OnResponse(status));
    }
}
