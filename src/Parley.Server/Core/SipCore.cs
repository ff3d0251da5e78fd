using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Framing;
using Parley.Protocol.Parsing;
using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>
/// Receives every packet from the transport and hands it to the worker that owns its Call-ID (see docs/ARCHITECTURE.md,
/// invariant 5). Runs on the transport's receive loops, so it only hashes and queues.
/// </summary>
internal sealed partial class SipCore : ISipPacketHandler, IAsyncDisposable
{
    private readonly Worker[] _workers;
    private readonly Task[] _running;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private bool _stopped;

    public SipCore(int workerCount, Func<int, IMessageProcessor> processors, IReplySender sender, CoreStatistics statistics, string serverHeader, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentNullException.ThrowIfNull(processors);
        _logger = logger;
        var header = System.Text.Encoding.UTF8.GetBytes(serverHeader.Length == 0 ? "" : $"Server: {serverHeader}\r\n");
        _workers = new Worker[workerCount];
        _running = new Task[workerCount];
        for (var i = 0; i < workerCount; i++)
        {
            _workers[i] = new Worker(i, processors(i), sender, statistics, header, logger);
        }

        for (var i = 0; i < workerCount; i++)
        {
            var worker = _workers[i];
            _running[i] = Task.Run(() => worker.RunAsync(_stop.Token));
        }
    }

    public void OnPacket(InboundPacket packet)
    {
        var hash = CallIdHash.Compute(packet.Span);
        _workers[(int)((uint)hash % (uint)_workers.Length)].Enqueue(packet);
    }

    public void OnFramingError(InboundPacket headerSection, FramingError error)
    {
        var parseError = error switch
        {
            FramingError.MissingContentLength => ParseError.MissingContentLength,
            FramingError.ConflictingContentLength => ParseError.ConflictingContentLength,
            FramingError.MessageTooLarge => ParseError.MessageTooLarge,
            _ => ParseError.BadContentLength,
        };

        // Answered off the worker queue: the connection is closing, no later message of this call can follow on it.
        var hash = CallIdHash.Compute(headerSection.Span);
        var task = _workers[(int)((uint)hash % (uint)_workers.Length)].HandleFramingErrorAsync(headerSection, parseError, _stop.Token);
        if (task.IsCompletedSuccessfully)
        {
            headerSection.Release();
            return;
        }

        _ = ReleaseAfter(task, headerSection);
    }

    public async Task StopAsync()
    {
        _stopped = true;
        foreach (var worker in _workers)
        {
            worker.Complete();
        }

        var all = Task.WhenAll(_running);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != all)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            LogWorkersCancelled(_logger);
            await all.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    private async Task ReleaseAfter(ValueTask task, InboundPacket packet)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFramingReplyFailed(_logger, e);
        }
        finally
        {
            packet.Release();
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Workers did not drain within 5 s at shutdown; cancelled")]
    private static partial void LogWorkersCancelled(ILogger logger);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Could not answer a stream framing error")]
    private static partial void LogFramingReplyFailed(ILogger logger, Exception exception);
}
