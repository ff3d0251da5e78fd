using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// The real parley with httpd + mi_http: every core MI command and the JSON-RPC error cases over raw HTTP, core
/// statistics moving with SIP traffic, /metrics scraped and parsed, event subscribers over UDP and HTTP, event_route,
/// the script's $stat/update_stat and mi().
/// </summary>
public sealed class ManagementHttpTests(ManagementServerFixture server) : IClassFixture<ManagementServerFixture>
{
    [Fact]
    public async Task Which_ListsCoreCommandsInOpenSipsOrder()
    {
        var result = await server.ResultAsync("which");
        var names = new List<string>();
        foreach (var item in result.EnumerateArray())
        {
            names.Add(item.GetString()!);
        }

        string[] expected = ["get_statistics", "list_statistics", "reset_statistics", "uptime", "version", "pwd", "arg", "which", "ps",
            "log_level", "help", "mem_info", "event_subscribe", "events_list", "subscribers_list", "raise_event"];
        foreach (var name in expected)
        {
            Assert.Contains(name, names);
        }

        Assert.True(names.IndexOf("get_statistics") < names.IndexOf("uptime"), string.Join(",", names));
    }

    [Fact]
    public async Task CoreCommands_EachAnswersInOpenSipsShape()
    {
        Assert.StartsWith("Parley (", (await server.ResultAsync("version")).GetProperty("Server").GetString(), StringComparison.Ordinal);

        var uptime = await server.ResultAsync("uptime");
        Assert.Equal(JsonValueKind.String, uptime.GetProperty("Now").ValueKind);
        Assert.Equal(JsonValueKind.String, uptime.GetProperty("Up since").ValueKind);
        Assert.EndsWith(" [sec]", uptime.GetProperty("Up time").GetString(), StringComparison.Ordinal);

        var ps = await server.ResultAsync("ps");
        var processes = ps.GetProperty("Processes");
        Assert.True(processes.GetArrayLength() >= 3);
        Assert.Equal(server.Process.Pid, processes[0].GetProperty("PID").GetInt32());
        var types = new StringBuilder();
        foreach (var p in processes.EnumerateArray())
        {
            types.Append(p.GetProperty("Type").GetString()).Append('|');
        }

        Assert.Contains("UDP receiver udp:127.0.0.1:" + server.SipPort.ToString(CultureInfo.InvariantCulture), types.ToString(), StringComparison.Ordinal);
        Assert.Contains("HTTPD", types.ToString(), StringComparison.Ordinal);

        Assert.False(string.IsNullOrEmpty((await server.ResultAsync("pwd")).GetProperty("WD").GetString()));
        var args = await server.ResultAsync("arg");
        Assert.Contains(args.EnumerateArray(), a => a.GetString() == "-f");

        var mem = await server.ResultAsync("mem_info");
        Assert.True(mem.GetProperty("total_size").GetInt64() > 0);

        var help = await server.ResultAsync("help", "{\"mi_cmd\":\"get_statistics\"}");
        Assert.Equal("core", help.GetProperty("Exported by").GetString());
        Assert.False(string.IsNullOrEmpty(help.GetProperty("Help").GetString()));

        var list = await server.ResultAsync("list_statistics", "{\"statistics\":[\"core:\"]}");
        Assert.Equal("incremental", list.GetProperty("core:rcv_requests").GetString());
        Assert.Equal("non-incremental", list.GetProperty("core:timestamp").GetString());

        var events = await server.ResultAsync("events_list");
        Assert.Contains(events.GetProperty("Events").EnumerateArray(), e => e.GetProperty("name").GetString() == "E_E2E_TEST");
    }

