using System.Text;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary>Lifetime, expiry, BYEs sent by the proxy and MI termination (opensips-behaviour.md §5, manual §1.9.3).</summary>
public sealed class DialogTimerTests : IDisposable
{
    private readonly DialogHarness _h = new(o => o.ExtraHeaders = "Hint: credit expired\r\n");

    public void Dispose() => _h.Dispose();

    private static void SetContextTimeout(ScriptContext ctx, DialogManager manager, int seconds)
    {
        var state = ctx.GetState(DialogContextState.Slot);
        state.Owner = manager;
        state.Timeout = seconds;
    }

    [Fact]
    public void Lifetime_EarlyDialog_IsNeverOnTheTimer()
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 180);

        _h.Advance(TimeSpan.FromSeconds(50_000));

        Assert.Equal(DialogState.Early, dialog.State);
        Assert.Equal(0, dialog.ExpiresUnix);
        Assert.Equal(0, _h.Stat("expired_dialogs"));
    }

    [Fact]
    public void Expiry_WithoutB_EndsSilentlyAndCounts()
    {
        var (dialog, _) = _h.ConfirmedCall();

        _h.Advance(TimeSpan.FromSeconds(43199));
        Assert.Equal(DialogState.Confirmed, dialog.State);

        _h.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Empty(_h.Tm.Sent);
        Assert.Equal(1, _h.Stat("expired_dialogs"));
        Assert.Equal(0, _h.Stat("active_dialogs"));
        Assert.Equal(0, _h.Stat("failed_dialogs"));
    }

    [Fact]
    public void Expiry_TimeoutThreeWithB_SendsByeBothWaysWithTheRightCSeqs()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.ByeOnTimeout,
            afterCreate: (ctx, d) => _h.Manager.SetTimeout(d, 3));

        _h.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(_h.Tm.Sent);
        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2, _h.Tm.Sent.Count);
        var toCaller = _h.Tm.Sent[0];
        Assert.Equal("BYE", toCaller.Method);
        Assert.Equal("sip:sipp@127.0.0.1:35080;transport=UDP", toCaller.RequestUri);
        Assert.Equal(1u, toCaller.CSeq);
        Assert.Equal($"<sip:sipp@127.0.0.1:35080>;tag={DialogHarness.CallerTag}", toCaller.To);
        Assert.Equal($"<sip:service@127.0.0.1:35060>;tag={DialogHarness.CalleeTag}", toCaller.From);
        Assert.Equal(DialogHarness.CallId, toCaller.CallId);
        Assert.Equal("udp:127.0.0.1:35060", toCaller.Socket);
        Assert.Equal("Hint: credit expired\r\n", toCaller.Headers);
        var toCallee = _h.Tm.Sent[1];
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", toCallee.RequestUri);
        Assert.Equal(2u, toCallee.CSeq);
        Assert.Equal($"<sip:service@127.0.0.1:35060>;tag={DialogHarness.CalleeTag}", toCallee.To);
        Assert.Equal($"<sip:sipp@127.0.0.1:35080>;tag={DialogHarness.CallerTag}", toCallee.From);
        Assert.Equal(1, _h.Stat("expired_dialogs"));
        Assert.Equal("Lifetime Timeout", dialog.EndReason);

        // The state changes with the first final reply, not before (§5.2.3).
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Equal(1, _h.Stat("active_dialogs"));
        _h.Tm.Pending[1].SetResult(new UacReply(200, "OK", "t", null, [], null));
        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(0, _h.Stat("active_dialogs"));
        Assert.Equal(1, _h.Manager.Count);

        _h.Tm.Pending[0].SetResult(new UacReply(408, "Request Timeout", null, null, [], null));
        Assert.Equal(0, _h.Stat("active_dialogs"));
    }

    [Fact]
    public void Expiry_ByeReplies_ReleaseTheDialogOnceTheInviteIsGone()
    {
        var (dialog, invite) = _h.ConfirmedCall(flags: DialogCreateFlags.ByeOnTimeout);
        invite.Fire(TmCallbackType.TransactionDeleted);
        _h.Manager.SetTimeout(dialog, 1);
        _h.Advance(TimeSpan.FromSeconds(2));

        _h.Tm.Pending[0].SetResult(new UacReply(200, "OK", "t", null, [], null));
        Assert.Equal(1, _h.Manager.Count);
        _h.Tm.Pending[1].SetResult(new UacReply(481, "Gone", "t", null, [], null));

        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public void Expiry_ByeCannotBeSent_EndsTheDialogAnyway()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.ByeOnTimeout);
        _h.Tm.FailSends = true;
        _h.Manager.SetTimeout(dialog, 1);

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(0, _h.Stat("active_dialogs"));
        Assert.Equal(1, _h.Stat("expired_dialogs"));
    }

    [Fact]
    public void Expiry_AfterReInvite_ByeToCalleeFollowsItsLastCSeq()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.ByeOnTimeout);
        _h.Sequential(dialog, "INVITE", 5);
        _h.Manager.SetTimeout(dialog, 1);

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(1u, _h.Tm.Sent[0].CSeq);
        Assert.Equal(6u, _h.Tm.Sent[1].CSeq);
    }

    [Fact]
    public void Timeout_SetBeforeCreate_IsTheNewDialogsLifetime()
    {
        var (dialog, tx) = _h.StartCall(beforeCreate: ctx => SetContextTimeout(ctx, _h.Manager, 120));
        Assert.Equal(120, _h.Manager.GetTimeout(dialog));

        _h.Relay(tx, 200);

        Assert.Equal(_h.Manager.NowUnix + 120, dialog.ExpiresUnix);
        _h.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(90, _h.Manager.GetTimeout(dialog));
    }

    [Fact]
    public void Timeout_WrittenOnAConfirmedDialog_RearmsAtOnce()
    {
        var (dialog, _) = _h.ConfirmedCall();

        _h.Manager.SetTimeout(dialog, 5);
        _h.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(1, _h.Stat("expired_dialogs"));
    }

    [Fact]
    public void OnTimeoutRoute_ExtendsTheLifetime_CallContinues()
    {
        var runs = 0;
        var runner = new DelegateRunner((d, _) =>
        {
            runs++;
            if (runs == 1)
            {
                _h.Manager.SetTimeout(d, 60);
            }
        });
        _h.Manager.Routes = runner;
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.ByeOnTimeout);
        DialogManager.SetRoute(dialog, DialogRouteKind.Timeout, RouteStub());
        _h.Manager.SetTimeout(dialog, 3);

        _h.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, runs);
        Assert.Equal(DialogState.Confirmed, dialog.State);
        Assert.Empty(_h.Tm.Sent);
        Assert.Equal(_h.Manager.NowUnix + 60, dialog.ExpiresUnix);

        _h.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(2, runs);
        Assert.Equal(2, _h.Tm.Sent.Count);
        Assert.Equal(1, _h.Stat("expired_dialogs"));
    }

    [Fact]
    public void OnAnswerAndOnHangupRoutes_RunAtConfirmationAndAtBye()
    {
        var ran = new List<string>();
        _h.Manager.Routes = new DelegateRunner((d, r) => ran.Add(r.Name! + ":" + (int)d.State));
        var (dialog, tx) = _h.StartCall();
        DialogManager.SetRoute(dialog, DialogRouteKind.Answer, RouteStub("answered"));
        DialogManager.SetRoute(dialog, DialogRouteKind.Hangup, RouteStub("hangup"));

        _h.Relay(tx, 200);
        _h.Sequential(dialog, "ACK", 1);
        _h.Sequential(dialog, "BYE", 2);

        Assert.Equal(["answered:3", "hangup:5"], ran);
    }

    [Fact]
    public void Race_CancelThen200WithE_EndsAfterRaceTimeoutWithReason()
    {
        var (dialog, tx) = _h.StartCall(flags: DialogCreateFlags.EndOnRaceCondition | DialogCreateFlags.ByeOnTimeout);
        tx.Fire(TmCallbackType.TransactionCancelled);

        _h.Relay(tx, 200);

        Assert.Equal(_h.Manager.NowUnix + 5, dialog.ExpiresUnix);
        _h.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(2, _h.Tm.Sent.Count);
        Assert.Equal("Cancelled", dialog.EndReason);
    }

    [Fact]
    public void Race_200ThenCancelWithE_CutsTheLifetimeAndSaysSipRaceCondition()
    {
        var (dialog, tx) = _h.ConfirmedCall(flags: DialogCreateFlags.EndOnRaceCondition | DialogCreateFlags.ByeOnTimeout);

        tx.Fire(TmCallbackType.TransactionCancelled);
        _h.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(2, _h.Tm.Sent.Count);
        Assert.Equal("SIP Race Condition", dialog.EndReason);
    }

    [Fact]
    public void Race_EarlyByeThen200WithE_ShortensTheLifetime()
    {
        var (dialog, tx) = _h.StartCall(flags: DialogCreateFlags.EndOnRaceCondition);
        _h.Relay(tx, 180);
        _h.Sequential(dialog, "BYE", 2);
        Assert.Equal(DialogState.Early, dialog.State);

        _h.Relay(tx, 200);

        Assert.Equal(_h.Manager.NowUnix + 5, dialog.ExpiresUnix);
        _h.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Empty(_h.Tm.Sent);
    }

    [Fact]
    public void EndDialog_Confirmed_SendsByesWithMiHeadersAndReason()
    {
        var (dialog, _) = _h.ConfirmedCall();

        Assert.True(_h.Manager.EndDialog(dialog, "MI Termination", "X-Why: operator"));

        Assert.Equal(2, _h.Tm.Sent.Count);
        Assert.Equal("Hint: credit expired\r\nX-Why: operator\r\n", _h.Tm.Sent[1].Headers);
        Assert.Equal("MI Termination", dialog.EndReason);
        Assert.Equal(0, _h.Stat("expired_dialogs"));
        _h.Tm.Pending[0].SetResult(new UacReply(200, "OK", "t", null, [], null));
        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.False(_h.Manager.EndDialog(dialog, "MI Termination"));
    }

    [Fact]
    public void EndDialog_Early_CancelsTheInviteTransaction()
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 180);

        Assert.True(_h.Manager.EndDialog(dialog, "MI Termination"));

        Assert.Same(tx, Assert.Single(_h.Tm.Cancelled));
        Assert.Empty(_h.Tm.Sent);
    }

    [Fact]
    public void EndDialog_WithoutTm_FailsForEarlyDialogs()
    {
        using var h = new DialogHarness(withTm: false);
        var ctx = h.Begin(DialogHarness.Invite());
        h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false);

        Assert.False(h.Manager.EndDialog(h.Manager.Current(ctx)!, "MI Termination"));
    }

    [Fact]
    public void SplitRouteSet_CommasInsideBracketsAndQuotes_StayInTheirValue()
    {
        var routes = DialogManager.SplitRouteSet(Encoding.ASCII.GetBytes("<sip:a;lr>, \"x,y\" <sip:b;lr>,<sip:c;p=\"1,2\">"));

        Assert.Equal(["<sip:a;lr>", "\"x,y\" <sip:b;lr>", "<sip:c;p=\"1,2\">"], routes);
    }

    [Fact]
    public void RouteSets_CallerAsReceivedCalleeReversedWithoutOurs_AreUsedForByes()
    {
        var ctx = _h.Begin(DialogHarness.Invite(recordRoute: "<sip:p1.example;lr>"));
        _h.Manager.CreateDialog(ctx, DialogCreateFlags.None, false);
        var dialog = _h.Manager.Current(ctx)!;
        var tx = _h.Tm.NewTransaction(ctx);
        tx.Fire(TmCallbackType.RequestBuilt, request: ctx.Msg, branch: 0);

        _h.Relay(tx, 200, recordRoute: "<sip:p2.example;lr>, <sip:127.0.0.1:35060;lr;did=x>, <sip:p1.example;lr>");
        _h.Manager.EndDialog(dialog, "MI Termination");

        Assert.Equal("<sip:p1.example;lr>", Encoding.ASCII.GetString(dialog.Leg(0).RouteSet!));
        Assert.Equal("<sip:p2.example;lr>", Encoding.ASCII.GetString(dialog.Leg(1).RouteSet!));
        Assert.Equal(["<sip:p1.example;lr>"], _h.Tm.Sent[0].RouteSet);
        Assert.Equal(["<sip:p2.example;lr>"], _h.Tm.Sent[1].RouteSet);
    }

    internal static RouteHandle RouteStub(string name = "r") =>
        (RouteHandle)typeof(RouteHandle).GetConstructors(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)[0]
            .Invoke([Parley.Scripting.Syntax.RouteType.Request, name]);

    private sealed class DelegateRunner(Action<Dialog, RouteHandle> run) : IDialogRouteRunner
    {
        public void Run(Dialog dialog, RouteHandle route) => run(dialog, route);
    }
}
