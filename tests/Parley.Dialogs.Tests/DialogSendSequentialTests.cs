using System.Text;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary><c>dlg_send_sequential</c> (manual §1.7.25, MI §1.9.13) and <c>dlg_inc_cseq</c> (§1.7.26).</summary>
public sealed class DialogSendSequentialTests : IDisposable
{
    private readonly DialogHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static byte[] RawReply(int code, string body = "") => Encoding.UTF8.GetBytes(
        $"SIP/2.0 {code} Fine\r\nVia: SIP/2.0/UDP 127.0.0.1:35060;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\n"
        + (body.Length > 0 ? "Content-Type: application/sdp\r\n" : string.Empty) + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

    private static UacReply Received(int code, string reason = "Fine", string body = "") => new(code, reason, "t", null, [], RawReply(code, body));

    [Fact]
    public async Task SendSequential_ToCalleeWithBodyAndHeaders_BuildsTheInDialogRequest()
    {
        var (dialog, _) = _h.ConfirmedCall();

        var pending = _h.Manager.SendSequential(dialog, "INFO", toCaller: false, Encoding.UTF8.GetBytes("Signal=1\r\nDuration=160"),
            "application/dtmf-relay", "X-A: 1\nX-B: 2");

        Assert.NotNull(pending);
        var sent = Assert.Single(_h.Tm.Sent);
        Assert.Equal("INFO", sent.Method);
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", sent.RequestUri);
        Assert.Equal(2u, sent.CSeq);
        Assert.Equal($"<sip:service@127.0.0.1:35060>;tag={DialogHarness.CalleeTag}", sent.To);
        Assert.Equal($"<sip:sipp@127.0.0.1:35080>;tag={DialogHarness.CallerTag}", sent.From);
        Assert.Equal("Contact: <sip:127.0.0.1:35060>\r\nContent-Type: application/dtmf-relay\r\nX-A: 1\r\nX-B: 2\r\n", sent.Headers);
        Assert.Equal("Signal=1\r\nDuration=160", Encoding.UTF8.GetString(sent.Body!));
        Assert.False(sent.AckSuccess);
        _h.Tm.Pending[0].SetResult(Received(200));
        Assert.Equal(200, (await pending).Code);
    }

    [Fact]
    public void SendSequential_InviteToCaller_IsAcknowledgedAndRenumbersTheCallersNextRequests()
    {
        var (dialog, _) = _h.ConfirmedCall();

        _h.Manager.SendSequential(dialog, "INVITE", toCaller: true, null, null, null);

        var sent = Assert.Single(_h.Tm.Sent);
        Assert.Equal(1u, sent.CSeq);
        Assert.True(sent.AckSuccess);
        Assert.Null(sent.Body);
        _h.Tm.Pending[0].SetResult(Received(200));

        // §3.6: the callee's own request toward the caller now follows our INVITE.
        _h.Sequential(dialog, "INFO", 1, upstream: true);
        Assert.Contains("CSeq: 2 INFO\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void SendSequential_EarlyOrEndedDialog_SendsNothing()
    {
        var (early, tx) = _h.StartCall();
        _h.Relay(tx, 180);
        Assert.Null(_h.Manager.SendSequential(early, "INFO", toCaller: true, null, null, null));

        Assert.Empty(_h.Tm.Sent);
    }

    [Fact]
    public void IncrementCSeq_CalleeTag_ShiftsTheNextRequestTowardTheCallee()
    {
        var (dialog, _) = _h.ConfirmedCall();

        Assert.Equal(1, _h.Manager.IncrementCSeq(dialog, Encoding.ASCII.GetBytes(DialogHarness.CalleeTag), 5));
        _h.Sequential(dialog, "INFO", 2);

        Assert.Contains("CSeq: 7 INFO\r\n", Encoding.UTF8.GetString(_h.Editor.ToArray()), StringComparison.Ordinal);
        Assert.Equal(-1, _h.Manager.IncrementCSeq(dialog, "nobody"u8, 1));
    }

    [Fact]
    public void IncrementCSeq_Negative_MovesBack()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Manager.SendSequential(dialog, "OPTIONS", toCaller: false, null, null, null);
        Assert.Equal(2u, _h.Tm.Sent[0].CSeq);

        _h.Manager.IncrementCSeq(dialog, Encoding.ASCII.GetBytes(DialogHarness.CalleeTag), -1);
        _h.Manager.SendSequential(dialog, "OPTIONS", toCaller: false, null, null, null);

        Assert.Equal(2u, _h.Tm.Sent[1].CSeq);
    }

    private Task<System.Text.Json.Nodes.JsonNode> MiAsync(string parameters) => Task.Run(() =>
        _h.Mi("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"dlg_send_sequential\",\"params\":{\"callid\":\"" + DialogHarness.CallId + "\"" + parameters + "}}"));

    private void WaitSent(int count)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (_h.Tm.Pending.Count < count && DateTime.UtcNow < until)
        {
            Thread.Yield();
        }

        Assert.True(_h.Tm.Pending.Count >= count, "the MI command did not send its request");
    }

    [Fact]
    public async Task Mi_DefaultMode_SendsInviteToTheCallerAndAnswersWithItsReply()
    {
        _h.ConfirmedCall();

        var answer = MiAsync(string.Empty);
        WaitSent(1);
        Assert.Equal("INVITE", _h.Tm.Sent[0].Method);
        Assert.Equal("sip:sipp@127.0.0.1:35080;transport=UDP", _h.Tm.Sent[0].RequestUri);
        _h.Tm.Pending[0].SetResult(Received(200, "OK Then"));

        var result = (await answer)["result"]!;
        Assert.Equal(200, (int)result["Code"]!);
        Assert.Equal("OK Then", (string)result["Reason"]!);
    }

    [Fact]
    public async Task Mi_CalleeReferWithHeaders_SendsThemAndReportsA4xx()
    {
        _h.ConfirmedCall();

        var answer = MiAsync(",\"method\":\"REFER\",\"mode\":\"callee\",\"body\":\"none\",\"headers\":\"Refer-To: sip:user@domain:50060\\r\\n\"");
        WaitSent(1);
        var sent = _h.Tm.Sent[0];
        Assert.Equal("REFER", sent.Method);
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", sent.RequestUri);
        Assert.Equal("Contact: <sip:127.0.0.1:35060>\r\nRefer-To: sip:user@domain:50060\r\n", sent.Headers);
        _h.Tm.Pending[0].SetResult(Received(403, "Forbidden"));

        var result = (await answer)["result"]!;
        Assert.Equal(403, (int)result["Code"]!);
        Assert.Equal("Forbidden", (string)result["Reason"]!);
    }

    [Fact]
    public async Task Mi_LocalTimeout_IsAnError()
    {
        _h.ConfirmedCall();

        var answer = MiAsync(",\"mode\":\"callee\"");
        WaitSent(1);
        _h.Tm.Pending[0].SetResult(new UacReply(408, "Request Timeout", null, null, [], null));

        var error = (await answer)["error"]!;
        Assert.Equal(408, (int)error["code"]!);
    }

    [Fact]
    public async Task Mi_BodyModes_InboundAndCustom_CarryTheRightBodies()
    {
        _h.ConfirmedCall();

        var inbound = MiAsync(",\"mode\":\"callee\",\"body\":\"inbound\"");
        WaitSent(1);
        Assert.Equal(DialogHarness.Sdp, Encoding.UTF8.GetString(_h.Tm.Sent[0].Body!));
        Assert.Contains("Content-Type: application/sdp\r\n", _h.Tm.Sent[0].Headers, StringComparison.Ordinal);
        _h.Tm.Pending[0].SetResult(Received(200));
        await inbound;

        var custom = MiAsync(",\"method\":\"INFO\",\"body\":\"custom:text/plain:hello\"");
        WaitSent(2);
        Assert.Equal("hello", Encoding.UTF8.GetString(_h.Tm.Sent[1].Body!));
        Assert.Contains("Content-Type: text/plain\r\n", _h.Tm.Sent[1].Headers, StringComparison.Ordinal);
        _h.Tm.Pending[1].SetResult(Received(200));
        await custom;
    }

    [Fact]
    public async Task Mi_ChallengeCallee_OffersTheCalleesAnswerToTheCaller()
    {
        _h.ConfirmedCall();
        var offer = DialogHarness.Sdp.Replace("6004", "9999", StringComparison.Ordinal);

        var answer = MiAsync(",\"mode\":\"challenge-callee\"");
        WaitSent(1);
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", _h.Tm.Sent[0].RequestUri);
        _h.Tm.Pending[0].SetResult(Received(200, "OK", offer));
        WaitSent(2);
        Assert.Equal("sip:sipp@127.0.0.1:35080;transport=UDP", _h.Tm.Sent[1].RequestUri);
        Assert.Equal(offer, Encoding.UTF8.GetString(_h.Tm.Sent[1].Body!));
        _h.Tm.Pending[1].SetResult(Received(488, "Not Here"));

        var result = (await answer)["result"]!;
        Assert.Equal(488, (int)result["Code"]!);
    }

    [Theory]
    [InlineData(",\"mode\":\"sideways\"", 400, "Invalid mode")]
    [InlineData(",\"body\":\"whatever\"", 400, "Invalid body mode")]
    [InlineData(",\"mode\":\"challenge\",\"method\":\"INFO\"", 406, "Not Acceptable")]
    public async Task Mi_BadParameters_AreRefused(string parameters, int code, string message)
    {
        _h.ConfirmedCall();

        var error = (await MiAsync(parameters))["error"]!;

        Assert.Equal(code, (int)error["code"]!);
        Assert.Equal(message, (string)error["message"]!);
        Assert.Empty(_h.Tm.Sent);
    }

    [Fact]
    public async Task Mi_UnknownCallId_Is404()
    {
        var error = (await MiAsync(string.Empty))["error"]!;

        Assert.Equal(404, (int)error["code"]!);
        Assert.Equal("Dialog Not Found", (string)error["message"]!);
    }
}