    [Fact]
    public async Task LogLevel_SetGlobal_ReadBackEverywhere()
    {
        var set = await server.ResultAsync("log_level", "{\"level\":4}");
        Assert.Equal(4, set.GetProperty("New global log level").GetInt32());
        var get = await server.ResultAsync("log_level");
        foreach (var p in get.GetProperty("Processes").EnumerateArray())
        {
            Assert.Equal(4, p.GetProperty("Log level").GetInt32());
        }

        var perPid = await server.ResultAsync("log_level", $"[3, {server.Process.Pid}]");
        Assert.Equal(3, perPid.GetProperty("Log level").GetInt32());
        var bad = await server.CallAsync("log_level", "{\"level\":3,\"pid\":1}");
        Assert.Equal(-32602, bad.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"which\",\"id\":1", -32700, "Parse error")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"no_such_command\",\"id\":1}", -32601, "Method not found")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"help\",\"params\":{\"nope\":1},\"id\":1}", -32602, "Invalid params")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"get_statistics\",\"params\":{},\"id\":1}", -32602, "Invalid params")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"log_level\",\"params\":{\"level\":\"loud\"},\"id\":1}", -32602, "Invalid params")]
    [InlineData("{\"jsonrpc\":\"1.0\",\"method\":\"which\",\"id\":1}", -32600, "Invalid Request")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"get_statistics\",\"params\":{\"statistics\":[\"nosuch:stat\"]},\"id\":1}", 404, "Statistics Not Found")]
    public async Task BadRequests_AnsweredWithJsonRpcErrors(string body, int code, string message)
    {
        var (status, text) = await server.PostAsync(body);
        Assert.Equal(HttpStatusCode.OK, status);
        using var doc = JsonDocument.Parse(text);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.False(server.Process.HasExited);
    }

    [Fact]
    public async Task MissingParameter_NamesWhatIsWrong()
    {
        var response = await server.CallAsync("log_level", "{\"pid\":1}");
        var error = response.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("Named parameters do not match", error.GetProperty("data").GetString());

        var typed = await server.CallAsync("log_level", "{\"level\":\"loud\"}");
        Assert.Contains("level", typed.GetProperty("error").GetProperty("data").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpMethodsAndBodies_405And400And202()
    {
        using (var get = await server.Http.GetAsync(server.MiUrl))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        }

        var (empty, _) = await server.PostAsync(string.Empty);
        Assert.Equal(HttpStatusCode.BadRequest, empty);

        var (notification, body) = await server.PostAsync("{\"jsonrpc\":\"2.0\",\"method\":\"which\"}");
        Assert.Equal(HttpStatusCode.Accepted, notification);
        Assert.Equal(string.Empty, body);

        var (batch, batchBody) = await server.PostAsync("[{\"jsonrpc\":\"2.0\",\"method\":\"version\",\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"pwd\",\"id\":2}]");
        Assert.Equal(HttpStatusCode.OK, batch);
        using var doc = JsonDocument.Parse(batchBody);
        Assert.Equal(2, doc.RootElement.GetArrayLength());

        using var missing = await server.Http.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/nothing-here"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task GetStatisticsAll_CoreCountersMoveWithSipTraffic()
    {
        var before = await server.ResultAsync("get_statistics", "{\"statistics\":[\"all\"]}");
        var rcvBefore = before.GetProperty("core:rcv_requests").GetInt64();
        var seenBefore = before.GetProperty("e2e:options_seen").GetInt64();

        for (var i = 0; i < 3; i++)
        {
            var response = await server.OptionsAsync("plain");
            Assert.NotNull(response);
            Assert.Equal(200, SipClient.StatusCode(response));
        }

        var after = await server.ResultAsync("get_statistics", "{\"statistics\":[\"all\"]}");
        Assert.True(after.GetProperty("core:rcv_requests").GetInt64() >= rcvBefore + 3);
        Assert.True(after.GetProperty("e2e:options_seen").GetInt64() >= seenBefore + 3);
        Assert.True(after.TryGetProperty("core:timestamp", out _));
        Assert.True(after.TryGetProperty("events:raised", out _));
    }

    [Fact]
    public async Task ResetStatistics_ResettableZeroed_NoResetKept()
    {
        await server.OptionsAsync("plain");
        Assert.Equal("OK", (await server.ResultAsync("reset_statistics", "{\"statistics\":[\"e2e:\"]}")).GetString());
        Assert.Equal(0, await server.StatisticAsync("e2e:options_seen"));
    }

    [Fact]
    public async Task Metrics_PrometheusTextParsesAndMatchesMi()
    {
        await server.OptionsAsync("plain");
        using var response = await server.Http.GetAsync(server.MetricsUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();

        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge" });
                typed.Add(parts[2]);
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, line);
            var name = line[..space];
            Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
            Assert.True(typed.Contains(name), $"{name} has no TYPE line before it");
            samples[name] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        Assert.True(samples["parley_core_rcv_requests"] >= 1);
        var mi = await server.StatisticAsync("core:rcv_requests");
        Assert.True(Math.Abs(mi - samples["parley_core_rcv_requests"]) <= 2, $"mi {mi} vs metrics {samples["parley_core_rcv_requests"]}");
        Assert.True(samples.ContainsKey("parley_e2e_options_seen"));
    }

    [Fact]
    public async Task ScriptMi_ResultLandsInReplyHeader()
    {
        var response = await server.OptionsAsync("mi");
        Assert.NotNull(response);
        var header = SipClient.Header(response, "X-MI");
        using var doc = JsonDocument.Parse(header);
        Assert.True(doc.RootElement.GetProperty("e2e:options_seen").GetInt64() >= 1);
    }

    [Fact]
    public async Task RaiseEvent_DeliveredToUdpSubscriberHttpSubscriberAndEventRoute()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var udpPort = ((IPEndPoint)udp.LocalEndPoint!).Port;

        var hookPort = FreePorts.Next();
        using var hook = new HttpListener();
        hook.Prefixes.Add($"http://127.0.0.1:{hookPort}/hook/");
        hook.Start();

        Assert.Equal("OK", (await server.ResultAsync("event_subscribe", $"{{\"event\":\"E_E2E_TEST\",\"socket\":\"udp:127.0.0.1:{udpPort}\",\"expire\":60}}")).GetString());
        Assert.Equal("OK", (await server.ResultAsync("event_subscribe", $"{{\"event\":\"E_E2E_TEST\",\"socket\":\"http://127.0.0.1:{hookPort}/hook/\",\"expire\":60}}")).GetString());
        var subscribers = await server.ResultAsync("subscribers_list", "{\"event\":\"E_E2E_TEST\"}");
        Assert.Contains($"udp:127.0.0.1:{udpPort}", subscribers.ToString(), StringComparison.Ordinal);

        var routesBefore = await server.StatisticAsync("e2e:event_routes");
        var httpRequest = hook.GetContextAsync();
        var response = await server.OptionsAsync("raise", fromUser: "carol");
        Assert.NotNull(response);

        var buffer = new byte[65535];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await udp.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        using (var datagram = JsonDocument.Parse(buffer.AsMemory(0, received)))
        {
            AssertNotification(datagram.RootElement);
        }

        var context = await httpRequest.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("POST", context.Request.HttpMethod);
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
        using (var posted = JsonDocument.Parse(await reader.ReadToEndAsync()))
        {
            AssertNotification(posted.RootElement);
        }

        context.Response.StatusCode = 200;
        context.Response.Close();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.StatisticAsync("e2e:event_routes") == routesBefore && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(routesBefore + 1, await server.StatisticAsync("e2e:event_routes"));
        Assert.Contains("event_route E_E2E_TEST caller=carol count=", server.Process.Output, StringComparison.Ordinal);

        // expire 0 unsubscribes
        Assert.Equal("OK", (await server.ResultAsync("event_subscribe", $"{{\"event\":\"E_E2E_TEST\",\"socket\":\"udp:127.0.0.1:{udpPort}\",\"expire\":0}}")).GetString());
        Assert.DoesNotContain($"udp:127.0.0.1:{udpPort}", (await server.ResultAsync("subscribers_list")).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MiFifo_OpenSipsFifoProtocol_AnswersOnReplyFifo()
    {
        Assert.True(File.Exists(server.FifoPath), "mi_fifo did not create " + server.FifoPath);
        var replyName = $"parley_e2e_reply_{Guid.NewGuid():N}";
        var replyPath = Path.Combine("/tmp", replyName);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", ["-m", "0666", replyPath]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        try
        {
            var reading = Task.Run(() =>
            {
                using var reply = new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
                using var content = new MemoryStream();
                reply.CopyTo(content);
                return Encoding.UTF8.GetString(content.ToArray());
            });
            await Task.Run(() =>
            {
                using var fifo = new FileStream(server.FifoPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                fifo.Write(Encoding.UTF8.GetBytes($":{replyName}:{{\"jsonrpc\":\"2.0\",\"method\":\"get_statistics\",\"params\":[[\"core:rcv_requests\"]],\"id\":\"fifo-1\"}}\n"));
            }).WaitAsync(TimeSpan.FromSeconds(10));

            var text = await reading.WaitAsync(TimeSpan.FromSeconds(10));
            using var doc = JsonDocument.Parse(text);
            Assert.Equal("fifo-1", doc.RootElement.GetProperty("id").GetString());
            Assert.True(doc.RootElement.GetProperty("result").GetProperty("core:rcv_requests").GetInt64() >= 0);
        }
        finally
        {
            File.Delete(replyPath);
        }
    }

    [Fact]
    public async Task MiRaiseEvent_RunsEventRouteWithParams()
    {
        var before = await server.StatisticAsync("e2e:event_routes");
        Assert.Equal("OK", (await server.ResultAsync("raise_event", "{\"event\":\"E_E2E_TEST\",\"params\":{\"caller\":\"mi-operator\",\"count\":5}}")).GetString());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.StatisticAsync("e2e:event_routes") == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(await server.StatisticAsync("e2e:event_routes") > before);
        Assert.Contains("event_route E_E2E_TEST caller=mi-operator count=5", server.Process.Output, StringComparison.Ordinal);

        var unknown = await server.CallAsync("raise_event", "{\"event\":\"E_NOBODY_KNOWS\"}");
        Assert.True(unknown.TryGetProperty("error", out _), unknown.ToString());
    }

    private static void AssertNotification(JsonElement root)
    {
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        Assert.Equal("E_E2E_TEST", root.GetProperty("method").GetString());
        Assert.False(root.TryGetProperty("id", out _));
        var parameters = root.GetProperty("params");
        Assert.Equal("carol", parameters.GetProperty("caller").GetString());
        Assert.True(parameters.GetProperty("count").GetInt64() >= 1);
    }
}
