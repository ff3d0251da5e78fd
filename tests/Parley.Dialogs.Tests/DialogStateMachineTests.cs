using Parley.Dialogs.Core;

namespace Parley.Dialogs.Tests;

/// <summary>The transition table of opensips-behaviour.md §1.2, cell by cell.</summary>
public sealed class DialogStateMachineTests
{
    private static Dialog NewDialog(DialogState state, int answeredLeg = 1, bool hasBye = false)
    {
        var d = new Dialog(null!, new DialogBucket(0, 0), [], [], []) { State = state, AnsweredLeg = answeredLeg };
        if (hasBye)
        {
            d.Internal |= DialogInternalFlags.HasBye;
        }

        return d;
    }

    [Theory]
    // row 1 UNCONFIRMED
    [InlineData(DialogState.Unconfirmed, DialogEvent.Provisional, DialogState.Early, false)]
    [InlineData(DialogState.Unconfirmed, DialogEvent.Success, DialogState.ConfirmedNotAcknowledged, false)]
    [InlineData(DialogState.Unconfirmed, DialogEvent.Failure, DialogState.Deleted, false)]
    [InlineData(DialogState.Unconfirmed, DialogEvent.TransactionDeleted, DialogState.Deleted, false)]
    [InlineData(DialogState.Unconfirmed, DialogEvent.Ack, DialogState.Unconfirmed, true)]
    [InlineData(DialogState.Unconfirmed, DialogEvent.Request, DialogState.Unconfirmed, true)]
    [InlineData(DialogState.Unconfirmed, DialogEvent.Prack, DialogState.Unconfirmed, true)]
    // row 2 EARLY
    [InlineData(DialogState.Early, DialogEvent.Provisional, DialogState.Early, false)]
    [InlineData(DialogState.Early, DialogEvent.Success, DialogState.ConfirmedNotAcknowledged, false)]
    [InlineData(DialogState.Early, DialogEvent.Failure, DialogState.Deleted, false)]
    [InlineData(DialogState.Early, DialogEvent.TransactionDeleted, DialogState.Deleted, false)]
    [InlineData(DialogState.Early, DialogEvent.Ack, DialogState.Early, true)]
    [InlineData(DialogState.Early, DialogEvent.Request, DialogState.Early, false)]
    [InlineData(DialogState.Early, DialogEvent.Prack, DialogState.Early, false)]
    // row 3 CONFIRMED_NA
    [InlineData(DialogState.ConfirmedNotAcknowledged, DialogEvent.Provisional, DialogState.ConfirmedNotAcknowledged, true)]
    [InlineData(DialogState.ConfirmedNotAcknowledged, DialogEvent.Success, DialogState.ConfirmedNotAcknowledged, false)]
    [InlineData(DialogState.ConfirmedNotAcknowledged, DialogEvent.Failure, DialogState.ConfirmedNotAcknowledged, true)]
    [InlineData(DialogState.ConfirmedNotAcknowledged, DialogEvent.TransactionDeleted, DialogState.ConfirmedNotAcknowledged, false)]
    [InlineData(DialogState.ConfirmedNotAcknowledged, DialogEvent.Ack, DialogState.Confirmed, false)]
    [InlineData(DialogState.ConfirmedNotAcknowledged, DialogEvent.Request, DialogState.ConfirmedNotAcknowledged, false)]
    // row 4 CONFIRMED
    [InlineData(DialogState.Confirmed, DialogEvent.Provisional, DialogState.Confirmed, true)]
    [InlineData(DialogState.Confirmed, DialogEvent.Success, DialogState.Confirmed, false)]
    [InlineData(DialogState.Confirmed, DialogEvent.Failure, DialogState.Confirmed, true)]
    [InlineData(DialogState.Confirmed, DialogEvent.TransactionDeleted, DialogState.Confirmed, false)]
    [InlineData(DialogState.Confirmed, DialogEvent.Ack, DialogState.Confirmed, false)]
    [InlineData(DialogState.Confirmed, DialogEvent.Request, DialogState.Confirmed, false)]
    // row 5 DELETED
    [InlineData(DialogState.Deleted, DialogEvent.Provisional, DialogState.Deleted, true)]
    [InlineData(DialogState.Deleted, DialogEvent.Success, DialogState.ConfirmedNotAcknowledged, false)]
    [InlineData(DialogState.Deleted, DialogEvent.Failure, DialogState.Deleted, true)]
    [InlineData(DialogState.Deleted, DialogEvent.TransactionDeleted, DialogState.Deleted, false)]
    [InlineData(DialogState.Deleted, DialogEvent.Ack, DialogState.Deleted, false)]
    [InlineData(DialogState.Deleted, DialogEvent.Bye, DialogState.Deleted, false)]
    [InlineData(DialogState.Deleted, DialogEvent.Request, DialogState.Deleted, true)]
    internal void Next_TableCell_GivesOpenSipsState(DialogState from, DialogEvent e, DialogState expected, bool warns)
    {
        var dialog = NewDialog(from);

        var next = DialogStateMachine.Next(dialog, e, DialogDirection.Downstream, 1, out var unexpected);

        Assert.Equal(expected, next);
        Assert.Equal(warns, unexpected);
    }

    [Theory]
    [InlineData(DialogState.Unconfirmed)]
    [InlineData(DialogState.Early)]
    public void Next_EarlyByeTowardCallee_KeepsStateAndMarksHasBye(DialogState state)
    {
        var dialog = NewDialog(state);

        Assert.Equal(state, DialogStateMachine.Next(dialog, DialogEvent.Bye, DialogDirection.Downstream, 1, out _));
        Assert.True((dialog.Internal & DialogInternalFlags.HasBye) != 0);
    }

    [Fact]
    public void Next_EarlyByeTowardCaller_DoesNotMarkHasBye()
    {
        var dialog = NewDialog(DialogState.Early);

        DialogStateMachine.Next(dialog, DialogEvent.Bye, DialogDirection.Upstream, 0, out _);

        Assert.True((dialog.Internal & DialogInternalFlags.HasBye) == 0);
    }

    [Theory]
    [InlineData(DialogState.ConfirmedNotAcknowledged)]
    [InlineData(DialogState.Confirmed)]
    public void Next_ByeOnTheAnsweredLegOrUpstream_Deletes(DialogState state)
    {
        Assert.Equal(DialogState.Deleted, DialogStateMachine.Next(NewDialog(state, answeredLeg: 2), DialogEvent.Bye, DialogDirection.Downstream, 2, out _));
        Assert.Equal(DialogState.Deleted, DialogStateMachine.Next(NewDialog(state, answeredLeg: 2), DialogEvent.Bye, DialogDirection.Upstream, 0, out _));
    }

    [Fact]
    public void Next_DownstreamByeToAnotherForkedLeg_IsIgnored()
    {
        var dialog = NewDialog(DialogState.Confirmed, answeredLeg: 2);

        Assert.Equal(DialogState.Confirmed, DialogStateMachine.Next(dialog, DialogEvent.Bye, DialogDirection.Downstream, 1, out _));
        Assert.True((dialog.Internal & DialogInternalFlags.HasBye) == 0);
    }

    [Fact]
    public void Next_2xxAfterFailureWithBye_StaysDeleted() =>
        Assert.Equal(DialogState.Deleted, DialogStateMachine.Next(NewDialog(DialogState.Deleted, hasBye: true), DialogEvent.Success, DialogDirection.Upstream, 0, out _));
}
