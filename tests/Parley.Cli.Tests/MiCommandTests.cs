using System.Text.Json;

namespace Parley.Cli.Tests;

/// <summary><c>parley-cli mi …</c> run in-process against a real local HTTP server.</summary>
public class MiCommandTests
{
    [Fact]
    public async Task Mi_Success_PrintsPrettyResultAndPostsJsonRpc()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, """{"Profile":{"name":"caller","count":3}}"""));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["mi", "profile_get_size", "profile=caller", "--url", server.Url]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("{\n    \"Profile\": {\n        \"name\": \"caller\",\n        \"count\": 3\n    }\n}\n", stdout);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"profile_get_size","params":{"profile":"caller"},"id":1}"""], server.Requests);
    }

    [Fact]
    public async Task Mi_NoParams_SendsEmptyObject()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, stdout, _) = await CliRunner.RunAsync(["--url", server.Url, "mi", "version"]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("\"OK\"\n", stdout);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"version","params":{},"id":1}"""], server.Requests);
    }

    [Fact]
    public async Task Mi_GetStatisticsPositional_SendsOneArrayParam()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, """{"core:rcv_requests":6}"""));

        var (exit, _, _) = await CliRunner.RunAsync(["mi", "get_statistics", "dialog:", "core:", "--url", server.Url]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"get_statistics","params":[["dialog:","core:"]],"id":1}"""], server.Requests);
    }

    [Fact]
    public async Task Mi_NegativeNumberValue_SentAsPositionalString()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, _, _) = await CliRunner.RunAsync(["mi", "log_level", "-1", "--url", server.Url]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(["""{"jsonrpc":"2.0","method":"log_level","params":["-1"],"id":1}"""], server.Requests);
    }

    [Fact]
    public async Task Mi_Raw_PrintsBodyUntouched()
    {
        const string body = """{"jsonrpc":"2.0","result":{"Server":"Parley 0.1"},"id":1}""";
        await using var server = new FakeMiServer(_ => new FakeMiServer.Reply(200, body));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["mi", "--raw", "version", "--url", server.Url]);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(body + "\n", stdout);
        Assert.Equal(string.Empty, stderr);
    }

    [Fact]
    public async Task Mi_RawError_PrintsBodyExitsMiError()
    {
        const string body = """{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}""";
        await using var server = new FakeMiServer(_ => new FakeMiServer.Reply(200, body));

        var (exit, stdout, _) = await CliRunner.RunAsync(["mi", "nope", "--raw", "--url", server.Url]);

        Assert.Equal(ExitCodes.MiError, exit);
        Assert.Equal(body + "\n", stdout);
    }

    [Fact]
    public async Task Mi_JsonRpcError_StderrInOpensipsCliFormExitOne()
    {
        await using var server = new FakeMiServer(request =>
            FakeMiServer.Error(request, -32602, "Invalid params", "Named parameters do not match"));

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["mi", "dlg_list", "foo=bar", "--url", server.Url]);

        Assert.Equal(ExitCodes.MiError, exit);
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("ERROR: command 'dlg_list' returned: -32602: Invalid params (Named parameters do not match)\n", stderr);
    }

    [Fact]
    public async Task Mi_ConnectionRefused_StderrExitTwo()
    {
        string url = $"http://127.0.0.1:{FakeMiServer.FreeTcpPort()}/mi";

        var (exit, stdout, stderr) = await CliRunner.RunAsync(["mi", "version", "--url", url]);

        Assert.Equal(ExitCodes.CommunicationError, exit);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith($"ERROR: communication exception for 'version' returned: cannot reach {url}: Connection refused", stderr,
            StringComparison.Ordinal);
        Assert.Contains($"ERROR: Is Parley running? (MI URL {url})\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_HttpNot200_StderrExitTwo()
    {
        await using var server = new FakeMiServer(_ => new FakeMiServer.Reply(405, string.Empty));

        var (exit, _, stderr) = await CliRunner.RunAsync(["mi", "version", "--url", server.Url]);

        Assert.Equal(ExitCodes.CommunicationError, exit);
        Assert.StartsWith("ERROR: communication exception for 'version' returned: HTTP Error 405: Method Not Allowed\n", stderr,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_BodyNotJson_StderrExitTwo()
    {
        await using var server = new FakeMiServer(_ => new FakeMiServer.Reply(200, "<html>hello</html>"));

        var (exit, _, stderr) = await CliRunner.RunAsync(["mi", "version", "--url", server.Url]);

        Assert.Equal(ExitCodes.CommunicationError, exit);
        Assert.StartsWith("ERROR: communication exception for 'version' returned: could not decode json: '<html>hello</html>'\n",
            stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_MixedParams_UsageErrorNothingSent()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, _, stderr) = await CliRunner.RunAsync(["mi", "profile_get_size", "profile=caller", "alice", "--url", server.Url]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("ERROR: cannot mix named and positional parameters", stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Mi_UrlFromEnvironment_Used()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, _, _) = await CliRunner.RunAsync(["mi", "version"],
            environment: name => name == CliCommand.UrlVariable ? server.Url : null);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Mi_UrlOptionBeatsEnvironment()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        var (exit, _, _) = await CliRunner.RunAsync(["mi", "version", "--url", server.Url],
            environment: _ => "http://127.0.0.1:1/mi");

        Assert.Equal(ExitCodes.Success, exit);
    }

    [Fact]
    public async Task Mi_BadUrl_UsageError()
    {
        var (exit, _, stderr) = await CliRunner.RunAsync(["mi", "version", "--url", "ftp://x/"]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("ERROR: --url 'ftp://x/' is not an http:// or https:// URL\n", stderr);
    }

    [Fact]
    public async Task Mi_ServerTooSlow_TimesOutExitTwo()
    {
        await using var server = new FakeMiServer(request =>
        {
            Thread.Sleep(1500);
            return FakeMiServer.Result(request, "\"OK\"");
        });

        var (exit, _, stderr) = await CliRunner.RunAsync(["mi", "version", "--url", server.Url, "--timeout", "0.2"]);

        Assert.Equal(ExitCodes.CommunicationError, exit);
        Assert.Contains("no reply from", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mi_IdsEchoed_RequestIsValidJsonRpc()
    {
        await using var server = new FakeMiServer(request => FakeMiServer.Result(request, "\"OK\""));

        await CliRunner.RunAsync(["mi", "which", "command=version", "--url", server.Url]);

        using var doc = JsonDocument.Parse(server.Requests[0]);
        Assert.Equal("2.0", doc.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("id").ValueKind);
    }
}
