using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Tests.StateMachines;

/// <summary>RFC 3261 §17.2.1 (Figure 7) with RFC 6026 §7.1 (Accepted), timed as OpenSIPS's tm.</summary>
public sealed class ServerInviteTransactionTests
{
    private readonly Rig _rig = new();

    private ServerInviteTransaction Create(bool reliable, TransactionTimings? timings = null) =>
        new(reliable, timings ?? Rig.Timings, _rig.Timers, _rig.Server);

    private ServerInviteTransaction Completed(bool reliable, int status = 486)
    {
        var machine = Create(reliable);
        Assert.True(machine.OnResponse(status));
        _rig.Log.Take();
        return machine;
    }

    private ServerInviteTransaction Accepted(bool reliable)
    {
        var machine = Create(reliable);
        Assert.True(machine.OnResponse(200));
        _rig.Log.Take();
        return machine;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Constructor_Always_StartsInProceedingWithNoTimer(bool reliable)
    {
        var machine = Create(reliable);

        Assert.Equal(ServerInviteState.Proceeding, machine.State);
        Assert.Equal(0, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnRequestRetransmission_ProceedingBeforeAnyResponse_SendsNothing()
    {
        var machine = Create(reliable: false);

        machine.OnRequestRetransmission();

        Assert.Empty(_rig.Log.Take());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnResponse_Provisional_StaysInProceedingWithoutTimers(bool reliable)
    {
        var machine = Create(reliable);

        Assert.True(machine.OnResponse(100));
        Assert.True(machine.OnResponse(180));

        Assert.Equal(ServerInviteState.Proceeding, machine.State);
        Assert.Equal(180, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnRequestRetransmission_ProceedingAfterProvisional_RetransmitsIt()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(180);

        machine.OnRequestRetransmission();

        Assert.Equal(["retransmit response"], _rig.Log.Take());
        Assert.Equal(ServerInviteState.Proceeding, machine.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnResponse_2xx_MovesToAcceptedAndStartsTimerLForWtTimer(bool reliable)
    {
        var machine = Create(reliable);
        machine.OnResponse(180);

        Assert.True(machine.OnResponse(200));

        Assert.Equal(ServerInviteState.Accepted, machine.State);
        Assert.Equal(200, machine.LastStatus);
        Assert.Equal(["start L 5s"], _rig.Log.Take());
    }

    [Fact]
    public void OnRequestRetransmission_Accepted_IsAbsorbed()
    {
        var machine = Accepted(reliable: false);

        machine.OnRequestRetransmission();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ServerInviteState.Accepted, machine.State);
    }

    [Fact]
    public void OnResponse_Further2xxInAccepted_IsSentAndTimerLKeepsRunning()
    {
        var machine = Accepted(reliable: false);

        Assert.True(machine.OnResponse(202));

        Assert.Equal(202, machine.LastStatus);
        Assert.Equal(ServerInviteState.Accepted, machine.State);
        Assert.Empty(_rig.Log.Take());
        Assert.True(_rig.Timers.IsRunning(TransactionTimer.L));
    }

    [Theory]
    [InlineData(180)]
    [InlineData(486)]
    public void OnResponse_NonSuccessInAccepted_IsRefused(int status)
    {
        var machine = Accepted(reliable: false);

        Assert.False(machine.OnResponse(status));

        Assert.Equal(200, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnAck_Accepted_IsNotThisTransactions()
    {
        var machine = Accepted(reliable: false);

        Assert.False(machine.OnAck());

        Assert.Equal(ServerInviteState.Accepted, machine.State);
        Assert.Empty(_rig.Log.Take());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnTimer_LInAccepted_Terminates(bool reliable)
    {
        var machine = Accepted(reliable);

        _rig.Timers.Fire(TransactionTimer.L, machine.OnTimer);

        Assert.Equal(ServerInviteState.Terminated, machine.State);
        Assert.Equal(["terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnResponse_486OnUnreliable_StartsGAtT1AndHAtFrTimeout()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(100);

        Assert.True(machine.OnResponse(486));

        Assert.Equal(ServerInviteState.Completed, machine.State);
        Assert.Equal(486, machine.LastStatus);
        Assert.Equal(["start G 0.5s", "start H 30s"], _rig.Log.Take());
    }

    [Fact]
    public void OnResponse_486OnReliable_StartsOnlyH()
    {
        var machine = Create(reliable: true);

        Assert.True(machine.OnResponse(486));

        Assert.Equal(ServerInviteState.Completed, machine.State);
        Assert.Equal(["start H 30s"], _rig.Log.Take());
    }

    [Theory]
    [InlineData(401, false)]
    [InlineData(407, false)]
    [InlineData(401, true)]
    [InlineData(407, true)]
    public void OnResponse_401Or407_IsNeverRetransmittedAndWaitsWtTimer(int status, bool reliable)
    {
        // OpenSIPS t_reply.c: auth challenges are put straight on WAIT, no retransmission (RFC 3261 §26.3.2.4).
        var machine = Create(reliable);

        Assert.True(machine.OnResponse(status));

        Assert.Equal(ServerInviteState.Completed, machine.State);
        Assert.Equal(["start H 5s"], _rig.Log.Take());

        _rig.Timers.Fire(TransactionTimer.H, machine.OnTimer);

        Assert.Equal(["terminated"], _rig.Log.Take());
        Assert.Equal(ServerInviteState.Terminated, machine.State);
    }

    [Fact]
    public void OnAck_After407_ConfirmsWithoutStoppingAnyG()
    {
        var machine = Completed(reliable: false, status: 407);

        Assert.True(machine.OnAck());

        Assert.Equal(["stop H", "start I 5s"], _rig.Log.Take());
    }

    [Fact]
    public void OnTimer_G_RetransmitsDoublingFromT1CappedAtT2()
    {
        var machine = Completed(reliable: false);
        var intervals = new List<double>();
        var sentAt = new List<double>();
        var clock = 0.0;

        for (var i = 0; i < 6; i++)
        {
            clock += _rig.Timers.Fire(TransactionTimer.G, machine.OnTimer).TotalSeconds;
            sentAt.Add(clock);
            intervals.Add(_rig.Timers.Running[TransactionTimer.G].TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 4, 4, 4], intervals);
        Assert.Equal([0.5, 1.5, 3.5, 7.5, 11.5, 15.5], sentAt);
        Assert.Equal(6, Array.FindAll(_rig.Log.Take(), e => e == "retransmit response").Length);
        Assert.Equal(ServerInviteState.Completed, machine.State);
    }

    [Fact]
    public void OnRequestRetransmission_Completed_RetransmitsTheFinal()
    {
        var machine = Completed(reliable: false);

        machine.OnRequestRetransmission();

        Assert.Equal(["retransmit response"], _rig.Log.Take());
        Assert.Equal(ServerInviteState.Completed, machine.State);
    }

    [Fact]
    public void OnResponse_SecondFinalInCompleted_IsRefused()
    {
        var machine = Completed(reliable: false);

        Assert.False(machine.OnResponse(500));
        Assert.False(machine.OnResponse(200));

        Assert.Equal(486, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnAck_CompletedOnUnreliable_StopsGAndHAndStartsI()
    {
        var machine = Completed(reliable: false);

        Assert.True(machine.OnAck());

        Assert.Equal(ServerInviteState.Confirmed, machine.State);
        Assert.Equal(["stop G", "stop H", "start I 5s"], _rig.Log.Take());
    }

    [Fact]
    public void OnAck_CompletedOnReliable_TerminatesAtOnce()
    {
        var machine = Completed(reliable: true);

        Assert.True(machine.OnAck());

        Assert.Equal(ServerInviteState.Terminated, machine.State);
        Assert.Equal(["stop H", "terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnAck_Confirmed_IsAbsorbed()
    {
        var machine = Completed(reliable: false);
        machine.OnAck();
        _rig.Log.Take();

        Assert.True(machine.OnAck());
        machine.OnRequestRetransmission();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ServerInviteState.Confirmed, machine.State);
    }

    [Fact]
    public void OnTimer_IInConfirmed_Terminates()
    {
        var machine = Completed(reliable: false);
        machine.OnAck();
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.I, machine.OnTimer);

        Assert.Equal(ServerInviteState.Terminated, machine.State);
        Assert.Equal(["terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnTimer_HWithoutAck_StopsGAndTerminates()
    {
        var machine = Completed(reliable: false);
        _rig.Timers.Fire(TransactionTimer.G, machine.OnTimer);
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.H, machine.OnTimer);

        Assert.Equal(ServerInviteState.Terminated, machine.State);
        Assert.Equal(["stop G", "terminated"], _rig.Log.Take());
        Assert.Empty(_rig.Timers.Running);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnAck_ProceedingOrAfterProvisional_IsNotThisTransactions(bool afterProvisional)
    {
        var machine = Create(reliable: false);
        if (afterProvisional)
        {
            machine.OnResponse(180);
        }

        Assert.False(machine.OnAck());

        Assert.Equal(ServerInviteState.Proceeding, machine.State);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnTimer_GAfterAckStoppedIt_IsIgnored()
    {
        var machine = Completed(reliable: false);
        machine.OnAck();
        _rig.Log.Take();

        machine.OnTimer(TransactionTimer.G);
        machine.OnTimer(TransactionTimer.H);

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ServerInviteState.Confirmed, machine.State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(180)]
    [InlineData(200)]
    [InlineData(486)]
    public void OnTransportError_AnyLiveState_StaysInItsState(int response)
    {
        // RFC 6026 §7.1: a server transaction MUST NOT discard its state on a transport error; its timers end it.
        var machine = Create(reliable: true);
        if (response != 0)
        {
            machine.OnResponse(response);
        }

        var state = machine.State;
        _rig.Log.Take();

        machine.OnTransportError();

        Assert.Equal(state, machine.State);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnTransportError_Confirmed_StaysConfirmed()
    {
        var machine = Completed(reliable: false);
        machine.OnAck();
        _rig.Log.Take();

        machine.OnTransportError();

        Assert.Equal(ServerInviteState.Confirmed, machine.State);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void AllInputs_Terminated_AreIgnored()
    {
        var machine = Accepted(reliable: false);
        _rig.Timers.Fire(TransactionTimer.L, machine.OnTimer);
        _rig.Log.Take();

        machine.OnRequestRetransmission();
        Assert.False(machine.OnResponse(200));
        Assert.False(machine.OnResponse(486));
        Assert.False(machine.OnAck());
        foreach (var timer in Enum.GetValues<TransactionTimer>())
        {
            machine.OnTimer(timer);
        }

        machine.OnTransportError();

        Assert.Equal(ServerInviteState.Terminated, machine.State);
        Assert.Equal(200, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void Timings_ReplacedBeforeTheFinal_AreUsedForH()
    {
        var machine = Create(reliable: true);

        machine.Timings = Rig.Timings with { FinalResponse = TimeSpan.FromSeconds(10) };
        machine.OnResponse(603);

        Assert.Equal(["start H 10s"], _rig.Log.Take());
    }

    [Fact]
    public void OnResponse_T1AboveT2_FirstIntervalIsCappedAtT2()
    {
        var machine = Create(reliable: false, Rig.Timings with { T1 = TimeSpan.FromSeconds(5) });

        machine.OnResponse(500);

        Assert.Equal(["start G 4s", "start H 30s"], _rig.Log.Take());
    }

    [Theory]
    [InlineData(99)]
    [InlineData(700)]
    public void OnResponse_StatusOutOfRange_Throws(int status)
    {
        var machine = Create(reliable: false);

        Assert.Throws<ArgumentOutOfRangeException>(() => machine.OnResponse(status));
    }
}
