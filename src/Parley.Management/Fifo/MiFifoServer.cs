using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Parley.Management.Mi;

namespace Parley.Management.Fifo;

/// <summary>
/// The MI over a named pipe, as OpenSIPS 3.x's <c>mi_fifo</c> module serves it (and opensips-cli's <c>fifo</c>
/// communication type uses it).
/// </summary>
/// <remarks>
/// <para>
/// Protocol (OpenSIPS <c>modules/mi_fifo/fifo_fnc.c</c>, <c>mi_fifo.c</c>; opensips-cli <c>opensipscli/communication/fifo.py</c>):
/// the client creates a FIFO in <c>reply_dir</c>, writes <c>:&lt;reply_fifo_name&gt;:&lt;JSON-RPC request&gt;</c> to the
/// server FIFO (no new line needed) and reads its reply FIFO until end of file. The server opens the reply FIFO before it runs
/// the command, writes the JSON-RPC response (compact, or cJSON's formatted print with <c>pretty_printing</c>, no new line)
/// and closes it. Intermediate responses a command reports (t_uac_dlg's provisional replies with tm's
/// <c>pass_provisional_replies</c>) are written before the final one, each a JSON-RPC response with the request's id,
/// back to back without separator (OpenSIPS reopens the reply FIFO for each; here it stays open until the final one). An empty name (<c>::{…}</c>) runs the command with no reply. For a notification (no <c>id</c>)
/// the reply FIFO is opened and closed with nothing written. A reply FIFO that cannot be opened (missing, a symbolic link,
/// not a FIFO, or no reader within <see cref="MiFifoOptions.ReplyOpenTimeout"/>) means the command is not run, as in OpenSIPS.
/// </para>
/// <para>
/// Requests are served one at a time on a dedicated thread. The server holds the FIFO open for reading and writing, so
/// it never sees end of file when a client closes (OpenSIPS keeps a dummy writer open for the same reason) and a blocking
/// read costs nothing while idle. Framing: see <see cref="MiFifoRequestFramer"/>.
/// </para>
/// <para>
/// Differences from OpenSIPS: unparsable JSON is answered with the JSON-RPC parse error (-32700) when a reply FIFO is named
/// (OpenSIPS drops it silently and the client waits forever); a request split over several writes is reassembled; a reply
/// write that blocks longer than <see cref="MiFifoOptions.ReplyWriteTimeout"/> is abandoned instead of blocking the server;
/// <c>reply_dir</c> without a trailing '/' gets one; the reply FIFO checks are "not a symbolic link" and "not seekable"
/// (OpenSIPS also refuses hard-linked FIFOs and an inode that changed between open and lstat, which .NET cannot see);
/// SIGHUP does not force the FIFO to be recreated (it is recreated when deleted).
/// </para>
/// </remarks>
public sealed partial class MiFifoServer : IAsyncDisposable
{
    private static readonly byte[] WakeUpByte = [(byte)'\n'];
    private static readonly TimeSpan ErrorBackoff = TimeSpan.FromSeconds(1);

    private readonly MiFifoOptions _options;
    private readonly JsonRpcDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly string _fifoPath;
    private readonly string _replyDir;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _handleLock = new();
    private FileStream? _reader;
    private FileStream? _waker;
    private Timer? _checkTimer;
    private int _mode;
    private int _state;
    private volatile bool _recreate;

    public MiFifoServer(MiFifoOptions options, JsonRpcDispatcher dispatcher, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _dispatcher = dispatcher;
        _logger = logger;
        _fifoPath = options.FifoName ?? string.Empty;
        var replyDir = options.ReplyDir ?? string.Empty;
        _replyDir = replyDir.Length == 0 || replyDir.EndsWith('/') ? replyDir : replyDir + "/";
    }

    /// <summary>Path of the server FIFO.</summary>
    public string FifoPath => _fifoPath;

    /// <summary>Directory reply FIFO names are relative to (with a trailing '/').</summary>
    public string ReplyDirectory => _replyDir;

