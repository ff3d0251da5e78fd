using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>Real SIPp as the caller against the running core, over UDP and TCP.</summary>
public sealed class SippCoreTests(CoreServerFixture server) : IClassFixture<CoreServerFixture>
{
    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Options_MaxForwardsZero_EveryCallAnswered483(string transport)
    {
        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("options-max-forwards-zero.xml"), server.Port, transport, calls: 200, rate: 100);
        Assert.True(code == 0, $"sipp exited {code}:\n{output}\nparley:\n{server.Process.Output}");
        Assert.False(server.Process.HasExited);
    }
}
