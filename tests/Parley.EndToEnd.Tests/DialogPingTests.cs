using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Parley.EndToEnd.Tests.Infrastructure;
using Proxy = Parley.EndToEnd.Tests.Infrastructure.MiProxy;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// Requests the dialog module generates, end to end (Fixtures/dialog/dialog-ping.cfg, real SIPp on both sides): OPTIONS
/// and re-INVITE pings (opensips-behaviour.md §5.6), the CSeq renumbering that follows them (§3.6), a dead callee ending
/// the call with BYE, and MI <c>dlg_send_sequential</c>.
/// </summary>
public sealed class DialogPingTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);


    private static Task<bool> EventuallyAsync(Func<Task<bool>> check, TimeSpan within) => MiProxy.EventuallyAsync(check, within);

    private static async Task<Proxy> StartAsync(int uasPort)
    {
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dialog", "dialog-ping.cfg")))
            .Replace("{SIP_PORT}", Port(sip), StringComparison.Ordinal)
            .Replace("{HTTP_PORT}", Port(http), StringComparison.Ordinal)
            .Replace("{UAS}", Port(uasPort), StringComparison.Ordinal);
        var proxy = new Proxy(await ParleyProcess.StartAsync(text), sip, http);
        await Task.Delay(300);
        return proxy;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Context(int code, string output, SippServer callee, int? calleeCode, Proxy proxy) =>
        $"caller exited {code}:\n{output}\ncallee exited {calleeCode?.ToString(CultureInfo.InvariantCulture) ?? "(running)"}:\n{callee.Output}\nparley:\n{proxy.Parley.Output}";

    private static async Task AssertNoDialogsLeftAsync(Proxy proxy)
    {
        Assert.True(await EventuallyAsync(async () => (await proxy.DialogsAsync()).GetArrayLength() == 0, TimeSpan.FromSeconds(20)),
            "dialogs still listed: " + await proxy.DialogsAsync());
        Assert.Equal(0, await proxy.StatisticAsync("dialog:active_dialogs"));
    }

    [Fact]
    public async Task OptionsPings_BothSidesAnswer_CallContinuesAndTheCallersByeIsRenumbered()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-ping.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);

        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-dialog-ping.xml"), proxy.SipPort, "u1", 1, 10, "-s", "ping");

        var calleeCode = await uas.WaitForExitAsync(CalleeExit);
        var context = Context(code, output, uas, calleeCode, proxy);
        Assert.True(code == 0 && calleeCode == 0, context);
        Assert.Equal(1, Sipp.SuccessfulCalls(output));
        // The caller's BYE ended it (the hang-up route ran), not a ping.
        Assert.Contains("DLG-END callid=", proxy.Parley.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Ping Timeout", proxy.Parley.Output, StringComparison.Ordinal);
        await AssertNoDialogsLeftAsync(proxy);
    }

    [Fact]
    public async Task OptionsPing_DeadCallee_EndsTheCallAsPingTimeoutWithByeToTheCaller()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-ping-dead.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);

        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-dialog-ping-bye.xml"), proxy.SipPort, "u1", 1, 10, "-s", "ping");

        var calleeCode = await uas.WaitForExitAsync(CalleeExit);
        var context = Context(code, output, uas, calleeCode, proxy);
        Assert.True(code == 0 && calleeCode == 0, context);
        Assert.Equal(1, Sipp.SuccessfulCalls(output));
        Assert.True(await EventuallyAsync(() => Task.FromResult(proxy.Parley.Output.Contains("reason=Callee Ping Timeout", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10)), context);
        await AssertNoDialogsLeftAsync(proxy);
    }

    [Fact]
    public async Task ReinvitePings_Callee_GetsReInviteWithTheCallersSdpAndAcksIt()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-rping.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);

        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-dialog-long.xml"), proxy.SipPort, "u1", 1, 10, "-s", "rping");

        var calleeCode = await uas.WaitForExitAsync(CalleeExit);
        var context = Context(code, output, uas, calleeCode, proxy);
        Assert.True(code == 0 && calleeCode == 0, context);
        Assert.Equal(1, Sipp.SuccessfulCalls(output));
        // The caller's BYE ended it (the hang-up route ran), not a ping.
        Assert.Contains("DLG-END callid=", proxy.Parley.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Ping Timeout", proxy.Parley.Output, StringComparison.Ordinal);
        await AssertNoDialogsLeftAsync(proxy);
    }

    [Fact]
    public async Task MiDlgSendSequential_InfoToTheCallee_ReturnsTheCalleesReply()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-info.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);

        var caller = Sipp.RunAsync(Sipp.Scenario("uac-dialog-long.xml"), proxy.SipPort, "u1", 1, 10, "-s", "plain");
        Assert.True(await EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            return dialogs.GetArrayLength() == 1 && dialogs[0].GetProperty("state").GetInt32() == 4;
        }, TimeSpan.FromSeconds(10)), "no confirmed dialog: " + proxy.Parley.Output);
        var callId = (await proxy.DialogsAsync())[0].GetProperty("callid").GetString();

        var result = await proxy.ResultAsync("dlg_send_sequential", $"{{\"callid\":\"{callId}\",\"mode\":\"callee\",\"method\":\"INFO\"}}");

        Assert.Equal(200, result.GetProperty("Code").GetInt32());
        Assert.Equal("Info Taken", result.GetProperty("Reason").GetString());
        var (code, output) = await caller;
        var calleeCode = await uas.WaitForExitAsync(CalleeExit);
        Assert.True(code == 0 && calleeCode == 0, Context(code, output, uas, calleeCode, proxy));
        await AssertNoDialogsLeftAsync(proxy);
        var missing = await proxy.CallAsync("dlg_send_sequential", $"{{\"callid\":\"{callId}\"}}");
        Assert.Equal(404, missing.GetProperty("error").GetProperty("code").GetInt32());
    }
}
