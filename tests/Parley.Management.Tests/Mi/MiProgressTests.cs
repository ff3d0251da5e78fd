using System.Net;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management.Fifo;
using Parley.Management.Http;
using Parley.Management.Mi;
using Parley.Management.Statistics;
using Parley.Management.Tests.Fifo;

namespace Parley.Management.Tests.Mi;

/// <summary>
/// Intermediate MI results (<see cref="MiRequest.ReportProgress"/>, OpenSIPS's async handler called with done=0):
/// the dispatcher hands them out with the request's id, mi_fifo writes them before the final response, HTTP drops them.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class MiProgressTests
{
    private const string Steps = """{"jsonrpc":"2.0","method":"steps","id":9}""";
    private const string First = """{"jsonrpc":"2.0","result":{"step":1},"id":9}""";
    private const string Second = """{"jsonrpc":"2.0","result":{"step":2},"id":9}""";
    private const string Final = """{"jsonrpc":"2.0","result":{"done":true},"id":9}""";

    /// <summary>A command reporting {"step":1}, then (once <paramref name="gate"/> opens) {"step":2}, then answering {"done":true}.</summary>
    private static MiCommandRegistry Registry(Task? gate = null)
    {
        var registry = new MiCommandRegistry();
        registry.Register(new MiCommand("steps", "reports two steps", [new MiRecipe()], async (request, cancellationToken) =>
        {
            request.ReportProgress(new JsonObject { ["step"] = 1 });
            if (gate is not null)
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            request.ReportProgress(new JsonObject { ["step"] = 2 });
            return MiResult.Success(new JsonObject { ["done"] = true });
        }));
        return registry;
    }

    [Fact]
    public async Task HandleAsync_HandlerReportsProgress_IntermediatesWithTheRequestIdThenFinal()
    {
        var dispatcher = new JsonRpcDispatcher(Registry());
        var seen = new List<string>();

        var (status, body) = await dispatcher.HandleAsync(Encoding.UTF8.GetBytes(Steps), b => seen.Add(Encoding.UTF8.GetString(b)));

        Assert.Equal(JsonRpcDispatcher.StatusOk, status);
        Assert.Equal([First, Second], seen);
        Assert.Equal(Final, Encoding.UTF8.GetString(body!));
    }

    [Fact]
    public async Task HandleAsync_StringId_IntermediatesEchoIt()
    {
        var dispatcher = new JsonRpcDispatcher(Registry());
        var seen = new List<string>();

        await dispatcher.HandleAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"steps","id":"abc"}"""), b => seen.Add(Encoding.UTF8.GetString(b)));

        Assert.Equal("""{"jsonrpc":"2.0","result":{"step":1},"id":"abc"}""", seen[0]);
    }

    [Fact]
    public async Task HandleAsync_Notification_NoIntermediatesNoResponse()
    {
        var dispatcher = new JsonRpcDispatcher(Registry());
        var seen = new List<byte[]>();

        var (status, body) = await dispatcher.HandleAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"steps"}"""), seen.Add);

        Assert.Equal(JsonRpcDispatcher.StatusAccepted, status);
        Assert.Null(body);
        Assert.Empty(seen);
    }

    [Fact]
    public async Task HandleAsync_WithoutCallback_ReportIsANoOp()
    {
        var dispatcher = new JsonRpcDispatcher(Registry());

        var (_, body) = await dispatcher.HandleAsync(Encoding.UTF8.GetBytes(Steps));

        Assert.Equal(Final, Encoding.UTF8.GetString(body!));
    }

    [Fact]
    public async Task ExecuteAsync_ReportAfterTheHandlerFinished_Dropped()
    {
        MiRequest? kept = null;
        var registry = new MiCommandRegistry();
        registry.Register(new MiCommand("keep", null, [new MiRecipe()], r =>
        {
            kept = r;
            return MiResult.Ok();
        }));
        var seen = new List<byte[]>();

        await new JsonRpcDispatcher(registry).HandleAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"keep","id":1}"""), seen.Add);
        Assert.True(kept!.CanReportProgress);
        kept.ReportProgress(new JsonObject { ["late"] = 1 });

        Assert.Empty(seen);
    }

    [Fact]
    public async Task FifoRequest_HandlerReportsProgress_ReplyFifoGetsEachIntermediateAsItComesThenFinal()
    {
        using var directory = new FifoTestDirectory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartFifoAsync(directory, Registry(gate.Task), pretty: false);
        var replyPath = directory.ReplyPath("progress_reply");
        FifoClient.MakeFifo(replyPath);
        var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(() =>
        {
            using var fifo = new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var all = new MemoryStream();
            var buffer = new byte[4096];
            int n;
            while ((n = fifo.Read(buffer)) > 0)
            {
                all.Write(buffer, 0, n);
                if (all.Length >= First.Length)
                {
                    firstSeen.TrySetResult();
                }
            }

            return Encoding.UTF8.GetString(all.ToArray());
        });

        await FifoClient.WriteAsync(directory.FifoPath, $":progress_reply:{Steps}");
        // The first step is on the reply FIFO while the command is still running (it waits for the gate).
        await firstSeen.Task.WaitAsync(FifoClient.Timeout);
        gate.SetResult();
        var reply = await FifoClient.FinishReading(reading, replyPath);

        Assert.Equal(First + Second + Final, reply);
    }

    [Fact]
    public async Task FifoRequest_PrettyPrinting_IntermediatesPrettyPrintedToo()
    {
        using var directory = new FifoTestDirectory();
        await using var server = await StartFifoAsync(directory, Registry(), pretty: true);

        var reply = await FifoClient.RequestAsync(directory, "pretty_progress", Steps);

        Assert.Equal(Pretty(First) + Pretty(Second) + Pretty(Final), reply);
        Assert.StartsWith("{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t{\n\t\t\"step\":\t1\n\t},\n\t\"id\":\t9\n}{", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FifoRequest_Notification_ReplyFifoClosedEmpty()
    {
        using var directory = new FifoTestDirectory();
        await using var server = await StartFifoAsync(directory, Registry(), pretty: false);

        var reply = await FifoClient.RequestAsync(directory, "notify_progress", """{"jsonrpc":"2.0","method":"steps"}""");

        Assert.Equal(string.Empty, reply);
    }

    [Fact]
    public async Task HttpPost_HandlerReportsProgress_OnlyTheFinalResponse()
    {
        using var statistics = new StatisticsRegistry();
        var settings = new HttpSettings { Enabled = true, Port = 0, MiRoot = "json" };
        await using var server = new ManagementHttpServer(settings, new JsonRpcDispatcher(Registry()), statistics, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var content = new StringContent(Steps, Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri($"http://127.0.0.1:{server.BoundEndPoint!.Port}/json"), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Final, await response.Content.ReadAsStringAsync());
    }

    private static string Pretty(string json) => Encoding.UTF8.GetString(CJsonPrettyPrinter.Format(Encoding.UTF8.GetBytes(json)));

    private static async Task<MiFifoServer> StartFifoAsync(FifoTestDirectory directory, MiCommandRegistry registry, bool pretty)
    {
        var options = new MiFifoOptions
        {
            FifoName = directory.FifoPath,
            ReplyDir = directory.Path,
            ReplyOpenTimeout = TimeSpan.FromSeconds(5),
            PrettyPrinting = pretty,
        };
        var server = new MiFifoServer(options, new JsonRpcDispatcher(registry), new ListLogger());
        await server.StartAsync();
        return server;
    }
}
