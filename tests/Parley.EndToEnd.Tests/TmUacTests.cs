using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// tm's UAC, MI commands and parking functions end to end: the real parley (Fixtures/tm/uac-e2e.cfg, MI over HTTP)
/// against real SIPp callers and callees.
/// </summary>
public sealed partial class TmUacTests
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(60);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private sealed class Server(ParleyProcess parley, int sipPort, int httpPort) : IAsyncDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

        public ParleyProcess Parley { get; } = parley;

        public int SipPort { get; } = sipPort;

        /// <summary>Calls an MI command over HTTP; returns the parsed JSON-RPC response.</summary>
        public async Task<JsonElement> MiAsync(string method, object parameters)
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters, ["id"] = 1 });
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(new Uri($"http://127.0.0.1:{httpPort}/mi"), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method}: HTTP {(int)response.StatusCode} {text}");
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Parley.DisposeAsync();
        }
    }

    private static async Task<Server> StartAsync(int uasPort)
    {
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tm", "uac-e2e.cfg")))
            .Replace("{SIP_PORT}", Port(sip), StringComparison.Ordinal)
            .Replace("{HTTP_PORT}", Port(http), StringComparison.Ordinal)
            .Replace("{UAS}", Port(uasPort), StringComparison.Ordinal);
        return new Server(await ParleyProcess.StartAsync(text), sip, http);
    }

    private static string Context(Server server, SippServer? callee = null, string? caller = null) =>
        $"caller:\n{caller}\ncallee:\n{callee?.Output}\nparley:\n{server.Parley.Output}";

    [Theory]
    [InlineData("MESSAGE", "uas-message.xml")]
    [InlineData("OPTIONS", "uas-options.xml")]
    public async Task MiTUacDlg_NonInviteToSippUas_ReturnsIts200(string method, string callee)
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario(callee), uasPort, "u1", 1);
        await using var server = await StartAsync(uasPort);
        await Task.Delay(300);
        var headers = $"From: <sip:mi@127.0.0.1>\r\nTo: <sip:alice@127.0.0.1:{uasPort}>\r\nContent-Type: text/plain\r\n";
        var response = await server.MiAsync("t_uac_dlg", new Dictionary<string, string>
        {
            ["method"] = method,
            ["ruri"] = $"sip:alice@127.0.0.1:{uasPort}",
            ["headers"] = headers,
            ["body"] = "hello over MI",
        });
        Assert.True(response.TryGetProperty("result", out var result), response + Context(server, uas));
        Assert.Equal("200 OK", result.GetProperty("Status").GetString());
        var message = result.GetProperty("Message").GetString()!;
        Assert.StartsWith("Via: SIP/2.0/UDP 127.0.0.1:" + Port(server.SipPort) + ";branch=z9hG4bK", message, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 " + method, message, StringComparison.Ordinal);
        Assert.Contains(";tag=", message, StringComparison.Ordinal);
        Assert.Equal(0, await uas.WaitForExitAsync(CalleeExit));
        Assert.Equal(1, Sipp.SuccessfulCalls(uas.Output));
        Assert.Contains("local request " + method + " to sip:alice@127.0.0.1:" + Port(uasPort), server.Parley.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MiTUacDlg_InviteAnswered_200ReturnedAndAckSent()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-invite-ack.xml"), uasPort, "u1", 1);
        await using var server = await StartAsync(uasPort);
        await Task.Delay(300);
        var response = await server.MiAsync("t_uac_dlg", new Dictionary<string, string>
        {
            ["method"] = "INVITE",
            ["ruri"] = $"sip:alice@127.0.0.1:{uasPort}",
            ["headers"] = $"From: <sip:mi@127.0.0.1>\r\nTo: <sip:alice@127.0.0.1:{uasPort}>\r\nContact: <sip:mi@127.0.0.1:{server.SipPort}>\r\n",
        });
        Assert.True(response.TryGetProperty("result", out var result), response + Context(server, uas));
        Assert.Equal("200 OK", result.GetProperty("Status").GetString());
        Assert.Equal($"sip:callee@127.0.0.1:{uasPort};transport=UDP", result.GetProperty("RURI").GetString(), ignoreCase: true);
        var code = await uas.WaitForExitAsync(CalleeExit);
        Assert.True(code == 0, Context(server, uas)); // the callee got its ACK
        Assert.Equal(1, Sipp.SuccessfulCalls(uas.Output));
    }

    [Fact]
    public async Task MiTUacDlg_OverFifoWithPassProvisionalReplies_ReplyFifoCarries180Then200()
    {
        var uasPort = FreePorts.Next();
        var sip = FreePorts.Next();
        var directory = Directory.CreateTempSubdirectory("parley-e2e-uacfifo-").FullName;
        var fifoPath = Path.Combine(directory, "parley_fifo");
        var replyName = "uac_reply";
        var replyPath = Path.Combine(directory, replyName);
        try
        {
            using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-invite-ack.xml"), uasPort, "u1", 1);
            var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tm", "uac-fifo-e2e.cfg")))
                .Replace("{SIP_PORT}", Port(sip), StringComparison.Ordinal)
                .Replace("{FIFO}", fifoPath, StringComparison.Ordinal)
                .Replace("{REPLY_DIR}", directory + "/", StringComparison.Ordinal);
            await using var parley = await ParleyProcess.StartAsync(text);
            await Task.Delay(300);
            Assert.True(File.Exists(fifoPath), "mi_fifo did not create " + fifoPath + "\n" + parley.Output);
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", ["-m", "0666", replyPath]))
            {
                await mkfifo.WaitForExitAsync();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            var reading = Task.Run(() =>
            {
                using var reply = new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
                using var content = new MemoryStream();
                reply.CopyTo(content);
                return content.ToArray();
            });
            var request = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["jsonrpc"] = "2.0",
                ["method"] = "t_uac_dlg",
                ["params"] = new Dictionary<string, string>
                {
                    ["method"] = "INVITE",
                    ["ruri"] = $"sip:alice@127.0.0.1:{uasPort}",
                    ["headers"] = $"From: <sip:mi@127.0.0.1>\r\nTo: <sip:alice@127.0.0.1:{uasPort}>\r\nContact: <sip:mi@127.0.0.1:{sip}>\r\n",
                },
                ["id"] = 42,
            });
            await Task.Run(() =>
            {
                using var fifo = new FileStream(fifoPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                fifo.Write(Encoding.UTF8.GetBytes($":{replyName}:{request}\n"));
            }).WaitAsync(TimeSpan.FromSeconds(10));

            var bytes = await reading.WaitAsync(TimeSpan.FromSeconds(30));

            // The responses follow one another on the reply FIFO, without separator.
            var responses = new List<JsonElement>();
            for (var offset = 0; offset < bytes.Length;)
            {
                var reader = new Utf8JsonReader(bytes.AsSpan(offset));
                using var doc = JsonDocument.ParseValue(ref reader); // one value, whatever follows it
                responses.Add(doc.RootElement.Clone());
                offset += (int)reader.BytesConsumed;
            }

            var context = Encoding.UTF8.GetString(bytes) + "\n" + parley.Output + "\ncallee:\n" + uas.Output;
            Assert.True(responses.Count == 2, context);
            Assert.Equal(42, responses[0].GetProperty("id").GetInt32());
            Assert.Equal("180 Ringing", responses[0].GetProperty("result").GetProperty("Status").GetString());
            Assert.Contains("CSeq: 1 INVITE", responses[0].GetProperty("result").GetProperty("Message").GetString(), StringComparison.Ordinal);
            Assert.Equal(42, responses[1].GetProperty("id").GetInt32());
            Assert.Equal("200 OK", responses[1].GetProperty("result").GetProperty("Status").GetString());
            Assert.True(await uas.WaitForExitAsync(CalleeExit) == 0, context); // the callee got its ACK
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TNewRequest_FromScript_MessageThroughLocalRouteAnswered()
    {
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-message-local-route.xml"), uasPort, "u1", 1);
        await using var server = await StartAsync(uasPort);
        await Task.Delay(300);
        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-options.xml"), server.SipPort, "u1", 1, 1, "-s", "newreq");
        Assert.True(code == 0, Context(server, uas, output));
        var calleeCode = await uas.WaitForExitAsync(CalleeExit);
        Assert.True(calleeCode == 0, Context(server, uas, output)); // the MESSAGE carried local_route's header and the body
        Assert.Equal(1, Sipp.SuccessfulCalls(uas.Output));
    }

    [Fact]
    public async Task TReplyByCallId_ParkedInviteCancelled_487AndCancel200()
    {
        const int calls = 5;
        await using var server = await StartAsync(FreePorts.Next());
        await Task.Delay(300);
        var (code, output) = await Sipp.RunAsync(Sipp.Scenario("uac-park-cancel.xml"), server.SipPort, "u1", calls, 10, "-s", "park");
        Assert.True(code == 0, Context(server, caller: output));
        Assert.Equal(calls, Sipp.SuccessfulCalls(output));
        Assert.Equal(0, Sipp.FailedCalls(output));
    }

    [Fact]
    public async Task MiTReply_TransactionFromTId_CallerGets486()
    {
        await using var server = await StartAsync(FreePorts.Next());
        await Task.Delay(300);
        var caller = Sipp.RunAsync(Sipp.Scenario("uac-mi-reply.xml"), server.SipPort, "u1", 1, 1, "-s", "mireply");
        Match? id = null;
        for (var i = 0; i < 100 && id is not { Success: true }; i++)
        {
            await Task.Delay(100);
            id = TransactionId().Match(server.Parley.Output);
        }

        Assert.True(id is { Success: true }, Context(server));

        // $T_id is revhex(label) "." revhex(hash entry); t_reply takes "hash_entry:label" in decimal.
        var label = ReverseHex(id.Groups[1].Value);
        var entry = ReverseHex(id.Groups[2].Value);
        var notFound = await server.MiAsync("t_reply", new Dictionary<string, object>
        {
            ["code"] = 486, ["reason"] = "Busy Here", ["trans_id"] = $"{entry}:{label + 1}", ["to_tag"] = "mitag",
        });
        Assert.Equal(404, notFound.GetProperty("error").GetProperty("code").GetInt32());
        var response = await server.MiAsync("t_reply", new Dictionary<string, object>
        {
            ["code"] = 486, ["reason"] = "Busy Here", ["trans_id"] = $"{entry}:{label}", ["to_tag"] = "mitag", ["new_headers"] = "X-Mi: answered\r\n",
        });
        Assert.Equal("OK", response.GetProperty("result").GetString());
        var (code, output) = await caller;
        Assert.True(code == 0, Context(server, caller: output));
        Assert.Equal(1, Sipp.SuccessfulCalls(output));
    }

    [Fact]
    public async Task MiTHashAndErrors_OpenSipsShapes()
    {
        await using var server = await StartAsync(FreePorts.Next());
        var hash = (await server.MiAsync("t_hash", new Dictionary<string, string>())).GetProperty("result");
        Assert.Equal(65536, hash.GetArrayLength());
        Assert.Equal(7, hash[7].GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Number, hash[7].GetProperty("Current").ValueKind);
        Assert.Equal(JsonValueKind.Number, hash[7].GetProperty("Total").ValueKind);

        var missing = await server.MiAsync("t_uac_dlg", new Dictionary<string, string> { ["method"] = "OPTIONS" });
        Assert.Equal(-32602, missing.GetProperty("error").GetProperty("code").GetInt32());
        var noTo = await server.MiAsync("t_uac_dlg", new Dictionary<string, string> { ["method"] = "OPTIONS", ["ruri"] = "sip:a@127.0.0.1", ["headers"] = "From: <sip:b@c>\r\n" });
        Assert.Equal(400, noTo.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("To missing", noTo.GetProperty("error").GetProperty("message").GetString());
        var cancel = await server.MiAsync("t_uac_cancel", new Dictionary<string, string> { ["callid"] = "nobody", ["cseq"] = "1 INVITE" });
        Assert.Equal(481, cancel.GetProperty("error").GetProperty("code").GetInt32());
    }

    private static long ReverseHex(string text)
    {
        long value = 0;
        for (var i = text.Length - 1; i >= 0; i--)
        {
            value = (value << 4) | long.Parse(text[i].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return value;
    }

    [GeneratedRegex(@"mireply transaction ([0-9a-f]+)\.([0-9a-f]+)")]
    private static partial Regex TransactionId();
}
