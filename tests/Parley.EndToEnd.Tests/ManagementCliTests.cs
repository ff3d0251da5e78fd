using System.Text.Json;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>The real <c>parley-cli</c> against the real parley: every core command, errors, stats, events.</summary>
public sealed class ManagementCliTests(ManagementServerFixture server) : IClassFixture<ManagementServerFixture>
{
    [Theory]
    [InlineData("which")]
    [InlineData("version")]
    [InlineData("uptime")]
    [InlineData("ps")]
    [InlineData("pwd")]
    [InlineData("arg")]
    [InlineData("log_level")]
    [InlineData("mem_info")]
    [InlineData("help")]
    [InlineData("help", "get_statistics")]
    [InlineData("get_statistics", "all")]
    [InlineData("get_statistics", "core:", "e2e:")]
    [InlineData("list_statistics")]
    [InlineData("reset_statistics", "e2e:options_seen")]
    [InlineData("events_list")]
    [InlineData("subscribers_list")]
    [InlineData("log_level", "level=3")]
    [InlineData("event_subscribe", "E_CORE_THRESHOLD", "udp:127.0.0.1:9", "5")]
    [InlineData("raise_event", "E_E2E_TEST")]
    public async Task Mi_CoreCommand_PrettyJsonAndExitZero(string command, params string[] args)
    {
        var (code, stdout, stderr) = await ParleyCli.RunAsync(server.MiUrl, ["mi", command, .. args]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        Assert.NotEqual(JsonValueKind.Undefined, doc.RootElement.ValueKind);
        if (doc.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array && stdout.Trim().Length > 2)
        {
            Assert.Contains("\n", stdout.Trim(), StringComparison.Ordinal); // pretty by default
        }
    }

    [Fact]
    public async Task Mi_GetStatistics_MatchesHttp()
    {
        var (code, stdout, _) = await ParleyCli.RunAsync(server.MiUrl, "mi", "get_statistics", "core:rcv_requests");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("core:rcv_requests").GetInt64() >= 0);
    }

    [Fact]
    public async Task Mi_Raw_PrintsTheWholeResponse()
    {
        var (code, stdout, _) = await ParleyCli.RunAsync(server.MiUrl, "mi", "version", "--raw");
        Assert.Equal(0, code);
        Assert.StartsWith("{\"jsonrpc\":\"2.0\",\"result\":{\"Server\":\"Parley (", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_UnknownCommand_ExitOneAndMessageOnStderr()
    {
        var (code, stdout, stderr) = await ParleyCli.RunAsync(server.MiUrl, "mi", "no_such_command");
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout.Trim());
        Assert.Contains("-32601", stderr, StringComparison.Ordinal);
        Assert.Contains("Method not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_BadParameters_ExitOneNamingTheProblem()
    {
        var (code, _, stderr) = await ParleyCli.RunAsync(server.MiUrl, "mi", "log_level", "pid=12");
        Assert.Equal(1, code);
        Assert.Contains("Named parameters do not match", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await ParleyCli.RunAsync(server.MiUrl, "mi", "get_statistics", "nosuch:thing");
        Assert.Equal(1, code);
        Assert.Contains("Statistics Not Found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_ServerDown_ExitTwo()
    {
        var (code, _, stderr) = await ParleyCli.RunAsync(new Uri($"http://127.0.0.1:{FreePorts.Next()}/mi"), "mi", "which");
        Assert.Equal(2, code);
        Assert.False(string.IsNullOrWhiteSpace(stderr));
    }

    [Fact]
    public async Task Stats_Group_ListsNameEqualsValue()
    {
        await server.OptionsAsync("plain");
        var (code, stdout, stderr) = await ParleyCli.RunAsync(server.MiUrl, "stats", "core:");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"(?m)^core:rcv_requests = [1-9][0-9]*$", stdout);
        Assert.Contains("core:timestamp = ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_SubscribesPrintsRaisedEventAndUnsubscribes()
    {
        using var cli = ParleyCli.Start(server.MiUrl, "events", "E_E2E_TEST", "--count", "1", "--expire", "30");
        var stdout = cli.StandardOutput.ReadToEndAsync();
        var stderr = cli.StandardError.ReadToEndAsync();

        // Wait until the CLI's subscription is visible, then raise the event from the script.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await server.ResultAsync("subscribers_list", "{\"event\":\"E_E2E_TEST\"}")).ToString().Contains("udp:127.0.0.1:", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "parley-cli never subscribed: " + (cli.HasExited ? await stderr : "(running)"));
            await Task.Delay(100);
        }

        var response = await server.OptionsAsync("raise", fromUser: "dave");
        Assert.NotNull(response);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await cli.WaitForExitAsync(cts.Token);
        Assert.True(cli.ExitCode == 0, await stderr);
        var line = (await stdout).Trim();
        using var doc = JsonDocument.Parse(line);
        Assert.Equal("E_E2E_TEST", doc.RootElement.GetProperty("method").GetString());
        Assert.Equal("dave", doc.RootElement.GetProperty("params").GetProperty("caller").GetString());

        // --count reached: the CLI unsubscribed (expire 0) before exiting.
        Assert.DoesNotContain("udp:127.0.0.1:", (await server.ResultAsync("subscribers_list", "{\"event\":\"E_E2E_TEST\"}")).ToString(), StringComparison.Ordinal);
    }
}
