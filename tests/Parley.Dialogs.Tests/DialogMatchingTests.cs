using System.Text;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary>Sequential request matching (opensips-behaviour.md §3.2–3.3): the three modes, the tight check, direction.</summary>
public sealed class DialogMatchingTests
{
    private static DialogHarness Harness(DialogMatchMode mode) => new(o => o.MatchMode = mode);

    private static Dialog? Match(DialogHarness h, string request, string? parameters, DialogMatchMode? mode = null)
    {
        var ctx = h.Begin(request);
        if (mode is { } m)
        {
            h.Manager.MatchDialog(ctx, m);
        }
        else
        {
            h.Manager.OnLooseRoute(ctx, parameters is null ? ReadOnlyMemory<byte>.Empty : Encoding.ASCII.GetBytes(parameters));
        }

        return h.Manager.Current(ctx);
    }

    [Theory]
    [InlineData(DialogMatchMode.DidOnly, false)]
    [InlineData(DialogMatchMode.DidFallback, true)]
    [InlineData(DialogMatchMode.DidNone, true)]
    public void NoCookie_ModeDecidesWhetherSipMatchingRuns(DialogMatchMode mode, bool matched)
    {
        using var h = Harness(mode);
        var (dialog, _) = h.ConfirmedCall();

        var found = Match(h, DialogHarness.InDialog("INFO", 2), "lr;ftag=x");

        Assert.Equal(matched ? dialog : null, found);
    }

    [Theory]
    [InlineData(DialogMatchMode.DidOnly)]
    [InlineData(DialogMatchMode.DidFallback)]
    public void Cookie_MatchesByDidEvenWithACaseChangedName(DialogMatchMode mode)
    {
        using var h = Harness(mode);
        var (dialog, _) = h.ConfirmedCall();

        Assert.Same(dialog, Match(h, DialogHarness.InDialog("INFO", 2), "lr;DID=" + dialog.Did.ToUpperInvariant()));
    }

    [Fact]
    public void Cookie_OfAnotherDialog_FailsTheTightCheckThenFallsBack()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, _) = h.ConfirmedCall();
        var (other, _) = h.ConfirmedCall(callId: "other-call", fromTag: "otag");

        Assert.Same(dialog, Match(h, DialogHarness.InDialog("INFO", 2), "did=" + other.Did));
    }

    [Fact]
    public void Cookie_OfAnotherDialog_InDidOnly_MatchesNothing()
    {
        using var h = Harness(DialogMatchMode.DidOnly);
        h.ConfirmedCall();
        var (other, _) = h.ConfirmedCall(callId: "other-call", fromTag: "otag");

        Assert.Null(Match(h, DialogHarness.InDialog("INFO", 2), "did=" + other.Did));
    }

    [Theory]
    [InlineData(DialogMatchMode.DidOnly)]
    [InlineData(DialogMatchMode.DidFallback)]
    public void Cookie_Malformed_StopsMatchingInEveryMode(DialogMatchMode mode)
    {
        using var h = Harness(mode);
        h.ConfirmedCall();

        Assert.Null(Match(h, DialogHarness.InDialog("INFO", 2), "did=zz.1"));
    }

    [Fact]
    public void DidNone_WrongCookie_IsIgnoredAndSipMatches()
    {
        using var h = Harness(DialogMatchMode.DidNone);
        var (dialog, _) = h.ConfirmedCall();

        Assert.Same(dialog, Match(h, DialogHarness.InDialog("INFO", 2), "did=zz.1"));
    }

    [Fact]
    public void SipMatching_DeletedDialog_IsSkippedButDidStillFindsIt()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, tx) = h.ConfirmedCall();
        h.Sequential(dialog, "BYE", 2);
        Assert.Equal(DialogState.Deleted, dialog.State);

        Assert.Null(Match(h, DialogHarness.InDialog("BYE", 2), null));
        Assert.Same(dialog, Match(h, DialogHarness.InDialog("BYE", 2), "did=" + dialog.Did));
    }

    [Fact]
    public void SipMatching_RetriedInviteAfterAFailedDialog_MatchesTheNewOne()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (failed, tx) = h.StartCall();
        h.Relay(tx, 407);
        var (retried, tx2) = h.StartCall();
        h.Relay(tx2, 200);

        Assert.Same(retried, Match(h, DialogHarness.InDialog("ACK", 1), null));
        Assert.Equal(DialogState.Deleted, failed.State);
    }

    [Theory]
    [InlineData("OTHER-CALL-ID", DialogHarness.CallerTag, DialogHarness.CalleeTag)]
    [InlineData(DialogHarness.CallId, "stranger", DialogHarness.CalleeTag)]
    [InlineData(DialogHarness.CallId, DialogHarness.CallerTag, "unknown-callee")]
    public void TightCheck_AnyIdentityElementDiffers_NoMatch(string callId, string callerTag, string calleeTag)
    {
        using var h = Harness(DialogMatchMode.DidOnly);
        var (dialog, _) = h.ConfirmedCall();

        Assert.Null(Match(h, DialogHarness.InDialog("INFO", 2, callId: callId, callerTag: callerTag, calleeTag: calleeTag), "did=" + dialog.Did));
    }

    [Fact]
    public void Direction_FromCallee_IsUpstreamToLegZero()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, _) = h.ConfirmedCall();

        var ctx = h.Sequential(dialog, "INFO", 9, upstream: true);

        Assert.Same(dialog, h.Manager.Current(ctx));
        Assert.Equal(0, h.Manager.DestinationLeg(ctx));
    }

    [Fact]
    public void NoToTag_IsNeverMatched()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, _) = h.ConfirmedCall();

        Assert.Null(Match(h, DialogHarness.Invite(), "did=" + dialog.Did));
    }

    [Fact]
    public void MatchDialog_AlreadyMatched_ReturnsOneWithoutMatchingAgain()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, _) = h.ConfirmedCall();
        var ctx = h.Begin(DialogHarness.InDialog("INFO", 2));

        Assert.Equal(1, h.Manager.MatchDialog(ctx, DialogMatchMode.DidNone));
        Assert.Equal(1, h.Manager.MatchDialog(ctx, DialogMatchMode.DidOnly));
        Assert.Equal(2u, dialog.Leg(1).RequestCSeq);
        Assert.Equal(-1, h.Manager.MatchDialog(h.Begin(DialogHarness.InDialog("INFO", 3)), DialogMatchMode.DidOnly));
    }

    [Fact]
    public void EarlyDialog_InDialogRequestToTheCallee_MatchesAndMovesCSeq()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, tx) = h.StartCall();
        h.Relay(tx, 183);

        var ctx = h.Sequential(dialog, "PRACK", 2);

        Assert.Same(dialog, h.Manager.Current(ctx));
        Assert.Equal(DialogState.Early, dialog.State);
        Assert.Equal(2u, dialog.Leg(1).RequestCSeq);
    }

    [Fact]
    public void SequentialTransaction_IsAttachedAndVisibleFromItsReplies()
    {
        using var h = Harness(DialogMatchMode.DidFallback);
        var (dialog, _) = h.ConfirmedCall();
        var ctx = h.Sequential(dialog, "INFO", 2);
        var tx = h.Tm.NewTransaction(ctx);
        Assert.Equal(1, tx.CallbackCount);
        Assert.Equal(2, dialog.References);

        tx.Fire(TmCallbackType.TransactionDeleted);

        Assert.Equal(1, dialog.References);
    }
}
