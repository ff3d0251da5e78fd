using System.Globalization;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// tm end to end: the real parley with examples/proxy.cfg (and Fixtures/tm/stateful-e2e.cfg for forking and timeouts)
/// between real SIPp callers and callees that keep the route set; every call must succeed on both sides, with no
/// unexpected message.
/// </summary>
public sealed class StatefulProxyTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<(ParleyProcess Parley, int Port)> StartExampleAsync(int uasPort, string downstreamTransport = "udp")
    {
        var port = FreePorts.Next();
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "examples", "proxy.cfg"));
        Assert.Contains("sip:127.0.0.1:5080", text, StringComparison.Ordinal);
        text = text
            .Replace("127.0.0.1:5060", "127.0.0.1:" + Port(port), StringComparison.Ordinal)
            .Replace("sip:127.0.0.1:5080", "sip:127.0.0.1:" + Port(uasPort) + (downstreamTransport == "tcp" ? ";transport=tcp" : ""), StringComparison.Ordinal);
        return (await ParleyProcess.StartAsync(text), port);
    }

    private static async Task<(ParleyProcess Parley, int Port)> StartFixtureAsync(int uas1, int uas2, int frInv = 60)
    {
        var port = FreePorts.Next();
        var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tm", "stateful-e2e.cfg")))
            .Replace("{SIP_PORT}", Port(port), StringComparison.Ordinal)
            .Replace("{UAS1}", Port(uas1), StringComparison.Ordinal)
            .Replace("{UAS2}", Port(uas2), StringComparison.Ordinal)
            .Replace("{FR_INV}", Port(frInv), StringComparison.Ordinal);
        return (await ParleyProcess.StartAsync(text), port);
    }

    private static void AssertAllSucceeded(int calls, int code, string output, SippServer? callee, int? calleeCode, ParleyProcess parley, string? service = null)
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
        _ = service;
    }

    [Theory]
    [InlineData("u1", "udp")]
    [InlineData("t1", "tcp")]
    [InlineData("u1", "tcp")]
    public async Task ProxyExample_BasicCall_RecordRoutedThroughTm(string callerTransport, string calleeTransport)
    {
        const int calls = 20;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, calleeTransport == "tcp" ? "t1" : "u1", calls);
        var (parley, port) = await StartExampleAsync(uasPort, calleeTransport);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), port, callerTransport, calls, rate: 20);
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
        }
    }

    [Fact]
    public async Task ProxyExample_CancelBeforeAnswer_487RelayedAckAbsorbed()
    {
        const int calls = 10;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), uasPort, "u1", calls);
        var (parley, port) = await StartExampleAsync(uasPort);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr-cancel.xml"), port, "u1", calls, rate: 20);
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
        }
    }

    [Fact]
    public async Task Failure486_FailureRouteSerialForksToSecondCallee_CallAnswered()
    {
        const int calls = 10;
        var busyPort = FreePorts.Next();
        var answerPort = FreePorts.Next();
        using var busy = Sipp.StartUasScenario(Sipp.Scenario("uas-486.xml"), busyPort, "u1", calls);
        using var answer = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), answerPort, "u1", calls);
        var (parley, port) = await StartFixtureAsync(busyPort, answerPort);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), port, "u1", calls, rate: 20);
            AssertAllSucceeded(calls, code, output, answer, await answer.WaitForExitAsync(CalleeExit), parley);
            Assert.Equal(0, await busy.WaitForExitAsync(CalleeExit));
        }
    }

    [Fact]
    public async Task ParallelFork_OneAnswers_OtherCancelled()
    {
        const int calls = 10;
        var answerPort = FreePorts.Next();
        var ringPort = FreePorts.Next();
        using var answer = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), answerPort, "u1", calls);
        using var ring = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), ringPort, "u1", calls);
        var (parley, port) = await StartFixtureAsync(answerPort, ringPort);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), port, "u1", calls, rate: 10, "-s", "fork");
            AssertAllSucceeded(calls, code, output, answer, await answer.WaitForExitAsync(CalleeExit), parley);
            var ringCode = await ring.WaitForExitAsync(CalleeExit);
            Assert.True(ringCode == 0, $"the ringing callee was not cancelled cleanly ({ringCode}):\n{ring.Output}\nparley:\n{parley.Output}");
        }
    }

    [Fact]
    public async Task NoAnswer_FrInvTimeout_408AndCalleeCancelled()
    {
        const int calls = 3;
        var ringPort = FreePorts.Next();
        using var ring = Sipp.StartUasScenario(Sipp.Scenario("uas-no-answer.xml"), ringPort, "u1", calls);
        var (parley, port) = await StartFixtureAsync(ringPort, FreePorts.Next(), frInv: 2);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-408.xml"), port, "u1", calls, rate: 10);
            AssertAllSucceeded(calls, code, output, ring, await ring.WaitForExitAsync(CalleeExit), parley);
            Assert.Contains("failure 408 for", parley.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("uac-options.xml", "uas-options.xml")]
    [InlineData("uac-message.xml", "uas-message.xml")]
    public async Task NonInvite_Transactions_Relayed(string caller, string callee)
    {
        const int calls = 10;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario(callee), uasPort, "u1", calls);
        var (parley, port) = await StartFixtureAsync(uasPort, FreePorts.Next());
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario(caller), port, "u1", calls, rate: 20);
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
            Assert.Contains("reply 200 on branch 0", parley.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Retransmissions_TenPercentLossBothSides_AbsorbedAndCallsComplete()
    {
        const int calls = 20;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-lossy.xml"), uasPort, "u1", calls);
        var (parley, port) = await StartExampleAsync(uasPort);
        await using (parley)
        {
            await Task.Delay(300);
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-lossy.xml"), port, "u1", calls, 20);
            AssertAllSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), parley);
        }
    }
}
