using System.Globalization;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// The record-routing SIPp scenarios of <c>bench/load/scenarios</c> (the load comparison's, copied into the test
/// output) run through examples/stateless.cfg: caller → Parley → callee, every call successful on both sides. This
/// proves the scenarios themselves (route set, CANCEL and ACK branches, the callee's copied headers) before they are
/// used to judge a proxy, and that Parley's stateless example keeps the dialog's in-dialog requests on its route.
/// </summary>
public sealed class RecordRouteScenarioTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);

    private static async Task<(ParleyProcess Parley, int Port)> StartStatelessAsync(int uasPort)
    {
        var port = FreePorts.Next();
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "examples", "stateless.cfg"));
        Assert.Contains("127.0.0.1:5060", text, StringComparison.Ordinal);
        Assert.Contains("sip:127.0.0.1:5080", text, StringComparison.Ordinal);
        text = text
            .Replace("127.0.0.1:5060", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("sip:127.0.0.1:5080", "sip:127.0.0.1:" + uasPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return (await ParleyProcess.StartAsync(text), port);
    }

    /// <summary>Runs <paramref name="caller"/> → Parley → <paramref name="callee"/> over UDP and asserts both sides saw every call succeed.</summary>
    private static async Task RunPairAsync(string caller, string callee, int calls, int rate)
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario(callee), uasPort, "u1", calls);
        var (parley, port) = await StartStatelessAsync(uasPort);
        await using (parley)
        {
            await Task.Delay(300); // the callee binds its socket
            var (code, output) = await Sipp.RunAsync(Sipp.Scenario(caller), port, "u1", calls, rate);
            var calleeCode = await uas.WaitForExitAsync(CalleeExit);
            var context = $"{caller} exited {code}:\n{output}\n{callee} exited {calleeCode?.ToString(CultureInfo.InvariantCulture) ?? "(still running)"}:\n{uas.Output}\nparley:\n{parley.Output}";
            Assert.True(code == 0, context);
            Assert.Equal(calls, Sipp.SuccessfulCalls(output));
            Assert.Equal(0, Sipp.FailedCalls(output));
            Assert.True(calleeCode == 0, context);
            Assert.Equal(calls, Sipp.SuccessfulCalls(uas.Output));
            Assert.Equal(0, Sipp.FailedCalls(uas.Output));
            Assert.False(parley.HasExited);
        }
    }

    [Fact]
    public async Task UacRr_ThroughStatelessExample_ToUasRr_TwentyCallsNoFailure()
    {
        await RunPairAsync("uac-rr.xml", "uas-rr.xml", calls: 20, rate: 20);
    }

    [Theory]
    [InlineData("uac-rr-cancel.xml", "uas-no-answer.xml")]
    [InlineData("uac-rr-486.xml", "uas-486.xml")]
    [InlineData("uac-options.xml", "uas-options.xml")]
    [InlineData("uac-message.xml", "uas-message.xml")]
    [InlineData("uac-rr-tolerant.xml", "uas-rr-tolerant.xml")]
    public async Task ScenarioPair_ThroughStatelessExample_NoFailure(string caller, string callee)
    {
        await RunPairAsync(caller, callee, calls: 10, rate: 20);
    }
}
