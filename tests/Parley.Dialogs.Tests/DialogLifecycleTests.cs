using System.Text;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary>A dialog from create_dialog to its end, through tm's callbacks (opensips-behaviour.md §1.3–1.6).</summary>
public sealed class DialogLifecycleTests : IDisposable
{
    private readonly DialogHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void CreateDialog_InitialInvite_LinksUnconfirmedDialogWithCallerLeg()
    {
        var ctx = _h.Begin(DialogHarness.Invite());

        Assert.Equal(1, _h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false));

        var dialog = _h.Manager.Current(ctx)!;
        Assert.Equal(DialogState.Unconfirmed, dialog.State);
        Assert.Equal(1, _h.Manager.Count);
        Assert.Equal(1, _h.Stat("processed_dialogs"));
        Assert.Equal(DialogId.Entry(Encoding.ASCII.GetBytes(DialogHarness.CallId), 4096), dialog.Entry);
        var caller = dialog.Leg(0);
        Assert.Equal(DialogHarness.CallerTag, Encoding.ASCII.GetString(caller.Tag));
        Assert.Equal(1u, caller.InviteCSeq);
        Assert.Equal(0u, caller.RequestCSeq);
        Assert.Equal("sip:sipp@127.0.0.1:35080;transport=UDP", Encoding.ASCII.GetString(caller.Contact!));
        Assert.Equal("udp:127.0.0.1:35060", caller.BindAddress);
        Assert.Equal(DialogHarness.Sdp, Encoding.ASCII.GetString(caller.Sdp!));
        Assert.Equal(_h.Options.DefaultTimeoutSeconds, dialog.LifetimeSeconds);
        Assert.Equal(1, _h.Manager.DestinationLeg(ctx));
    }

    [Theory]
    [InlineData("INVITE", "<sip:service@127.0.0.1:35060>;tag=x", "a")]
    [InlineData("OPTIONS", "<sip:service@127.0.0.1:35060>", "a")]
    [InlineData("INVITE", "<sip:service@127.0.0.1:35060>", "")]
    public void CreateDialog_NotAnInitialInviteWithFromTag_ReturnsMinusOne(string method, string to, string fromTag)
    {
        var ctx = _h.Begin($"""
            {method} sip:service@127.0.0.1 SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:35080;branch=z9hG4bK1
            From: <sip:a@127.0.0.1>{(fromTag.Length > 0 ? ";tag=" + fromTag : string.Empty)}
            To: {to}
            Call-ID: c1
            CSeq: 1 {method}


            """);

        Assert.Equal(-1, _h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false));
        Assert.Equal(0, _h.Manager.Count);
        Assert.Equal(0, _h.Stat("processed_dialogs"));
    }

    [Fact]
    public void CreateDialog_CalledTwice_KeepsOneDialogAndReplacesOnlyFlags()
    {
        var ctx = _h.Begin(DialogHarness.Invite());
        _h.Manager.CreateDialog(ctx, DialogCreateFlags.PingCaller | DialogCreateFlags.EndOnRaceCondition, true);

        Assert.Equal(1, _h.Manager.CreateDialog(ctx, DialogCreateFlags.ByeOnTimeout, true));
        Assert.Equal(1, _h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false));

        Assert.Equal(1, _h.Manager.Count);
        Assert.Equal(1, _h.Stat("processed_dialogs"));
        Assert.Equal(DialogCreateFlags.ByeOnTimeout | DialogCreateFlags.EndOnRaceCondition, _h.Manager.Current(ctx)!.Flags);
    }

    [Fact]
    public void CreateDialog_TransactionCreatedByRelay_AttachesThroughRequestIn()
    {
        Assert.Equal(1, _h.Tm.GlobalCallbackCount);
        var (dialog, tx) = _h.StartCall();

        Assert.Equal(1, tx.CallbackCount);
        Assert.Equal(tx.HashEntry, dialog.InitialTransactionEntry);
        Assert.Equal(tx.Label, dialog.InitialTransactionLabel);
        Assert.Equal(1, dialog.References);
        Assert.Equal(2, dialog.LegCount);
        Assert.Equal(1u, dialog.Leg(1).RequestCSeq);
    }

    [Fact]
    public void CreateDialog_TransactionExistsAlready_AttachesAtOnce()
    {
        var ctx = _h.Begin(DialogHarness.Invite());
        var tx = _h.Tm.NewTransaction(ctx);

        _h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false);

        Assert.Equal(1, tx.CallbackCount);
        Assert.Equal(tx.Label, _h.Manager.Current(ctx)!.InitialTransactionLabel);
    }

    [Fact]
    public void CreateDialog_RequestNeverGetsATransaction_FailsWhenTheNextMessageBegins()
    {
        var ctx = _h.Begin(DialogHarness.Invite());
        _h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false);
        Assert.Equal(1, _h.Manager.Count);

        _h.Begin(DialogHarness.Invite(callId: "other"));

        Assert.Equal(0, _h.Manager.Count);
        Assert.Equal(1, _h.Stat("failed_dialogs"));
        Assert.Equal(0, _h.Stat("active_dialogs"));
    }

    [Fact]
    public void Replies_180Then200ThenAck_WalkStates1To4WithCounters()
    {
        var (dialog, tx) = _h.StartCall();

        _h.Relay(tx, 180);
        Assert.Equal(DialogState.Early, dialog.State);
        Assert.Equal(1, _h.Stat("early_dialogs"));

        _h.Relay(tx, 200, body: "v=0\r\n");
        Assert.Equal(DialogState.ConfirmedNotAcknowledged, dialog.State);
        Assert.Equal(0, _h.Stat("early_dialogs"));
        Assert.Equal(1, _h.Stat("active_dialogs"));
        Assert.Equal(_h.Manager.NowUnix, dialog.StartUnix);
        Assert.Equal(_h.Manager.NowUnix + 43200, dialog.ExpiresUnix);
        Assert.Equal(1, dialog.AnsweredLeg);
        var callee = dialog.Leg(1);
        Assert.Equal(DialogHarness.CalleeTag, Encoding.ASCII.GetString(callee.Tag));
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", Encoding.ASCII.GetString(callee.Contact!));
        Assert.Equal("v=0\r\n", Encoding.ASCII.GetString(callee.Sdp!));
        Assert.Equal("udp:127.0.0.1:35060", callee.BindAddress);

        var ack = _h.Sequential(dialog, "ACK", 1);
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Same(dialog, _h.Manager.Current(ack));
        Assert.Equal(1, _h.Stat("active_dialogs"));
    }

    [Fact]
    public void Replies_100Trying_DoesNotMakeTheDialogEarly()
    {
        var (dialog, tx) = _h.StartCall();

        tx.Fire(TmCallbackType.ResponsePreOut, code: 100, branch: 0, reply: DialogHarness.Parse(DialogHarness.Reply(100, toTag: null)));

        Assert.Equal(DialogState.Unconfirmed, dialog.State);
        Assert.Equal(0, _h.Stat("early_dialogs"));
    }

    [Fact]
    public void Replies_486AfterRinging_FailsLeavesProfilesAndGoesWithTheTransaction()
    {
        using var h = new DialogHarness(profilesWithValue: "caller");
        var (dialog, tx) = h.StartCall();
        h.Manager.SetProfile(dialog, h.Profiles.Find("caller")!, "sipp");
        h.Relay(tx, 180);

        h.Relay(tx, 486);

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(1, h.Stat("failed_dialogs"));
        Assert.Equal(0, h.Stat("early_dialogs"));
        Assert.Equal(0, h.Stat("active_dialogs"));
        Assert.Equal(0, h.Profiles.Find("caller")!.Size());
        Assert.Equal(1, h.Manager.Count);

        tx.Fire(TmCallbackType.TransactionDeleted);

        Assert.Equal(0, h.Manager.Count);
        Assert.Equal(1, h.Stat("failed_dialogs"));
    }

    [Fact]
    public void Cancel_Then487_CountsFailedWithReasonCancelled()
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 180);

        tx.Fire(TmCallbackType.TransactionCancelled);
        tx.Fire(TmCallbackType.LocalResponseOut, code: 487);

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal("Cancelled", dialog.EndReason);
        Assert.Equal(1, _h.Stat("failed_dialogs"));
        Assert.Equal(0, _h.Stat("early_dialogs"));
    }

    [Fact]
    public void Timeout_LocalFakedReply_CountsFailed()
    {
        var (dialog, tx) = _h.StartCall();

        tx.Fire(TmCallbackType.LocalResponseOut, code: 408);

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(1, _h.Stat("failed_dialogs"));
    }

    [Fact]
    public void TransactionDeleted_Unanswered_FailsAndUnlinks()
    {
        var (dialog, tx) = _h.StartCall();

        tx.Fire(TmCallbackType.TransactionDeleted);

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(1, _h.Stat("failed_dialogs"));
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public void Forking_TwoBranchesAnswerOneBye_TheAnsweredLegIsTheOneThatEnds()
    {
        var (dialog, tx) = _h.StartCall();
        tx.Fire(TmCallbackType.RequestBuilt, request: DialogHarness.Parse(DialogHarness.Invite()), branch: 1);
        _h.Relay(tx, 180, toTag: "tagA", branch: 0);
        _h.Relay(tx, 180, toTag: "tagB", branch: 1);
        _h.Relay(tx, 200, toTag: "tagB", branch: 1, contact: "<sip:b@127.0.0.1:5072>");
        Assert.Equal(3, dialog.LegCount);
        Assert.Equal(2, dialog.AnsweredLeg);
        Assert.Equal("tagA", Encoding.ASCII.GetString(dialog.Leg(1).Tag));
        Assert.Equal("tagB", Encoding.ASCII.GetString(dialog.Leg(2).Tag));
        Assert.Null(dialog.Leg(1).Contact);
        _h.Sequential(dialog, "ACK", 1, calleeTag: "tagB");

        // A BYE toward the leg that only rang does not end the call (§1.5).
        var stray = _h.Sequential(dialog, "BYE", 2, calleeTag: "tagA");
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal(1, _h.Manager.DestinationLeg(stray));

        _h.Sequential(dialog, "BYE", 3, calleeTag: "tagB");
        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(0, _h.Stat("active_dialogs"));
    }

    [Fact]
    public void Forking_DownstreamForkBehindOneBranch_ClonesTheLeg()
    {
        var (dialog, tx) = _h.StartCall();

        _h.Relay(tx, 183, toTag: "x1", branch: 0);
        _h.Relay(tx, 183, toTag: "x2", branch: 0);
        _h.Relay(tx, 200, toTag: "x2", branch: 0);

        Assert.Equal(3, dialog.LegCount);
        Assert.Equal(0, dialog.Leg(2).Branch);
        Assert.Equal("x2", Encoding.ASCII.GetString(dialog.Leg(2).Tag));
        Assert.Equal(2, dialog.AnsweredLeg);
    }

    [Fact]
    public void Bye_FromCaller_EndsAtTheRequestWithDownstreamReason()
    {
        var (dialog, tx) = _h.ConfirmedCall();

        var bye = _h.Sequential(dialog, "BYE", 2);

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal("Downstream BYE", dialog.EndReason);
        Assert.Equal(0, _h.Stat("active_dialogs"));
        Assert.Equal(0, dialog.ExpiresUnix);
        Assert.Same(dialog, _h.Manager.Current(bye));
        Assert.Equal(1, _h.Manager.DestinationLeg(bye));
    }

    [Fact]
    public void Bye_FromCallee_EndsWithUpstreamReason()
    {
        var (dialog, _) = _h.ConfirmedCall();

        var bye = _h.Sequential(dialog, "BYE", 1, upstream: true);

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal("Upstream BYE", dialog.EndReason);
        Assert.Equal(0, _h.Manager.DestinationLeg(bye));
    }

    [Fact]
    public void Bye_WithItsTransaction_KeepsTheDeletedDialogListedUntilTheTransactionsGo()
    {
        var (dialog, invite) = _h.ConfirmedCall();
        var byeContext = _h.Sequential(dialog, "BYE", 2);
        var bye = _h.Tm.NewTransaction(byeContext);
        Assert.Equal(1, _h.Manager.Count);

        invite.Fire(TmCallbackType.TransactionDeleted);
        Assert.Equal(1, _h.Manager.Count);
        Assert.Equal(DialogState.Deleted, dialog.State);

        bye.Fire(TmCallbackType.TransactionDeleted);
        Assert.Equal(0, _h.Manager.Count);
        Assert.Equal(0, _h.Stat("active_dialogs"));
    }

    [Fact]
    public void DeleteDelay_EndedDialog_StaysMatchableByDidUntilTheDelayEnds()
    {
        using var h = new DialogHarness(o => o.DeleteDelaySeconds = 10);
        var (dialog, invite) = h.ConfirmedCall();
        invite.Fire(TmCallbackType.TransactionDeleted);
        h.Sequential(dialog, "BYE", 2);
        Assert.Equal(1, h.Manager.Count);

        var late = h.Sequential(dialog, "BYE", 2);
        Assert.Same(dialog, h.Manager.Current(late));

        h.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, h.Manager.Count);
        Assert.Null(h.Manager.Current(h.Sequential(dialog, "BYE", 2)));
    }

    [Fact]
    public void DeleteDelay_PerDialogOverride_IsUsed()
    {
        using var h = new DialogHarness();
        var (dialog, invite) = h.ConfirmedCall();
        dialog.DeleteDelaySeconds = 3;
        invite.Fire(TmCallbackType.TransactionDeleted);

        h.Sequential(dialog, "BYE", 2);
        h.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, h.Manager.Count);

        h.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, h.Manager.Count);
    }

    [Fact]
    public void ReInvite_FromCaller_MovesCSeqsAndRefreshesContacts()
    {
        var (dialog, _) = _h.ConfirmedCall();

        var reinvite = _h.Begin(DialogHarness.InDialog("INVITE", 2, contact: "<sip:sipp@10.9.9.9:35080>"));
        _h.Manager.OnLooseRoute(reinvite, Encoding.ASCII.GetBytes("did=" + dialog.Did));

        var callee = dialog.Leg(1);
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal(2u, callee.RequestCSeq);
        Assert.True(callee.HasPreviousCSeq);
        Assert.Equal(1u, callee.PreviousCSeq);
        Assert.Equal(2u, dialog.Leg(0).InviteCSeq);
        Assert.Equal("sip:sipp@10.9.9.9:35080", Encoding.ASCII.GetString(dialog.Leg(0).Contact!));

        // Its 2xx carries the callee's new Contact.
        var tx = _h.Tm.NewTransaction(reinvite);
        var ok = DialogHarness.Parse(DialogHarness.Reply(200, cseq: 2, contact: "<sip:moved@127.0.0.1:35071>"));
        tx.Fire(TmCallbackType.ResponsePreOut, reply: ok, code: 200, branch: 0, context: _h.Context);
        Assert.Equal("sip:moved@127.0.0.1:35071", Encoding.ASCII.GetString(callee.Contact!));
        Assert.Equal(1, _h.Stat("active_dialogs"));
    }

    [Fact]
    public void ReInvite_FromCallee_MovesTheCallerLegCSeq()
    {
        var (dialog, _) = _h.ConfirmedCall();

        _h.Sequential(dialog, "INVITE", 7, upstream: true);

        Assert.Equal(7u, dialog.Leg(0).RequestCSeq);
        Assert.Equal(0u, dialog.Leg(0).PreviousCSeq);
        Assert.Equal(7u, dialog.Leg(1).InviteCSeq);
    }

    [Fact]
    public void SequentialRequest_ContextTimeout_RearmsTheLifetime()
    {
        var (dialog, _) = _h.ConfirmedCall();
        var ctx = _h.Begin(DialogHarness.InDialog("INFO", 2));
        var state = ctx.GetState(DialogContextState.Slot);
        state.Owner = _h.Manager;
        state.Timeout = 30;

        _h.Manager.OnLooseRoute(ctx, Encoding.ASCII.GetBytes("did=" + dialog.Did));

        Assert.Equal(_h.Manager.NowUnix + 30, dialog.ExpiresUnix);
        Assert.Equal(30, _h.Manager.GetTimeout(dialog));
    }

    [Fact]
    public void Callbacks_EveryTransition_RunInOrderWithTheirTypes()
    {
        var seen = new List<DialogCallbackType>();
        _h.Manager.RegisterCallback(null, DialogCallbackType.Created, (d, in a) =>
        {
            seen.Add(a.Type);
            _h.Manager.RegisterCallback(d, DialogCallbackType.Early | DialogCallbackType.Confirmed | DialogCallbackType.RequestWithin
                | DialogCallbackType.Terminated | DialogCallbackType.ResponseForwarded | DialogCallbackType.Destroy, (_, in b) => seen.Add(b.Type));
        });

        var (dialog, _) = _h.ConfirmedCall();
        _h.Sequential(dialog, "BYE", 2);

        Assert.Equal(
        [
            DialogCallbackType.Created, DialogCallbackType.ResponseForwarded, DialogCallbackType.Early, DialogCallbackType.ResponseForwarded,
            DialogCallbackType.Confirmed, DialogCallbackType.RequestWithin, DialogCallbackType.Terminated,
        ], seen);
    }

    [Fact]
    public void Callbacks_ReplyToASequentialRequest_RunResponseWithinWithItsDirection()
    {
        var (dialog, _) = _h.ConfirmedCall();
        var seen = new List<(DialogCallbackType Type, int Code, DialogDirection Direction)>();
        _h.Manager.RegisterCallback(dialog, DialogCallbackType.ResponseWithin | DialogCallbackType.ResponseForwarded,
            (_, in a) => seen.Add((a.Type, a.Message!.StatusCode, a.Direction)));

        var info = _h.Sequential(dialog, "INFO", 2);
        _h.Relay(_h.Tm.NewTransaction(info), 200);
        var upstream = _h.Sequential(dialog, "INFO", 1, upstream: true);
        _h.Relay(_h.Tm.NewTransaction(upstream), 481);

        Assert.Equal(
        [
            (DialogCallbackType.ResponseWithin, 200, DialogDirection.Upstream),
            (DialogCallbackType.ResponseWithin, 481, DialogDirection.Downstream),
        ], seen);
    }

    [Fact]
    public void Callbacks_CreatedWithADialogOrOthersGlobally_AreRefused()
    {
        var (dialog, _) = _h.StartCall();

        Assert.Throws<ArgumentException>(() => _h.Manager.RegisterCallback(null, DialogCallbackType.Failed, (_, in _) => { }));
        Assert.Throws<ArgumentException>(() => _h.Manager.RegisterCallback(dialog, DialogCallbackType.Created, (_, in _) => { }));
    }

    [Fact]
    public void Callbacks_FailedAndExpired_AreReported()
    {
        var seen = new List<DialogCallbackType>();
        var (failed, tx) = _h.StartCall();
        _h.Manager.RegisterCallback(failed, DialogCallbackType.Failed | DialogCallbackType.Destroy, (_, in a) => seen.Add(a.Type));
        _h.Relay(tx, 603);
        tx.Fire(TmCallbackType.TransactionDeleted);

        Assert.Equal([DialogCallbackType.Failed, DialogCallbackType.Destroy], seen);
    }
}
