namespace Parley.Cli.Tests;

/// <summary><c>parley-cli stats …</c> against a real local HTTP server.</summary>
public class StatsCommandTests
{
    [Fact]
    public async Task Stats_NoItems_AsksForAllPrintsLinesInServerOrder()
    {
        await using var server = new FakeMiServer(request =>
            FakeMiServer.Result(request, """{"dialog:active_dialogs":3,"tm:UAS_transactions":3,"core:rcv_requests":6}"""));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["stats", "--url", server.Url]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("dialog:active_dialogs = 3\ntm:UAS_transactions = 3\ncore:rcv_requests = 6\n", stdout);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["all"]},"id":1}"""], server.Requests);
    }

    [Fact]
    public async Task Stats_Items_SentAsStatisticsArray()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, """{"dialog:active_dialogs":1}"""));

        var (exit, stdout, _) = await CliRunner.RunAsync(["stats", "dialog:", "rcv_requests", "--url", server.Url]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("dialog:active_dialogs = 1\n", stdout);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["dialog:","rcv_requests"]},"id":1}"""],
            server.Requests);
    }

    [Fact]
    public async Task Stats_NotFound_ErrorExitOne()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Error(request, 404, "Statistics Not Found"));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["stats", "nosuch:", "--url", server.Url]);

        Assert.Equal(ExitCodes.MiError, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("ERROR: command 'get_statistics' returned: 404: Statistics Not Found\n", stderr);
    }

    [Fact]
    public async Task Stats_ConnectionRefused_ExitTwo()
    {
        var (exit, _, _) = await CliRunner.RunAsync(["stats", "--url", $"http://127.0.0.1:{FakeMiServer.FreeTcpPort()}/mi"]);

        Assert.Equal(ExitCodes.CommunicationError, exit);
    }
}
