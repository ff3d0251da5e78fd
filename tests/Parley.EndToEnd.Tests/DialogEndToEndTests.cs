using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Parley.EndToEnd.Tests.Infrastructure;
using Proxy = Parley.EndToEnd.Tests.Infrastructure.MiProxy;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// The dialog module end to end: the real parley with Fixtures/dialog/dialog-e2e.cfg (tm + rr + dialog + MI over HTTP)
/// between real SIPp callers and callees, with the MI output and the statistics checked during and after the calls.
/// </summary>
public sealed class DialogEndToEndTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);


    private static async Task<Proxy> StartAsync(int uasPort, int? secondUasPort = null)
    {
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dialog", "dialog-e2e.cfg")))
            .Replace("{SIP_PORT}", Port(sip), StringComparison.Ordinal)
            .Replace("{HTTP_PORT}", Port(http), StringComparison.Ordinal)
            .Replace("{UAS}", Port(uasPort), StringComparison.Ordinal)
            .Replace("{UAS2}", Port(secondUasPort ?? uasPort), StringComparison.Ordinal);
        var proxy = new Proxy(await ParleyProcess.StartAsync(text), sip, http);
        await Task.Delay(300);
        return proxy;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static void AssertSucceeded(int calls, int code, string output, SippServer? callee, int? calleeCode, Proxy proxy)
    {
        var context = $"caller exited {code}:\n{output}\ncallee exited {calleeCode?.ToString(CultureInfo.InvariantCulture) ?? "(running)"}:\n{callee?.Output}\nparley:\n{proxy.Parley.Output}";
        Assert.True(code == 0, context);
        Assert.Equal(calls, Sipp.SuccessfulCalls(output));
        if (callee is not null)
        {
            Assert.True(calleeCode == 0, context);
        }

        Assert.False(proxy.Parley.HasExited, context);
    }

    private static async Task AssertCountersBackToZeroAsync(Proxy proxy)
    {
        Assert.True(await Proxy.EventuallyAsync(async () => (await proxy.DialogsAsync()).GetArrayLength() == 0, TimeSpan.FromSeconds(20)),
            "dialogs still listed: " + await proxy.DialogsAsync());
        Assert.Equal(0, await proxy.StatisticAsync("dialog:active_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:early_dialogs"));
        Assert.Equal(0, (await proxy.ResultAsync("profile_get_size", "{\"profile\":\"caller\"}")).GetProperty("Profile").GetProperty("count").GetInt32());
        Assert.Equal(0, (await proxy.ResultAsync("profile_get_size", "{\"profile\":\"inbound\"}")).GetProperty("Profile").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task BasicCall_DlgListShowsConfirmedDialogs_GoneAfterBye()
    {
        const int calls = 3;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", calls);
        await using var proxy = await StartAsync(uasPort);

        var caller = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), proxy.SipPort, "u1", calls, 10, "-d", "4000");

        Assert.True(await Proxy.EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            return dialogs.GetArrayLength() == calls && dialogs.EnumerateArray().All(d => d.GetProperty("state").GetInt32() == 4);
        }, TimeSpan.FromSeconds(10)), "dialogs never all confirmed: " + await proxy.DialogsAsync() + "\n" + proxy.Parley.Output);

        var listed = await proxy.DialogsAsync();
        foreach (var dialog in listed.EnumerateArray())
        {
            Assert.Matches("^[0-9a-f]+\\.[0-9a-f]+$", dialog.GetProperty("ID").GetString());
            Assert.StartsWith("sip:sipp@127.0.0.1:", dialog.GetProperty("from_uri").GetString(), StringComparison.Ordinal);
            Assert.Equal("0", dialog.GetProperty("callee_cseq").GetString());
            Assert.Equal($"udp:127.0.0.1:{proxy.SipPort}", dialog.GetProperty("caller_bind_addr").GetString());
            var callee = Assert.Single(dialog.GetProperty("CALLEES").EnumerateArray());
            Assert.Contains("SIPpTag01", callee.GetProperty("callee_tag").GetString(), StringComparison.Ordinal);
            Assert.Equal($"sip:127.0.0.1:{uasPort};transport=UDP", callee.GetProperty("callee_contact").GetString());
            Assert.Equal("1", callee.GetProperty("caller_cseq").GetString());
            Assert.True(dialog.GetProperty("timeout").GetInt64() > dialog.GetProperty("timestart").GetInt64());
        }

        var one = listed[0];
        var byCallId = await proxy.ResultAsync("dlg_list", $"{{\"callid\":\"{one.GetProperty("callid").GetString()}\"}}");
        Assert.Equal(one.GetProperty("ID").GetString(), byCallId.GetProperty("Dialog").GetProperty("ID").GetString());
        Assert.Equal(calls, await proxy.StatisticAsync("dialog:active_dialogs"));
        Assert.Equal(calls, (await proxy.ResultAsync("profile_get_size", "{\"profile\":\"caller\",\"value\":\"sipp\"}")).GetProperty("Profile").GetProperty("count").GetInt32());

        var (code, output) = await caller;
        AssertSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        await AssertCountersBackToZeroAsync(proxy);
        Assert.Equal(calls, await proxy.StatisticAsync("dialog:processed_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:failed_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:expired_dialogs"));
    }

    [Fact]
    public async Task LifetimeOfThreeSecondsWithB_BothSidesGetByeWithTheRightCSeq()
    {
        const int calls = 2;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-bye-from-proxy.xml"), uasPort, "u1", calls);
        await using var proxy = await StartAsync(uasPort);

        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-dialog-bye-from-proxy.xml"), proxy.SipPort, "u1", calls, 10, "-s", "timeout");

        AssertSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        Assert.Equal(calls, await proxy.StatisticAsync("dialog:expired_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:failed_dialogs"));
        await AssertCountersBackToZeroAsync(proxy);
    }

    [Fact]
    public async Task DlgEndDlg_ConfirmedCall_BothSidesGetBye()
    {
        const int calls = 1;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-bye-from-proxy.xml"), uasPort, "u1", calls);
        await using var proxy = await StartAsync(uasPort);

        var caller = Sipp.RunAsync(Sipp.Scenario("uac-dialog-bye-from-proxy.xml"), proxy.SipPort, "u1", calls, 10);
        Assert.True(await Proxy.EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            return dialogs.GetArrayLength() == 1 && dialogs[0].GetProperty("state").GetInt32() == 4;
        }, TimeSpan.FromSeconds(10)), "no confirmed dialog: " + proxy.Parley.Output);
        var id = (await proxy.DialogsAsync())[0].GetProperty("ID").GetString();

        Assert.Equal("OK", (await proxy.ResultAsync("dlg_end_dlg", $"{{\"dialog_id\":\"{id}\"}}")).GetString());

        var (code, output) = await caller;
        AssertSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        Assert.Equal(0, await proxy.StatisticAsync("dialog:expired_dialogs"));
        await AssertCountersBackToZeroAsync(proxy);
        var missing = await proxy.CallAsync("dlg_end_dlg", $"{{\"dialog_id\":\"{id}\"}}");
        Assert.Equal(404, missing.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task CancelBeforeAnswer_CountedAsFailed()
    {
        const int calls = 3;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), uasPort, "u1", calls);
        await using var proxy = await StartAsync(uasPort);

        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr-cancel.xml"), proxy.SipPort, "u1", calls, 10);

        AssertSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        Assert.True(await Proxy.EventuallyAsync(async () => await proxy.StatisticAsync("dialog:failed_dialogs") == calls, TimeSpan.FromSeconds(10)));
        Assert.Equal(calls, await proxy.StatisticAsync("dialog:processed_dialogs"));
        await AssertCountersBackToZeroAsync(proxy);
    }

    [Fact]
    public async Task ProfileLimit_ThirdConcurrentCallOfACaller_Gets486()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", 2);
        await using var proxy = await StartAsync(uasPort);

        var held = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), proxy.SipPort, "u1", 2, 10, "-s", "limited", "-d", "4000");
        Assert.True(await Proxy.EventuallyAsync(async () =>
            (await proxy.ResultAsync("profile_get_size", "{\"profile\":\"caller\",\"value\":\"sipp\"}")).GetProperty("Profile").GetProperty("count").GetInt32() == 2,
            TimeSpan.FromSeconds(10)), proxy.Parley.Output);

        var (rejected, rejectedOutput) = await Sipp.RunAsync(Sipp.Scenario("uac-rr-486.xml"), proxy.SipPort, "u1", 1, 10, "-s", "limited");

        Assert.True(rejected == 0, rejectedOutput + "\n" + proxy.Parley.Output);
        Assert.Equal(2, await proxy.StatisticAsync("dialog:processed_dialogs"));
        var (code, output) = await held;
        AssertSucceeded(2, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        await AssertCountersBackToZeroAsync(proxy);
    }

    [Fact]
    public async Task StateChangedEvent_UdpSubscriber_SeesStatesOneToFive()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);
        using var listener = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var listenPort = ((IPEndPoint)listener.Client.LocalEndPoint!).Port;
        Assert.Equal("OK", (await proxy.ResultAsync("event_subscribe",
            $"{{\"event\":\"E_DLG_STATE_CHANGED\",\"socket\":\"udp:127.0.0.1:{listenPort}\"}}")).GetString());

        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), proxy.SipPort, "u1", 1, 10);
        AssertSucceeded(1, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);

        var transitions = new List<string>();
        string? did = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (transitions.Count < 4)
        {
            var datagram = await listener.ReceiveAsync(cts.Token);
            using var doc = JsonDocument.Parse(datagram.Buffer);
            Assert.Equal("E_DLG_STATE_CHANGED", doc.RootElement.GetProperty("method").GetString());
            var p = doc.RootElement.GetProperty("params");
            Assert.Equal(["id", "db_id", "callid", "from_tag", "to_tag", "old_state", "new_state"], p.EnumerateObject().Select(x => x.Name).ToArray());
            did ??= p.GetProperty("id").GetString();
            Assert.Equal(did, p.GetProperty("id").GetString());
            transitions.Add($"{p.GetProperty("old_state").GetInt32()}>{p.GetProperty("new_state").GetInt32()}");
        }

        Assert.Equal(["1>2", "2>3", "3>4", "4>5"], transitions);
    }

    [Fact]
    public async Task DlgEndDlg_EarlyCall_CallerGets487AndCalleeGetsCancel()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);

        // The caller never cancels: only the proxy's CANCEL (from dlg_end_dlg) can bring it the 487 it waits for.
        var caller = Sipp.RunAsync(Sipp.Scenario("uac-ring-487.xml"), proxy.SipPort, "u1", 1, 10);
        Assert.True(await Proxy.EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            return dialogs.GetArrayLength() == 1 && dialogs[0].GetProperty("state").GetInt32() == 2;
        }, TimeSpan.FromSeconds(10)), "no early dialog: " + await proxy.DialogsAsync() + "\n" + proxy.Parley.Output);
        var id = (await proxy.DialogsAsync())[0].GetProperty("ID").GetString();
        Assert.Equal(1, await proxy.StatisticAsync("dialog:early_dialogs"));

        Assert.Equal("OK", (await proxy.ResultAsync("dlg_end_dlg", $"{{\"dialog_id\":\"{id}\"}}")).GetString());

        var (code, output) = await caller;
        AssertSucceeded(1, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        Assert.True(await Proxy.EventuallyAsync(async () => await proxy.StatisticAsync("dialog:failed_dialogs") == 1, TimeSpan.FromSeconds(10)),
            "failed_dialogs never 1\n" + proxy.Parley.Output);
        Assert.Equal(1, await proxy.StatisticAsync("dialog:processed_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:expired_dialogs"));
        await AssertCountersBackToZeroAsync(proxy);
        var missing = await proxy.CallAsync("dlg_end_dlg", $"{{\"dialog_id\":\"{id}\"}}");
        Assert.Equal(404, missing.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DlgOnTimeout_RouteExtendsTheCall_ThenByeOnSecondExpiry()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-dialog-bye-from-proxy.xml"), uasPort, "u1", 1);
        await using var proxy = await StartAsync(uasPort);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var caller = Sipp.RunAsync(Sipp.Scenario("uac-dialog-bye-from-proxy.xml"), proxy.SipPort, "u1", 1, 10, "-s", "extend");
        long firstTimeout = 0;
        Assert.True(await Proxy.EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            if (dialogs.GetArrayLength() != 1 || dialogs[0].GetProperty("state").GetInt32() != 4)
            {
                return false;
            }

            firstTimeout = dialogs[0].GetProperty("timeout").GetInt64();
            return true;
        }, TimeSpan.FromSeconds(10)), "no confirmed dialog: " + proxy.Parley.Output);
        Assert.InRange(firstTimeout - (await proxy.DialogsAsync())[0].GetProperty("timestart").GetInt64(), 1, 3);

        // After the first expiry route[extend] re-armed the lifetime: still listed, still confirmed, a later timeout.
        JsonElement extended = default;
        Assert.True(await Proxy.EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            if (dialogs.GetArrayLength() != 1 || dialogs[0].GetProperty("timeout").GetInt64() <= firstTimeout)
            {
                return false;
            }

            extended = dialogs[0].Clone();
            return true;
        }, TimeSpan.FromSeconds(10)), "the lifetime was never extended: " + await proxy.DialogsAsync() + "\n" + proxy.Parley.Output);
        Assert.Equal(4, extended.GetProperty("state").GetInt32());
        Assert.True(extended.GetProperty("timeout").GetInt64() >= firstTimeout + 1, extended.ToString());
        Assert.Equal(0, await proxy.StatisticAsync("dialog:expired_dialogs"));

        var (code, output) = await caller;
        started.Stop();
        AssertSucceeded(1, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy);
        // Two lifetimes of 2 s, so the BYEs came well after the first would have ended the call.
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(3), started.Elapsed.ToString());
        Assert.Equal(1, await proxy.StatisticAsync("dialog:expired_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:failed_dialogs"));
        await AssertCountersBackToZeroAsync(proxy);
    }

    [Fact]
    public async Task Fork_TwoCallees_FirstRings_SecondAnswers_DialogOnTheAnsweringLeg()
    {
        var ringingPort = FreePorts.Next();
        var answeringPort = FreePorts.Next();
        using var ringing = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), ringingPort, "u1", 1);
        using var answering = Sipp.StartUasScenario(Sipp.Scenario("uas-fork-answer.xml"), answeringPort, "u1", 1);
        await using var proxy = await StartAsync(ringingPort, answeringPort);

        var caller = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), proxy.SipPort, "u1", 1, 10, "-s", "fork", "-d", "4000");
        Assert.True(await Proxy.EventuallyAsync(async () =>
        {
            var dialogs = await proxy.DialogsAsync();
            return dialogs.GetArrayLength() == 1 && dialogs[0].GetProperty("state").GetInt32() == 4;
        }, TimeSpan.FromSeconds(10)), "no confirmed dialog: " + await proxy.DialogsAsync() + "\n" + proxy.Parley.Output);

        var dialog = (await proxy.DialogsAsync())[0];
        var legs = dialog.GetProperty("CALLEES").EnumerateArray().ToList();
        var answered = Assert.Single(legs, l => l.GetProperty("callee_contact").GetString() == $"sip:127.0.0.1:{answeringPort};transport=UDP");
        Assert.Contains("SIPpTagB", answered.GetProperty("callee_tag").GetString(), StringComparison.Ordinal);
        Assert.Equal("1", answered.GetProperty("caller_cseq").GetString());
        Assert.Equal(1, await proxy.StatisticAsync("dialog:active_dialogs"));

        // The BYE reaches the answering callee (its scenario waits for it); the ringing one got CANCEL → 487 → ACK.
        var (code, output) = await caller;
        AssertSucceeded(1, code, output, answering, await answering.WaitForExitAsync(CalleeExit), proxy);
        var ringingCode = await ringing.WaitForExitAsync(CalleeExit);
        Assert.True(ringingCode == 0, $"ringing callee exited {ringingCode}:\n{ringing.Output}\nparley:\n{proxy.Parley.Output}");
        await AssertCountersBackToZeroAsync(proxy);
        Assert.Equal(1, await proxy.StatisticAsync("dialog:processed_dialogs"));
        Assert.Equal(0, await proxy.StatisticAsync("dialog:failed_dialogs"));
    }
}
