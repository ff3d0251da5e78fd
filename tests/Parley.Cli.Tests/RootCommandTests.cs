namespace Parley.Cli.Tests;

public class RootCommandTests
{
    [Fact]
    public async Task Root_Version_PrintsVersion()
    {
        var (exit, stdout, _) = await CliRunner.RunAsync(["--version"]);

        Assert.Equal(0, exit);
        Assert.StartsWith("0.1.0", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--help" }, "mi")]
    [InlineData(new[] { "mi", "--help" }, "--raw")]
    [InlineData(new[] { "stats", "--help" }, "group:name = value")]
    [InlineData(new[] { "events", "--help" }, "--expire")]
    public async Task Help_EachCommand_PrintsUsage(string[] args, string expected)
    {
        var (exit, stdout, _) = await CliRunner.RunAsync(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains(expected, stdout, StringComparison.Ordinal);
        Assert.Contains("--url", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bogus")]
    [InlineData("mi")]
    [InlineData("events")]
    [InlineData("mi version --timeout abc")]
    public async Task Parse_BadCommandLine_UsageExitAndHint(string commandLine)
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("ERROR: ", stderr, StringComparison.Ordinal);
        Assert.EndsWith("Try 'parley-cli --help'.\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_ArgumentStartingWithAt_IsAValueNotAResponseFile()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, _, _) = await CliRunner.RunAsync(["mi", "x", "@alice", "--url", server.Url]);

        Assert.Equal(0, exit);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"x","params":["@alice"],"id":1}"""], server.Requests);
    }
}
