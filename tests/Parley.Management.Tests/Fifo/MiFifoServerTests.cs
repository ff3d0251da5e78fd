using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using Parley.Management.Fifo;
using Parley.Management.Mi;

namespace Parley.Management.Tests.Fifo;

/// <summary>The FIFO server on real FIFOs in a temporary directory; every blocking step has a timeout.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class MiFifoServerTests
{
    private const string Which = """{"jsonrpc":"2.0","method":"which","id":1}""";
    private const string Count = """{"jsonrpc":"2.0","method":"count","id":7}""";

    private static async Task<MiFifoServer> StartAsync(FifoTestDirectory directory, FifoTestCommands commands,
        ListLogger? logger = null, Action<MiFifoOptions>? configure = null)
    {
        var options = new MiFifoOptions
        {
            FifoName = directory.FifoPath,
            ReplyDir = directory.Path,
            // Generous: the box is shared and the test client opens its end from the thread pool.
            ReplyOpenTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var server = new MiFifoServer(options, new JsonRpcDispatcher(commands.Registry), logger ?? new ListLogger());
        await server.StartAsync();
        return server;
    }

    private static Task StopAsync(MiFifoServer server) => server.DisposeAsync().AsTask().WaitAsync(FifoClient.Timeout);

    [Fact]
    public async Task StartAsync_DefaultMode_CreatesFifoRwRw()
    {
        using var directory = new FifoTestDirectory();
        var server = await StartAsync(directory, new FifoTestCommands());
        try
        {
            Assert.True(File.Exists(directory.FifoPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
                File.GetUnixFileMode(directory.FifoPath));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task StartAsync_ModeZero_ForcesRwAndWarns()
    {
        using var directory = new FifoTestDirectory();
        var logger = new ListLogger();
        var server = await StartAsync(directory, new FifoTestCommands(), logger, o => o.FifoMode = 0);
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(directory.FifoPath));
            Assert.True(logger.Has(4103));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task DisposeAsync_Running_DeletesFifo()
    {
        using var directory = new FifoTestDirectory();
        var server = await StartAsync(directory, new FifoTestCommands());
        Assert.True(File.Exists(directory.FifoPath));

        await StopAsync(server);

        Assert.False(File.Exists(directory.FifoPath));
    }

    [Fact]
    public async Task StartAsync_StaleFileAtFifoPath_ReplacedByWorkingFifo()
    {
        using var directory = new FifoTestDirectory();
        await File.WriteAllTextAsync(directory.FifoPath, "left over by a crashed server");
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            Assert.Equal(0, new FileInfo(directory.FifoPath).Length);
            var reply = await FifoClient.RequestAsync(directory, "reply_1", Which);
            Assert.Equal(commands.Direct(Which), reply);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task StartAsync_ReplyDirMissing_Throws()
    {
        using var directory = new FifoTestDirectory();
        var server = new MiFifoServer(
            new MiFifoOptions { FifoName = directory.FifoPath, ReplyDir = Path.Join(directory.Path, "missing") },
            new JsonRpcDispatcher(new FifoTestCommands().Registry), new ListLogger());

        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());

        Assert.False(File.Exists(directory.FifoPath));
        await StopAsync(server);
    }

    [Fact]
    public async Task StartAsync_Twice_Throws()
    {
        using var directory = new FifoTestDirectory();
        var server = await StartAsync(directory, new FifoTestCommands());
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_Which_RepliesDispatcherBodyByteForByte()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            var reply = await FifoClient.RequestAsync(directory, "opensips_fifo_reply_1234", Which);

            Assert.Equal(commands.Direct(Which), reply);
            var parsed = JsonNode.Parse(reply)!;
            Assert.Equal("2.0", (string?)parsed["jsonrpc"]);
            Assert.Equal(1, (int?)parsed["id"]);
            Assert.Contains(parsed["result"]!.AsArray(), n => (string?)n == "which");
            Assert.False(reply.EndsWith('\n'));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_MalformedJson_RepliesParseErrorAndKeepsServing()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var logger = new ListLogger();
        var server = await StartAsync(directory, commands, logger);
        try
        {
            var bad = await FifoClient.RequestAsync(directory, "bad", """{"jsonrpc":"2.0",,"method":"which"}""");
            var good = await FifoClient.RequestAsync(directory, "good", Which);

            Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}""", bad);
            Assert.True(logger.Has(4108));
            Assert.Equal(commands.Direct(Which), good);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_ReplyFifoMissing_CommandNotRunAndKeepsServing()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var logger = new ListLogger();
        var server = await StartAsync(directory, commands, logger);
        try
        {
            await FifoClient.WriteAsync(directory.FifoPath, ":nobody_here:" + Count);
            var reply = await FifoClient.RequestAsync(directory, "after", Which);

            Assert.Equal(commands.Direct(Which), reply);
            Assert.True(logger.Has(4110));
            Assert.Equal(0, commands.Count);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_ReplyFifoWithoutReader_GivesUpAndKeepsServing()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var logger = new ListLogger();
        var server = await StartAsync(directory, commands, logger, o => o.ReplyOpenTimeout = TimeSpan.FromMilliseconds(300));
        try
        {
            // The client created its reply FIFO, sent the request and vanished.
            FifoClient.MakeFifo(directory.ReplyPath("vanished"));
            await FifoClient.WriteAsync(directory.FifoPath, ":vanished:" + Count);
            Assert.True(await FifoClient.EventuallyAsync(() => logger.Has(4109)));

            var reply = await FifoClient.RequestAsync(directory, "after", Which);

            Assert.Equal(commands.Direct(Which), reply);
            Assert.Equal(0, commands.Count);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_ClientClosesReplyWithoutReading_KeepsServing()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            var replyPath = directory.ReplyPath("rude");
            FifoClient.MakeFifo(replyPath);
            var opened = Task.Run(() => new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));
            await FifoClient.WriteAsync(directory.FifoPath, ":rude:" + """{"jsonrpc":"2.0","method":"big","id":1}""");
            (await opened.WaitAsync(FifoClient.Timeout)).Dispose();

            var reply = await FifoClient.RequestAsync(directory, "after", Which);

            Assert.Equal(commands.Direct(Which), reply);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_ClientNeverReadsLargeReply_WriteAbandonedAndKeepsServing()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var logger = new ListLogger();
        var server = await StartAsync(directory, commands, logger, o => o.ReplyWriteTimeout = TimeSpan.FromMilliseconds(300));
        FileStream? stuck = null;
        try
        {
            var replyPath = directory.ReplyPath("stuck");
            FifoClient.MakeFifo(replyPath);
            var opened = Task.Run(() => new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));
            await FifoClient.WriteAsync(directory.FifoPath, ":stuck:" + """{"jsonrpc":"2.0","method":"big","id":1}""");
            stuck = await opened.WaitAsync(FifoClient.Timeout);
            Assert.True(await FifoClient.EventuallyAsync(() => logger.Has(4113)));

            var reply = await FifoClient.RequestAsync(directory, "after", Which);

            Assert.Equal(commands.Direct(Which), reply);
        }
        finally
        {
            stuck?.Dispose();
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_NoReplyName_RunsCommandWithoutReply()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            await FifoClient.WriteAsync(directory.FifoPath, "::" + Count);

            Assert.True(await FifoClient.EventuallyAsync(() => commands.Count == 1));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_Notification_RunsAndClosesReplyEmpty()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            var reply = await FifoClient.RequestAsync(directory, "note", """{"jsonrpc":"2.0","method":"count"}""");

            Assert.Equal(string.Empty, reply);
            Assert.Equal(1, commands.Count);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_UnknownMethod_RepliesMethodNotFound()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            const string request = """{"jsonrpc":"2.0","method":"no_such_cmd","id":"x"}""";
            var reply = await FifoClient.RequestAsync(directory, "r", request);

            Assert.Equal(commands.Direct(request), reply);
            Assert.Contains("-32601", reply, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_TwoInOneWrite_BothAnswered()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            FifoClient.MakeFifo(directory.ReplyPath("first"));
            FifoClient.MakeFifo(directory.ReplyPath("second"));
            var first = FifoClient.StartReading(directory.ReplyPath("first"));
            var second = FifoClient.StartReading(directory.ReplyPath("second"));

            await FifoClient.WriteAsync(directory.FifoPath, ":first:" + Which + "\n:second:" + Count + "\n");

            Assert.Equal(commands.Direct(Which), await FifoClient.FinishReading(first, directory.ReplyPath("first")));
            Assert.Equal("""{"jsonrpc":"2.0","result":{"count":1},"id":7}""",
                await FifoClient.FinishReading(second, directory.ReplyPath("second")));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_SplitOverTwoWrites_Answered()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            FifoClient.MakeFifo(directory.ReplyPath("split"));
            var reading = FifoClient.StartReading(directory.ReplyPath("split"));

            await FifoClient.WriteAsync(directory.FifoPath, """:split:{"jsonrpc":"2.0",""");
            await Task.Delay(100);
            await FifoClient.WriteAsync(directory.FifoPath, """ "method":"which","id":1}""");

            Assert.Equal(commands.Direct(Which), await FifoClient.FinishReading(reading, directory.ReplyPath("split")));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Theory]
    [InlineData(":a.b:")]
    [InlineData(":..:")]
    [InlineData("garbage :r:")]
    public async Task Request_NotAFifoRequest_DiscardedAndKeepsServing(string prefix)
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var logger = new ListLogger();
        var server = await StartAsync(directory, commands, logger);
        try
        {
            await FifoClient.WriteAsync(directory.FifoPath, prefix + Count);
            Assert.True(await FifoClient.EventuallyAsync(() => logger.Has(4107)));

            var reply = await FifoClient.RequestAsync(directory, "after", Which);

            Assert.Equal(commands.Direct(Which), reply);
            Assert.Equal(0, commands.Count);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Request_PrettyPrinting_RepliesCJsonFormattedOutput()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands, configure: o => o.PrettyPrinting = true);
        try
        {
            var reply = await FifoClient.RequestAsync(directory, "pretty", Count);

            Assert.Equal("{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t{\n\t\t\"count\":\t1\n\t},\n\t\"id\":\t7\n}", reply);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task FifoDeleted_IsRecreatedAndServes()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var logger = new ListLogger();
        var server = await StartAsync(directory, commands, logger, o => o.FifoCheckInterval = TimeSpan.FromMilliseconds(100));
        try
        {
            File.Delete(directory.FifoPath);
            Assert.True(await FifoClient.EventuallyAsync(() => File.Exists(directory.FifoPath)));

            var reply = await FifoClient.RequestAsync(directory, "again", Which);

            Assert.Equal(commands.Direct(Which), reply);
            Assert.True(logger.Has(4104));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task Requests_ManySequential_AllAnswered()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = await StartAsync(directory, commands);
        try
        {
            for (int i = 1; i <= 20; i++)
            {
                var reply = await FifoClient.RequestAsync(directory, "seq_" + i, Count);
                Assert.Equal($$"""{"jsonrpc":"2.0","result":{"count":{{i}}},"id":7}""", reply);
            }
        }
        finally
        {
            await StopAsync(server);
        }
    }
}

/// <summary>
/// Measures the CPU time of the server's "MI FIFO" thread (from /proc/self/task/*/stat), so it runs alone:
/// no other server thread of that name may exist meanwhile.
/// </summary>
[CollectionDefinition(nameof(FifoIdleCpuCollection), DisableParallelization = true)]
public sealed class FifoIdleCpuCollection;

[Collection(nameof(FifoIdleCpuCollection))]
public sealed class MiFifoServerIdleTests
{
    // utime + stime, in clock ticks (1/100 s on Linux), of the threads named "MI FIFO".
    private static (int Threads, long Ticks) FifoThreadTicks()
    {
        int threads = 0;
        long ticks = 0;
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Join(task, "comm")).Trim() != "MI FIFO")
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Join(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads++;
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return (threads, ticks);
    }

    [Fact]
    public async Task Idle_AfterAClientCameAndWent_ReaderThreadUsesAlmostNoCpu()
    {
        using var directory = new FifoTestDirectory();
        var commands = new FifoTestCommands();
        var server = new MiFifoServer(new MiFifoOptions { FifoName = directory.FifoPath, ReplyDir = directory.Path },
            new JsonRpcDispatcher(commands.Registry), new ListLogger());
        await server.StartAsync();
        try
        {
            // A client wrote and closed: the server must not read end of file in a loop afterwards.
            await FifoClient.WriteAsync(directory.FifoPath, "::" + """{"jsonrpc":"2.0","method":"count","id":1}""");
            Assert.True(await FifoClient.EventuallyAsync(() => commands.Count == 1));

            var (threads, before) = FifoThreadTicks();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var used = FifoThreadTicks().Ticks - before;

            Assert.Equal(1, threads);
            Assert.True(used <= 10, $"the MI FIFO thread used {used} ticks of CPU in 1 s idle");
        }
        finally
        {
            await server.DisposeAsync().AsTask().WaitAsync(FifoClient.Timeout);
        }
    }
}
