using System.Diagnostics;
using System.Globalization;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// tm's branch control end to end: the real parley with Fixtures/tm/branch-control.cfg between real SIPp callers and
/// callees. The callees' and callers' scenarios check the headers the features put on the wire (SIPp's check_it
/// fails a call when one is missing), and every call must succeed on both sides.
/// </summary>
public sealed class TmBranchControlTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> FixtureAsync(int port, int uas1, int uas2, int avpMode) =>
        (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tm", "branch-control.cfg")))
            .Replace("{SIP_PORT}", Port(port), StringComparison.Ordinal)
            .Replace("{UAS1}", Port(uas1), StringComparison.Ordinal)
            .Replace("{UAS2}", Port(uas2), StringComparison.Ordinal)
            .Replace("{AVP_MODE}", Port(avpMode), StringComparison.Ordinal);

    private static async Task<(ParleyProcess Parley, int Port)> StartAsync(int uas1, int uas2, int avpMode = 0)
    {
        var port = FreePorts.Next();
        return (await ParleyProcess.StartAsync(await FixtureAsync(port, uas1, uas2, avpMode)), port);
    }

    private static void AssertAllSucceeded(int calls, int code, string output, SippServer? callee, int? calleeCode, ParleyProcess parley)
    {
        var context = $"caller exited {code}:\n{output}\ncallee exited {calleeCode?.ToString(CultureInfo.InvariantCulture) ?? "(running)"}:\n{callee?.Output}\nparley:\n{parley.Output}";
        Assert.True(code == 0, context);
        Assert.Equal(calls, Sipp.SuccessfulCalls(output));
        Assert.Equal(0, Sipp.FailedCalls(output));
        if (callee is not null)
        {
            Assert.True(calleeCode == 0, context);
            Assert.Equal(calls, Sipp.SuccessfulCalls(callee.Output));
        }

        Assert.False(parley.HasExited, context);
    }

    [Fact]
    public async Task CancelBranch_On183_CalleeGetsCancelWithAddedHeaders_CallerGets487()
    {
        const int calls = 5;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-183-cancel.xml"), uasPort, "u1", calls);
        var (parley, port) = await StartAsync(uasPort, FreePorts.Next());
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-cancel-183.xml"), port, "u1", calls, rate: 10, "-s", "cancel183");
            // The callee's scenario requires the CANCEL and X-Tm-Extra (t_add_hdrs) on the INVITE, the CANCEL and the ACK.
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
        }
    }

    [Fact]
    public async Task WaitForNewBranches_BothCalleesBusy_CallerGets486OnlyAtFrInvTimeout()
    {
        const int calls = 3;
        var busy1 = FreePorts.Next();
        var busy2 = FreePorts.Next();
        using var uas1 = Sipp.StartUasScenario(Sipp.Scenario("uas-486.xml"), busy1, "u1", calls);
        using var uas2 = Sipp.StartUasScenario(Sipp.Scenario("uas-486.xml"), busy2, "u1", calls);
        var (parley, port) = await StartAsync(busy1, busy2);
        await using (parley)
        {
            await Task.Delay(300);
            var clock = Stopwatch.StartNew();
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr-486.xml"), port, "u1", calls, rate: 10, "-s", "wait");
            var elapsed = clock.Elapsed;
            AssertAllSucceeded(calls, code, output, uas1, await uas1.WaitForExitAsync(CalleeExit), parley);
            Assert.Equal(0, await uas2.WaitForExitAsync(CalleeExit));

            // Both 486s arrive at once; the transaction waits for injected branches until its fr_inv_timeout
            // ($T_fr_inv_timeout = 2, the module's is 120 s).
            Assert.True(elapsed >= TimeSpan.FromSeconds(1.8), $"the 486 came after {elapsed}: the transaction did not wait");
            Assert.True(elapsed < TimeSpan.FromSeconds(9), $"the 486 came after {elapsed}");
        }
    }

    [Fact]
    public async Task FrInvTimeoutVariable_NoAnswer_408AfterTwoSecondsNotTheModules120()
    {
        const int calls = 3;
        var ringPort = FreePorts.Next();
        using var ring = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), ringPort, "u1", calls);
        var (parley, port) = await StartAsync(ringPort, FreePorts.Next());
        await using (parley)
        {
            await Task.Delay(300);
            var clock = Stopwatch.StartNew();
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-408.xml"), port, "u1", calls, rate: 10, "-s", "noanswer");
            var elapsed = clock.Elapsed;
            AssertAllSucceeded(calls, code, output, ring, await ring.WaitForExitAsync(CalleeExit), parley);
            Assert.True(elapsed >= TimeSpan.FromSeconds(1.8), $"the 408 came after {elapsed}");
            Assert.True(elapsed < TimeSpan.FromSeconds(9), $"the 408 came after {elapsed}: $T_fr_inv_timeout was not used");
        }
    }

    [Fact]
    public async Task Bavp_SetInBranchRoute_ShownOnTheBranchRepliesByTheReplyRoute()
    {
        const int calls = 5;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-180-486.xml"), uasPort, "u1", calls);
        var (parley, port) = await StartAsync(uasPort, FreePorts.Next());
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-bavp.xml"), port, "u1", calls, rate: 10, "-s", "bavp");
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
        }
    }

    [Theory]
    [InlineData(0, "uac-avp-mode0.xml")]
    [InlineData(1, "uac-avp-mode1.xml")]
    public async Task OnReplyAvpMode_ReplyAndFailureRoutesSeeTheAvpsTheModeGives(int mode, string caller)
    {
        const int calls = 5;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-180-486.xml"), uasPort, "u1", calls);
        var (parley, port) = await StartAsync(uasPort, FreePorts.Next(), mode);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario(caller), port, "u1", calls, rate: 10, "-s", "avp");
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
        }
    }

    [Fact]
    public async Task Check_Fixture_Valid_AndBranchControlOutsideItsRoutes_Refused()
    {
        var good = Path.Combine(Path.GetTempPath(), $"parley-branch-control-{Guid.NewGuid():N}.cfg");
        var bad = Path.Combine(Path.GetTempPath(), $"parley-branch-control-bad-{Guid.NewGuid():N}.cfg");
        try
        {
            await File.WriteAllTextAsync(good, await FixtureAsync(5060, 5070, 5080, 1));
            var (okCode, okOutput) = await ParleyProcess.RunAsync("-c", "-f", good);
            Assert.True(okCode == 0, okOutput);

            await File.WriteAllTextAsync(bad, """
                socket = udp:127.0.0.1:5060
                loadmodule "tm.so"
                route {
                    t_cancel_branch("a");
                }
                """);
            var (badCode, badOutput) = await ParleyProcess.RunAsync("-c", "-f", bad);
            Assert.Equal(1, badCode);
            Assert.Contains($"{bad}:4:5: error:", badOutput, StringComparison.Ordinal);
            Assert.Contains("t_cancel_branch", badOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(good);
            File.Delete(bad);
        }
    }
}
