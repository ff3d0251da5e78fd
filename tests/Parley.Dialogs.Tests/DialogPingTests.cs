using System.Text;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary>
/// OPTIONS and re-INVITE pings (create_dialog <c>P p R r</c>, opensips-behaviour.md §5.6), CSeq translation once the
/// proxy generated requests (§3.6) and re-INVITE SDP staging (§1.6).
/// </summary>
public sealed class DialogPingTests : IDisposable
{
    private static readonly string CallerSdp = DialogHarness.Sdp;
    private static readonly string CalleeSdp = DialogHarness.Sdp.Replace("6004", "6000", StringComparison.Ordinal);

    private readonly DialogHarness _h = new(o =>
    {
        o.OptionsPingIntervalSeconds = 2;
        o.ReinvitePingIntervalSeconds = 3;
    });

    public void Dispose() => _h.Dispose();

    private static UacReply Answer(int code) => new(code, "Reason", "t", null, [], code == 408 ? null : [1]);

    [Fact]
    public void OptionsPings_BothSides_SentEveryIntervalAfterTheAck()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee);

        _h.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(_h.Tm.Sent);
        _h.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal(2, _h.Tm.Sent.Count);
        var toCaller = _h.Tm.Sent[0];
        Assert.Equal("OPTIONS", toCaller.Method);
        Assert.Equal("sip:sipp@127.0.0.1:35080;transport=UDP", toCaller.RequestUri);
        Assert.Equal(1u, toCaller.CSeq);
        Assert.Equal($"<sip:sipp@127.0.0.1:35080>;tag={DialogHarness.CallerTag}", toCaller.To);
        Assert.Null(toCaller.Headers);
        Assert.Null(toCaller.Body);
        var toCallee = _h.Tm.Sent[1];
        Assert.Equal("OPTIONS", toCallee.Method);
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", toCallee.RequestUri);
        Assert.Equal(2u, toCallee.CSeq);
        Assert.Equal("udp:127.0.0.1:35060", toCallee.Socket);

        _h.Tm.Pending[0].SetResult(Answer(200));
        _h.Tm.Pending[1].SetResult(Answer(200));
        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(4, _h.Tm.Sent.Count);
        Assert.Equal(2u, _h.Tm.Sent[2].CSeq);
        Assert.Equal(3u, _h.Tm.Sent[3].CSeq);
        Assert.Equal(DialogState.Confirmed, dialog.State);
    }

    [Fact]
    public void OptionsPings_BeforeTheAck_AreNotSent()
    {
        var (_, tx) = _h.StartCall(flags: DialogCreateFlags.PingCallee);
        _h.Relay(tx, 200);

        _h.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(_h.Tm.Sent);
    }

    [Fact]
    public void OptionsPing_StillPending_LegIsSkippedOnTheNextTick()
    {
        _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(3, _h.Tm.Sent.Count);
        Assert.Equal("sip:sipp@127.0.0.1:35080;transport=UDP", _h.Tm.Sent[2].RequestUri);
    }

    [Fact]
    public void OptionsPing_CalleeTimesOut_EndsOnTheNextTickWithByesBothWays()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));
        _h.Tm.Pending[1].SetResult(Answer(408));
        Assert.Equal(DialogState.Confirmed, dialog.State);

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(4, _h.Tm.Sent.Count);
        Assert.Equal("BYE", _h.Tm.Sent[2].Method);
        Assert.Equal(2u, _h.Tm.Sent[2].CSeq);
        Assert.Equal("BYE", _h.Tm.Sent[3].Method);
        Assert.Equal(3u, _h.Tm.Sent[3].CSeq);
        Assert.Equal("Callee Ping Timeout", dialog.EndReason);
        _h.Tm.Pending[2].SetResult(Answer(200));
        Assert.Equal(DialogState.Deleted, dialog.State);
        Assert.Equal(0, _h.Stat("active_dialogs"));

        _h.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, _h.Tm.Sent.Count);
    }

    [Fact]
    public void OptionsPing_LocalTimeoutOfTheCaller_EndsWithCallerPingTimeout()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(new UacReply(408, "Request Timeout", null, null, [], null));

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("Caller Ping Timeout", dialog.EndReason);
        Assert.Equal("BYE", _h.Tm.Sent[1].Method);
    }

    [Theory]
    [InlineData(481, true)]
    [InlineData(408, true)]
    [InlineData(405, false)]
    [InlineData(500, false)]
    [InlineData(200, false)]
    public void OptionsPing_ReplyClassification_OnlyTimeoutAnd481End(int code, bool ends)
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(code));

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(ends ? "BYE" : "OPTIONS", _h.Tm.Sent[^1].Method);
        Assert.Equal(ends ? "Callee Ping Timeout" : null, dialog.EndReason);
    }

    [Fact]
    public void OptionsPing_BothSidesFail_GenericReason()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(481));
        _h.Tm.Pending[1].SetResult(Answer(408));

        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("Ping Timeout", dialog.EndReason);
    }

    [Fact]
    public void Pings_DialogEndedByBye_StopPinging()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee);
        _h.Sequential(dialog, "BYE", 2);
        Assert.Equal(DialogState.Deleted, dialog.State);

        _h.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(_h.Tm.Sent);
    }

    [Fact]
    public void ReinvitePings_BothSides_CarryTheOtherSidesSdpAndOurContact()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.ReinvitePingCaller | DialogCreateFlags.ReinvitePingCallee);

        _h.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Empty(_h.Tm.Sent);
        _h.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, _h.Tm.Sent.Count);
        var toCaller = _h.Tm.Sent[0];
        Assert.Equal("INVITE", toCaller.Method);
        Assert.Equal(1u, toCaller.CSeq);
        Assert.True(toCaller.AckSuccess);
        Assert.Equal("Contact: <sip:127.0.0.1:35060>\r\nContent-Type: application/sdp\r\n", toCaller.Headers);
        Assert.Equal(CalleeSdp, Encoding.UTF8.GetString(toCaller.Body!).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        var toCallee = _h.Tm.Sent[1];
        Assert.Equal("INVITE", toCallee.Method);
        Assert.Equal(2u, toCallee.CSeq);
        Assert.Equal(CallerSdp, Encoding.UTF8.GetString(toCallee.Body!));

        _h.Tm.Pending[0].SetResult(Answer(200));
        _h.Tm.Pending[1].SetResult(Answer(408));
        _h.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("Callee ReINVITE Ping Timeout", dialog.EndReason);
    }

    [Fact]
    public void ReinvitePing_AfterAnsweredReInvite_CarriesTheCommittedOffer()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.ReinvitePingCallee);
        var newSdp = CallerSdp.Replace("6004", "7777", StringComparison.Ordinal);
        var text = DialogHarness.InDialog("INVITE", 2).TrimEnd('\n') + "\nContent-Type: application/sdp\n\n" + newSdp;
        var ctx = _h.Begin(text);
        _h.Manager.OnLooseRoute(ctx, Encoding.ASCII.GetBytes("lr;did=" + dialog.Did));
        var reinvite = _h.Tm.NewTransaction(ctx);

        // Not answered yet: still the old SDP.
        _h.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(CallerSdp, Encoding.UTF8.GetString(_h.Tm.Sent[0].Body!));
        _h.Tm.Pending[0].SetResult(Answer(200));

        _h.Relay(reinvite, 200, body: CalleeSdp);
        _h.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(newSdp, Encoding.UTF8.GetString(_h.Tm.Sent[1].Body!));
    }

    [Fact]
    public void CSeqTranslation_AfterPings_CallerByeReachesTheCalleeRenumbered()
    {
        // SIPssert dialog/02.pinging: pings 1 OPTIONS (caller) and 2 OPTIONS (callee), then the caller's 2 BYE leaves as 3 BYE.
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));
        _h.Tm.Pending[1].SetResult(Answer(200));

        _h.Sequential(dialog, "BYE", 2);

        var sent = Encoding.UTF8.GetString(_h.Editor.ToArray());
        Assert.Contains("CSeq: 3 BYE\r\n", sent, StringComparison.Ordinal);
    }

    [Fact]
    public void CSeqTranslation_NoGeneratedRequests_LeavesTheCSeqAlone()
    {
        var (dialog, _) = _h.ConfirmedCall();

        _h.Sequential(dialog, "INFO", 2);

        Assert.Contains("CSeq: 2 INFO\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void CSeqTranslation_ReplyToRenumberedRequest_GetsTheOriginalNumberBack()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));
        var ctx = _h.Sequential(dialog, "INVITE", 2);
        Assert.Contains("CSeq: 3 INVITE\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
        var tx = _h.Tm.NewTransaction(ctx);

        _h.Relay(tx, 200);

        Assert.Contains("CSeq: 2 INVITE\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void CSeqTranslation_NegativeReplyStoredByTm_IsRenumberedBackAsItArrives()
    {
        // tm keeps a negative final reply (the editor's output) and relays that copy later, after failure_route:
        // the copy must already carry the endpoint's CSeq, since the later relay has no context to edit.
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));
        var ctx = _h.Sequential(dialog, "INFO", 2);
        Assert.Contains("CSeq: 3 INFO\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
        var tx = _h.Tm.NewTransaction(ctx);
        var reply = DialogHarness.Parse(DialogHarness.Reply(486, cseq: 3, method: "INFO"));
        _h.Editor.Reset(reply);
        _h.Context.Begin(reply, _h.Editor, ctx.Source, Parley.Scripting.Syntax.RouteType.OnReply);

        tx.Fire(TmCallbackType.ResponseIn, reply: reply, code: 486, branch: 0, context: _h.Context);
        var stored = _h.Editor.ToArray();
        tx.Fire(TmCallbackType.ResponsePreOut, reply: DialogHarness.Parse(Encoding.UTF8.GetString(stored)), code: 486, branch: 0);

        Assert.Contains("CSeq: 2 INFO\r\n", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public void CSeqTranslation_AckOfRenumberedReInvite_UsesTheMappedNumber()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCallee);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));
        _h.Sequential(dialog, "INVITE", 2);
        _h.Sequential(dialog, "INFO", 3);
        Assert.Contains("CSeq: 4 INFO\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);

        _h.Sequential(dialog, "ACK", 2);

        Assert.Contains("CSeq: 3 ACK\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void CSeqTranslation_UpstreamRequestAfterCallerPing_IsRenumbered()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCaller);
        _h.Advance(TimeSpan.FromSeconds(2.5));
        _h.Tm.Pending[0].SetResult(Answer(200));

        _h.Sequential(dialog, "INFO", 1, upstream: true);

        Assert.Contains("CSeq: 2 INFO\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void PingInterval_PerDialogOverride_ReschedulesAndIsUsedAfterwards()
    {
        var (dialog, _) = _h.ConfirmedCall(flags: DialogCreateFlags.PingCallee);
        Assert.Equal(2, _h.Manager.GetPingInterval(dialog, reinvite: false));

        _h.Manager.SetPingInterval(dialog, reinvite: false, 10);
        _h.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(_h.Tm.Sent);
        _h.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Single(_h.Tm.Sent);
        _h.Tm.Pending[0].SetResult(Answer(200));

        _h.Advance(TimeSpan.FromSeconds(9));
        Assert.Single(_h.Tm.Sent);
        _h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _h.Tm.Sent.Count);
        Assert.Equal(3, _h.Manager.GetPingInterval(dialog, reinvite: true));
    }
}