    /// <summary>
    /// Checks the parameters as OpenSIPS's <c>mi_mod_init</c> does, deletes whatever file is at <c>fifo_name</c>,
    /// creates the FIFO (mode, owner, group) and starts serving it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter is wrong or the FIFO cannot be created.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The MI FIFO needs Unix named pipes.");
        }

        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The MI FIFO server was already started.");
        }

        try
        {
            Validate();
            DeleteFifoFile(logDeletion: true);
            CreateFifo();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _state = 2;
            TryDeleteFifoFile();
            throw new InvalidOperationException($"mi_fifo: cannot create the FIFO {_fifoPath}: {ex.Message}", ex);
        }
        catch
        {
            _state = 2;
            throw;
        }

        _checkTimer = new Timer(static s => ((MiFifoServer)s!).CheckFifo(), this, _options.FifoCheckInterval, _options.FifoCheckInterval);
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "MI FIFO" };
        thread.Start();
        LogListening(_logger, _fifoPath, _replyDir);
        return Task.CompletedTask;
    }

    /// <summary>Stops serving (a command being run finishes first) and deletes the FIFO file.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_checkTimer is not null)
        {
            await _checkTimer.DisposeAsync().ConfigureAwait(false);
        }

        WakeReader();
        try
        {
            await _loopExited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CloseFifo();
            TryDeleteFifoFile();
            LogStopped(_logger, _fifoPath);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_loopExited.Task.IsCompleted)
        {
            _stopping.Dispose();
        }
    }

    private void Validate()
    {
        if (_fifoPath.Length == 0)
        {
            throw new InvalidOperationException("mi_fifo: no fifo configured (fifo_name is empty)");
        }

        if (_replyDir.Length == 0)
        {
            throw new InvalidOperationException("mi_fifo: reply_dir parameter is empty");
        }

        if (!Directory.Exists(_replyDir))
        {
            throw new InvalidOperationException($"mi_fifo: reply_dir parameter is not a directory: {_options.ReplyDir}");
        }

        _mode = _options.FifoMode;
        if (_mode is < 0 or > 0xFFF)
        {
            throw new InvalidOperationException($"mi_fifo: fifo_mode {_mode} is not a file mode (0 to 07777)");
        }

        if (_mode == 0)
        {
            LogZeroMode(_logger);
            _mode = MiFifoOptions.ZeroModeReplacement;
        }

        if (_options.ReplyOpenTimeout <= TimeSpan.Zero || _options.ReplyWriteTimeout <= TimeSpan.Zero
            || _options.FifoCheckInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("mi_fifo: the reply timeouts and the FIFO check interval must be positive");
        }
    }

    private void CreateFifo()
    {
        UnixFifo.Create(_fifoPath, _mode);
        UnixFifo.ChangeOwner(_fifoPath, _options.FifoUser, _options.FifoGroup);

        // Read and write: never blocks on open, and the server's own writer keeps reads from seeing end of file.
        // A second, write-only handle (opening it does not block: there is a reader) is what WakeReader writes to.
        var reader = new FileStream(_fifoPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        FileStream waker;
        try
        {
            waker = new FileStream(_fifoPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        }
        catch
        {
            reader.Dispose();
            throw;
        }

        lock (_handleLock)
        {
            _reader = reader;
            _waker = waker;
        }
    }

    private void CloseFifo()
    {
        FileStream? reader;
        FileStream? waker;
        lock (_handleLock)
        {
            reader = _reader;
            waker = _waker;
            _reader = null;
            _waker = null;
        }

        reader?.Dispose();
        if (waker is not null)
        {
            // Disposed under the wake lock so a pending wake-up write finishes first.
            _ = Task.Run(() =>
            {
                lock (waker)
                {
                    waker.Dispose();
                }
            });
        }
    }

    private void DeleteFifoFile(bool logDeletion)
    {
        var info = new FileInfo(_fifoPath);
        if (info.Exists || info.LinkTarget is not null)
        {
            File.Delete(_fifoPath);
            if (logDeletion)
            {
                LogOldFifoDeleted(_logger, _fifoPath);
            }
        }
    }

    private void TryDeleteFifoFile()
    {
        try
        {
            DeleteFifoFile(logDeletion: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, _fifoPath, ex);
        }
    }

    private bool FifoFileLooksValid()
    {
        try
        {
            var info = new FileInfo(_fifoPath);
            return info.Exists && info.LinkTarget is null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void CheckFifo()
    {
        if (!_stopping.IsCancellationRequested && !FifoFileLooksValid())
        {
            _recreate = true;
            WakeReader();
        }
    }

    // A byte of white space through the server's own writer ends a blocking read; the framer skips it.
    // Written off the caller's thread: with a full pipe the write would block until the reader drains it.
    private void WakeReader()
    {
        FileStream? waker;
        lock (_handleLock)
        {
            waker = _waker;
        }

        if (waker is null)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            lock (waker)
            {
                try
                {
                    waker.Write(WakeUpByte);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // The FIFO was closed or replaced meanwhile; nothing to wake.
                }
            }
        });
    }

    private FileStream? CurrentReader(MiFifoRequestFramer framer)
    {
        if (!_recreate && FifoFileLooksValid())
        {
            lock (_handleLock)
            {
                if (_reader is not null)
                {
                    return _reader;
                }
            }
        }

        LogRecreating(_logger, _fifoPath);
        CloseFifo();
        framer.Clear();
        try
        {
            DeleteFifoFile(logDeletion: false);
            CreateFifo();
            _recreate = false;
            lock (_handleLock)
            {
                return _reader;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogRecreateFailed(_logger, _fifoPath, ex);
            return null;
        }
    }

    private void ReadLoop()
    {
        var framer = new MiFifoRequestFramer(Encoding.UTF8.GetByteCount(_replyDir));
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var reader = CurrentReader(framer);
                if (reader is null)
                {
                    _stopping.Token.WaitHandle.WaitOne(ErrorBackoff);
                    continue;
                }

                int read;
                try
                {
                    read = reader.Read(framer.FreeSpace);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
                {
                    if (_stopping.IsCancellationRequested)
                    {
                        break;
                    }

                    LogReadFailed(_logger, _fifoPath, ex);
                    _recreate = true;
                    _stopping.Token.WaitHandle.WaitOne(ErrorBackoff);
                    continue;
                }

                if (read == 0)
                {
                    // End of file cannot happen while the server holds a writer; the handle is broken.
                    LogReadFailed(_logger, _fifoPath, null);
                    _recreate = true;
                    _stopping.Token.WaitHandle.WaitOne(ErrorBackoff);
                    continue;
                }

                framer.Commit(read);
                ServeBuffered(framer);
            }
        }
        catch (Exception ex)
        {
            LogLoopFailed(_logger, ex);
        }
        finally
        {
            _loopExited.TrySetResult();
        }
    }

    private void ServeBuffered(MiFifoRequestFramer framer)
    {
        while (!_stopping.IsCancellationRequested)
        {
            var frame = framer.Next();
            switch (frame.Kind)
            {
                case MiFifoFrameKind.NeedMore:
                    return;
                case MiFifoFrameKind.Discarded:
                    LogDiscarded(_logger, frame.Problem!, frame.Text!);
                    break;
                case MiFifoFrameKind.Malformed:
                    LogMalformed(_logger, frame.Problem!, frame.Text!);
                    if (frame.ReplyName is not null)
                    {
                        Serve(frame.ReplyName, frame.Body!);
                    }

                    break;
                default:
                    Serve(frame.ReplyName, frame.Body!);
                    break;
            }
        }
    }

    private void Serve(string? replyName, byte[] body)
    {
        string? replyPath = null;
        FileStream? reply = null;
        if (replyName is not null)
        {
            replyPath = _replyDir + replyName;
            reply = OpenReply(replyPath);
            if (reply is null)
            {
                // As in OpenSIPS: no reply channel, no command.
                return;
            }
        }

        byte[]? response;
        var replyState = WriteOutcome.Written;
        try
        {
            if (reply is null)
            {
                (_, response) = _dispatcher.HandleAsync(body, _stopping.Token).AsTask().GetAwaiter().GetResult();
            }
            else
            {
                // Intermediate responses (MiRequest.ReportProgress, e.g. t_uac_dlg's provisional replies) come on the
                // reporting thread; they are queued and written here, in order, to the reply FIFO already open.
                var intermediates = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
                var handling = _dispatcher.HandleAsync(body, b => intermediates.Writer.TryWrite(b), _stopping.Token).AsTask();
                _ = handling.ContinueWith(static (_, w) => ((ChannelWriter<byte[]>)w!).TryComplete(), intermediates.Writer,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                while (intermediates.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
                {
                    while (intermediates.Reader.TryRead(out var chunk))
                    {
                        if (replyState == WriteOutcome.Written)
                        {
                            replyState = Write(reply, replyPath!, _options.PrettyPrinting ? CJsonPrettyPrinter.Format(chunk) : chunk);
                        }
                    }
                }

                (_, response) = handling.GetAwaiter().GetResult();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            if (replyState != WriteOutcome.Abandoned)
            {
                reply?.Dispose();
            }

            return;
        }
        catch (Exception ex)
        {
            LogCommandFailed(_logger, ex);
            response = null;
        }

        if (reply is null || replyState == WriteOutcome.Abandoned)
        {
            return;
        }

        if (replyState == WriteOutcome.Failed)
        {
            CloseReply(reply, replyPath!);
            return;
        }

        if (response is null)
        {
            // A notification: OpenSIPS opened the reply FIFO and closes it with nothing written.
            reply.Dispose();
            return;
        }

        if (_options.PrettyPrinting)
        {
            response = CJsonPrettyPrinter.Format(response);
        }

        WriteReply(reply, replyPath!, response);
    }

    private FileStream? OpenReply(string path)
    {
        try
        {
            if (new FileInfo(path).LinkTarget is not null)
            {
                LogReplyRefused(_logger, path, "it is a soft link");
                return null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogReplyOpenFailed(_logger, path, ex.Message);
            return null;
        }

        // .NET cannot open with O_NONBLOCK: the blocking open (it waits for the client to open its end for reading)
        // runs on a thread of its own and is given up after the timeout, as OpenSIPS gives up after its ENXIO retries.
        // Not on the thread pool: a busy pool could start it after the timeout and fail a client that was waiting.
        var open = Task.Factory.StartNew(() => new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        FileStream stream;
        try
        {
            if (!open.Wait(_options.ReplyOpenTimeout))
            {
                LogNoClient(_logger, path);
                Abandon(open, path);
                return null;
            }

            stream = open.Result;
        }
        catch (AggregateException ex)
        {
            LogReplyOpenFailed(_logger, path, ex.InnerException?.Message ?? ex.Message);
            return null;
        }

        if (stream.CanSeek)
        {
            LogReplyRefused(_logger, path, "it is not a fifo");
            stream.Dispose();
            return null;
        }

        return stream;
    }

    // The pending open(2) of a FIFO nobody reads ends when some process opens it for reading: the server does so itself
    // (read+write never blocks) and closes both ends at once. If the client deleted the FIFO meanwhile, the open stays
    // pending until the FIFO is opened for reading by whoever still holds it.
    private static void Abandon(Task<FileStream> open, string path)
    {
        _ = open.ContinueWith(static t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                t.Result.Dispose();
            }
            else
            {
                _ = t.Exception;
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        try
        {
            using var unblock = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone or not ours: nothing more to do.
        }
    }

    private void WriteReply(FileStream reply, string path, byte[] response)
    {
        if (Write(reply, path, response) != WriteOutcome.Abandoned)
        {
            CloseReply(reply, path);
        }
    }

    /// <summary>Writes one response to the reply FIFO; a write the client does not read in time abandons the stream (disposed when the write ends).</summary>
    private WriteOutcome Write(FileStream reply, string path, byte[] response)
    {
        var write = Task.Run(() => reply.Write(response));
        try
        {
            if (!write.Wait(_options.ReplyWriteTimeout))
            {
                LogReplyWriteTimedOut(_logger, path, _options.ReplyWriteTimeout);
                _ = write.ContinueWith(static (t, s) =>
                {
                    _ = t.Exception;
                    ((FileStream)s!).Dispose();
                }, reply, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return WriteOutcome.Abandoned;
            }
        }
        catch (AggregateException ex)
        {
            // EPIPE: the client closed its reply FIFO before reading everything.
            LogReplyWriteFailed(_logger, path, ex.InnerException?.Message ?? ex.Message);
            return WriteOutcome.Failed;
        }

        return WriteOutcome.Written;
    }

    private void CloseReply(FileStream reply, string path)
    {
        try
        {
            reply.Dispose();
        }
        catch (IOException ex)
        {
            LogReplyWriteFailed(_logger, path, ex.Message);
        }
    }

    private enum WriteOutcome
    {
        Written,
        Failed,
        Abandoned,
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "MI FIFO listening on {Path} (reply FIFOs in {ReplyDir})")]
    private static partial void LogListening(ILogger logger, string path, string replyDir);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Deleted the old FIFO file {Path}")]
    private static partial void LogOldFifoDeleted(ILogger logger, string path);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "mi_fifo: fifo_mode cannot be 0, forcing it to rw------- (0600)")]
    private static partial void LogZeroMode(ILogger logger);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Invalid FIFO file: creating a new one ({Path})")]
    private static partial void LogRecreating(ILogger logger, string path);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Cannot create the FIFO {Path}")]
    private static partial void LogRecreateFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Error, Message = "Cannot read the FIFO {Path}")]
    private static partial void LogReadFailed(ILogger logger, string path, Exception? exception);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "MI FIFO: {Problem}, discarded: [{Text}]")]
    private static partial void LogDiscarded(ILogger logger, string problem, string text);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Error, Message = "MI FIFO: {Problem}: [{Text}]")]
    private static partial void LogMalformed(ILogger logger, string problem, string text);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Warning, Message = "MI FIFO: no client at {Path}, request dropped")]
    private static partial void LogNoClient(ILogger logger, string path);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Error, Message = "MI FIFO: cannot open the reply FIFO {Path}: {Reason}")]
    private static partial void LogReplyOpenFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Error, Message = "MI FIFO: security: reply FIFO {Path} refused, {Reason}")]
    private static partial void LogReplyRefused(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Error, Message = "MI FIFO: cannot write the reply to {Path}: {Reason}")]
    private static partial void LogReplyWriteFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Warning, Message = "MI FIFO: the reply to {Path} was not read within {Timeout}; abandoned")]
    private static partial void LogReplyWriteTimedOut(ILogger logger, string path, TimeSpan timeout);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Error, Message = "MI FIFO: command processing failed")]
    private static partial void LogCommandFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Critical, Message = "MI FIFO: the server loop stopped")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4116, Level = LogLevel.Information, Message = "MI FIFO stopped ({Path} removed)")]
    private static partial void LogStopped(ILogger logger, string path);

    [LoggerMessage(EventId = 4117, Level = LogLevel.Error, Message = "Cannot delete the FIFO file {Path}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, Exception exception);
}
