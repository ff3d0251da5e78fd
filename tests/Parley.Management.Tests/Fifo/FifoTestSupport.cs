using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Parley.Management.Fifo;
using Parley.Management.Mi;
using Parley.Management.Tests.Mi;

namespace Parley.Management.Tests.Fifo;

/// <summary>A temporary directory holding the server FIFO and the reply FIFOs of one test.</summary>
internal sealed class FifoTestDirectory : IDisposable
{
    public FifoTestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("parley-fifo-").FullName;
    }

    public string Path { get; }

    public string FifoPath => System.IO.Path.Join(Path, "opensips_fifo");

    public string ReplyPath(string name) => System.IO.Path.Join(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Collects log entries so tests can see what the server reported.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));

    public bool Has(int eventId)
    {
        foreach (var entry in Entries)
        {
            if (entry.EventId == eventId)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The core commands plus a few test commands: <c>count</c> (counts its runs), <c>big</c> (a reply larger than a pipe).</summary>
internal sealed class FifoTestCommands
{
    private int _count;

    public FifoTestCommands()
    {
        Registry = new MiCommandRegistry();
        CoreMiCommands.Register(Registry, new MinimalHost());
        Registry.Register(new MiCommand("count", "counts its runs", [new MiRecipe()],
            _ => MiResult.Success(new JsonObject { ["count"] = Interlocked.Increment(ref _count) })));
        Registry.Register(new MiCommand("big", "a large reply", [new MiRecipe()],
            _ => MiResult.Success(new string('x', 200_000))));
    }

    public MiCommandRegistry Registry { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>What the dispatcher answers to <paramref name="json"/> directly, for byte-for-byte comparison.</summary>
    public string Direct(string json) => MiTestSupport.Run(Registry, json).Body ?? string.Empty;

    private sealed class MinimalHost : ICoreMiHost
    {
        public string ServerVersion => "Parley test";

        public DateTimeOffset StartTime { get; } = DateTimeOffset.UnixEpoch;

        public TimeProvider Time => TimeProvider.System;

        public IReadOnlyList<MiProcessInfo> Processes { get; } = [new(0, 1, "attendant", 3)];

        public string WorkingDirectory => "/";

        public IReadOnlyList<string> CommandLineArgs { get; } = ["parley"];

        public void SetGlobalLogLevel(int level)
        {
        }

        public bool TrySetProcessLogLevel(int pid, int level) => false;
    }
}

/// <summary>A FIFO client doing what opensips-cli does, with a timeout on every blocking step.</summary>
internal static class FifoClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static void MakeFifo(string path) => UnixFifo.Create(path, 0b110_110_110);

    /// <summary>Writes <paramref name="text"/> to the FIFO at <paramref name="path"/> in one write.</summary>
    public static async Task WriteAsync(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var write = Task.Run(() =>
        {
            using var fifo = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            fifo.Write(bytes);
        });
        try
        {
            await write.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            Unblock(path);
            throw;
        }
    }

    /// <summary>Opens <paramref name="replyPath"/> for reading (waits for the server to open it) and reads to end of file.</summary>
    public static Task<string> StartReading(string replyPath) => Task.Run(() =>
    {
        using var fifo = new FileStream(replyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        using var content = new MemoryStream();
        fifo.CopyTo(content);
        return Encoding.UTF8.GetString(content.ToArray());
    });

    public static async Task<string> FinishReading(Task<string> reading, string replyPath)
    {
        try
        {
            return await reading.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            Unblock(replyPath);
            throw;
        }
    }

    /// <summary>Creates the reply FIFO, sends <c>:name:json</c> and returns what the server wrote to the reply FIFO.</summary>
    public static async Task<string> RequestAsync(FifoTestDirectory directory, string replyName, string json)
    {
        var replyPath = directory.ReplyPath(replyName);
        MakeFifo(replyPath);
        var reading = StartReading(replyPath);
        await WriteAsync(directory.FifoPath, $":{replyName}:{json}");
        return await FinishReading(reading, replyPath);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the timeout passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }

    // Ends a blocked open(2) on a FIFO: a read+write open never blocks and gives the other side its partner.
    private static void Unblock(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (IOException)
        {
        }
    }
}
