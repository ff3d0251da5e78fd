using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Tests.StateMachines;

/// <summary>RFC 3261 §17.2.2 (Figure 8), Timer J as OpenSIPS's wt_timer.</summary>
public sealed class ServerNonInviteTransactionTests
{
    private readonly Rig _rig = new();

    private ServerNonInviteTransaction Create(bool reliable) => new(reliable, Rig.Timings, _rig.Timers, _rig.Server);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Constructor_Always_StartsInTryingWithNoTimer(bool reliable)
    {
        var machine = Create(reliable);

        Assert.Equal(ServerNonInviteState.Trying, machine.State);
        Assert.Equal(0, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnRequestRetransmission_Trying_IsDiscarded()
    {
        var machine = Create(reliable: false);

        machine.OnRequestRetransmission();

        Assert.Empty(_rig.Log.Take());
        Assert.Equal(ServerNonInviteState.Trying, machine.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnResponse_ProvisionalInTrying_MovesToProceedingWithoutTimers(bool reliable)
    {
        var machine = Create(reliable);

        Assert.True(machine.OnResponse(100));

        Assert.Equal(ServerNonInviteState.Proceeding, machine.State);
        Assert.Equal(100, machine.LastStatus);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnRequestRetransmission_Proceeding_RetransmitsTheProvisional()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(100);

        machine.OnRequestRetransmission();

        Assert.Equal(["retransmit response"], _rig.Log.Take());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnResponse_FurtherProvisionalInProceeding_IsSent(bool reliable)
    {
        var machine = Create(reliable);
        machine.OnResponse(100);

        Assert.True(machine.OnResponse(183));

        Assert.Equal(ServerNonInviteState.Proceeding, machine.State);
        Assert.Equal(183, machine.LastStatus);
    }

    [Theory]
    [InlineData(false, 200)]
    [InlineData(false, 404)]
    [InlineData(true, 200)]
    [InlineData(true, 603)]
    public void OnResponse_FinalOnUnreliable_CompletesAndStartsJForWtTimer(bool afterProvisional, int status)
    {
        var machine = Create(reliable: false);
        if (afterProvisional)
        {
            machine.OnResponse(100);
        }

        Assert.True(machine.OnResponse(status));

        Assert.Equal(ServerNonInviteState.Completed, machine.State);
        Assert.Equal(status, machine.LastStatus);
        Assert.Equal(["start J 5s"], _rig.Log.Take());
    }

    [Theory]
    [InlineData(false, 200)]
    [InlineData(true, 486)]
    public void OnResponse_FinalOnReliable_TerminatesAtOnce(bool afterProvisional, int status)
    {
        // RFC 3261 §17.2.2: Timer J is 0 on reliable transports.
        var machine = Create(reliable: true);
        if (afterProvisional)
        {
            machine.OnResponse(100);
        }

        Assert.True(machine.OnResponse(status));

        Assert.Equal(ServerNonInviteState.Terminated, machine.State);
        Assert.Equal(status, machine.LastStatus);
        Assert.Equal(["terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnRequestRetransmission_Completed_RetransmitsTheFinal()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnRequestRetransmission();
        machine.OnRequestRetransmission();

        Assert.Equal(["retransmit response", "retransmit response"], _rig.Log.Take());
        Assert.Equal(ServerNonInviteState.Completed, machine.State);
    }

    [Theory]
    [InlineData(180)]
    [InlineData(200)]
    [InlineData(500)]
    public void OnResponse_AnythingAfterTheFinal_IsRefused(int status)
    {
        var machine = Create(reliable: false);
        machine.OnResponse(404);
        _rig.Log.Take();

        Assert.False(machine.OnResponse(status));

        Assert.Equal(404, machine.LastStatus);
        Assert.Equal(ServerNonInviteState.Completed, machine.State);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnTimer_JInCompleted_Terminates()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        _rig.Timers.Fire(TransactionTimer.J, machine.OnTimer);

        Assert.Equal(ServerNonInviteState.Terminated, machine.State);
        Assert.Equal(["terminated"], _rig.Log.Take());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void OnTransportError_TryingOrProceeding_Terminates(int provisional)
    {
        var machine = Create(reliable: true);
        if (provisional != 0)
        {
            machine.OnResponse(provisional);
        }

        machine.OnTransportError();

        Assert.Equal(ServerNonInviteState.Terminated, machine.State);
        Assert.Equal(["terminated"], _rig.Log.Take());
    }

    [Fact]
    public void OnTransportError_Completed_StopsJAndTerminates()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(200);
        _rig.Log.Take();

        machine.OnTransportError();

        Assert.Equal(ServerNonInviteState.Terminated, machine.State);
        Assert.Equal(["stop J", "terminated"], _rig.Log.Take());
        Assert.Empty(_rig.Timers.Running);
    }

    [Fact]
    public void AllInputs_Terminated_AreIgnored()
    {
        var machine = Create(reliable: false);
        machine.OnResponse(200);
        _rig.Timers.Fire(TransactionTimer.J, machine.OnTimer);
        _rig.Log.Take();

        machine.OnRequestRetransmission();
        Assert.False(machine.OnResponse(100));
        Assert.False(machine.OnResponse(200));
        foreach (var timer in Enum.GetValues<TransactionTimer>())
        {
            machine.OnTimer(timer);
        }

        machine.OnTransportError();

        Assert.Equal(ServerNonInviteState.Terminated, machine.State);
        Assert.Empty(_rig.Log.Take());
    }

    [Fact]
    public void OnTimer_NotRunning_IsIgnored()
    {
        var machine = Create(reliable: false);

        machine.OnTimer(TransactionTimer.J);

        Assert.Equal(ServerNonInviteState.Trying, machine.State);
        Assert.Empty(_rig.Log.Take());
    }
}
