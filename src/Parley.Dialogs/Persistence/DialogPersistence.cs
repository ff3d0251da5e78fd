using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Parley.Dialogs.Core;
using Parley.Management.Statistics;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Persistence;

/// <summary>
/// Writes dialogs to the database as <c>db_mode</c> says (dialog manual §1.6.10, opensips-behaviour.md §6.2) and loads
/// them back. The SIP path only marks a dialog and queues it (<see cref="DialogManager.MarkDbLocked"/>); one background
/// loop takes the queue in batches, builds the rows under each dialog's lock and hands them to the store in one
/// transaction. A failed batch is counted (<c>dialog:db_errors</c>), its work is put back on the dialogs and retried with
/// back-off, so a slow or dead database delays persistence and never calls, and nothing is silently lost.
/// </summary>
/// <remarks>
/// db_mode 1 (real time) writes within <see cref="RealTimeWindow"/> of a change — the changes of that window, and those
/// made while a batch was being written, share the next transaction; db_mode 2 (delayed) every <c>db_update_period</c>; db_mode 3 (shutdown) only at shutdown. Every mode
/// writes every confirmed dialog with its values, profiles and flags at shutdown.
/// </remarks>
public sealed class DialogPersistence : IAsyncDisposable
{
    /// <summary>Most writes per transaction.</summary>
    internal const int MaxBatch = 512;

    /// <summary>
    /// db_mode 1 waits this long after the first change before writing: changes made meanwhile (the ACK right after the
    /// 200, a burst of calls) share one transaction, and a dialog's INSERT and UPDATE become one write. "Real time"
    /// stays within this bound; a crash loses at most this much.
    /// </summary>
    internal static readonly TimeSpan RealTimeWindow = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest pause between two batches of a paced (db_mode 2) flush.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly DialogManager _manager;
    private readonly IDialogStore _store;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Dialog> _queue = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(Dialog Dialog, DialogWrite Write, DialogDbFlags Taken)> _batch = new(MaxBatch);
    private readonly List<DialogWrite> _writes = new(MaxBatch);
    private int _wakeRequested;
    private int _failures;
    private readonly TaskCompletionSource _loopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _running;

    internal DialogPersistence(DialogManager manager, IDialogStore store, StatisticsRegistry statistics, ILogger logger)
    {
        _manager = manager;
        _store = store;
        _logger = logger;
        Mode = manager.Options.DbMode;
        Writes = statistics.Register("dialog", "db_writes", StatisticKind.Counter, description: "dialog rows inserted, updated or deleted");
        Errors = statistics.Register("dialog", "db_errors", StatisticKind.Counter, description: "failed dialog database writes (each is retried)");
        Pending = statistics.Register("dialog", "db_pending", StatisticKind.Gauge, resettable: false, description: "dialogs with changes not yet written");
    }

    /// <summary><c>db_mode</c>: 1, 2 or 3.</summary>
    public int Mode { get; }

    public IDialogStore Store => _store;

    internal Statistic Writes { get; }

    internal Statistic Errors { get; }

    internal Statistic Pending { get; }

    /// <summary>Called under the dialog's lock on the SIP path: queues it and, in real-time mode, wakes the writer.</summary>
    internal void Enqueue(Dialog dialog)
    {
        _queue.Enqueue(dialog);
        Pending.Increment();
        if (Mode == 1 && Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            _wake.Release();
        }
    }

    // ------------------------------------------------------------------ start-up

    /// <summary>
    /// The schema check and the start-up load (§6.2 "All DB modes"): refuses a missing (server databases) or different
    /// schema version with a message; restores every confirmed row, deletes ended ones, refuses rows of another
    /// <c>hash_size</c>; with db_mode 3 empties the table afterwards. Returns the number of dialogs restored.
    /// </summary>
    public async Task<int> LoadAsync(Func<string, RouteHandle?>? routes, CancellationToken cancellationToken)
    {
        await CheckSchemaAsync(cancellationToken).ConfigureAwait(false);
        var rows = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var loaded = 0;
        var refused = 0;
        var ended = new List<DialogWrite>();
        foreach (var row in rows)
        {
            if (row.State == (int)DialogState.Deleted)
            {
                ended.Add(new DialogWrite(DialogWriteKind.Delete, row.DialogId, null));
                continue;
            }

            if (_manager.Restore(row, routes, out var problem) is { } dialog)
            {
                loaded++;
                if (Mode == 3)
                {
                    // §6.2: db_mode 3 empties the table after loading and writes everything again at shutdown.
                    lock (dialog.Bucket.Gate)
                    {
                        dialog.DbState = DialogDbFlags.None;
                    }
                }
            }
            else
            {
                refused++;
                DialogLog.RowRefused(_logger, problem!);
            }
        }

        if (Mode == 3)
        {
            await _store.DeleteAllAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (ended.Count > 0)
        {
            await _store.WriteAsync(ended, _manager.Options.TimerBulkDelNo, cancellationToken).ConfigureAwait(false);
        }

        DialogLog.Loaded(_logger, loaded, _store.Description, ended.Count, refused);
        return loaded;
    }

    private async Task CheckSchemaAsync(CancellationToken cancellationToken)
    {
        var version = await _store.GetTableVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null && _store.IsEmbedded)
        {
            await _store.CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
            version = await _store.GetTableVersionAsync(cancellationToken).ConfigureAwait(false);
        }

        var table = _manager.Options.TableName;
        if (version is null)
        {
            throw new InvalidOperationException(
                $"{_store.Description} has no '{table}' table version row: create the schema with `parley db init -f <config>` (or scripts/postgres/dialog-create.sql)");
        }

        if (version != DialogTableSchema.Version)
        {
            throw new InvalidOperationException(
                $"{_store.Description}: table '{table}' has schema version {version}, this build reads and writes version {DialogTableSchema.Version} (OpenSIPS 3.x); migrate the table or point db_url elsewhere");
        }
    }

    // ------------------------------------------------------------------ running

    /// <summary>
    /// Starts the writer loop (db_mode 1 and 2) on a thread of its own: the drivers may block (SQLite has no real
    /// asynchronous I/O), and a blocked thread-pool thread would be one of the few the SIP workers run on.
    /// </summary>
    public void Start()
    {
        if (Mode is not (1 or 2) || _running is not null)
        {
            return;
        }

        _running = new CancellationTokenSource();
        var token = _running.Token;
        var thread = new Thread(() => RunLoop(token)) { IsBackground = true, Name = "dialog db writer" };
        thread.Start();
    }

    private void RunLoop(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromSeconds(_manager.Options.DbUpdatePeriodSeconds);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (Mode == 1)
                {
                    _wake.Wait(cancellationToken);
                    Sleep(RealTimeWindow, cancellationToken);
                    FlushUntilWritten(int.MaxValue, paced: false, cancellationToken);
                }
                else
                {
                    Sleep(period, cancellationToken);
                    FlushUntilWritten(_queue.Count, paced: true, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _loopDone.TrySetResult();
        }
    }

    /// <summary>
    /// Writes <paramref name="budget"/> queued dialogs, retrying with back-off while the store fails. Paced (db_mode 2's
    /// period flush): one batch at a time with a pause as long as the batch took (at most <see cref="MaxPause"/>) between
    /// batches, so a period's worth of changes does not take the CPU — or a database server on the same machine — from
    /// the SIP workers in one burst; the period's flush still ends well within the period.
    /// </summary>
    private void FlushUntilWritten(int budget, bool paced, CancellationToken cancellationToken)
    {
        var retry = FirstRetry;
        while (budget > 0)
        {
            var started = Stopwatch.GetTimestamp();
            var (ok, taken) = TryFlush(paced ? Math.Min(budget, MaxBatch) : budget, cancellationToken);
            if (!ok)
            {
                Sleep(retry, cancellationToken);
                retry = retry * 2 < LastRetry ? retry * 2 : LastRetry;
                continue;
            }

            retry = FirstRetry;
            budget -= taken;
            if (!paced || taken == 0)
            {
                return;
            }

            if (budget > 0)
            {
                var took = Stopwatch.GetElapsedTime(started);
                Sleep(took < MaxPause ? took : MaxPause, cancellationToken);
            }
        }
    }

    /// <summary>One flush from the writer thread; whatever goes wrong is counted and retried, never thrown at the process.</summary>
    private (bool Ok, int Taken) TryFlush(int budget, CancellationToken cancellationToken)
    {
        try
        {
            return FlushSomeAsync(budget, cancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Not the store's failure (FlushAsync counts those and returns false): a bug must not stop persistence.
            Errors.Increment();
            DialogLog.WriteFailed(_logger, _queue.Count, _store.Description, ++_failures, (int)FirstRetry.TotalMilliseconds, e);
            return (false, 0);
        }
    }

    private static void Sleep(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (cancellationToken.WaitHandle.WaitOne(delay))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Writes everything queued when it starts, in batches. False when a batch failed: its work went back on its dialogs and into the
    /// queue, and the caller retries later.
    /// </summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken = default) =>
        (await FlushSomeAsync(int.MaxValue, cancellationToken).ConfigureAwait(false)).Ok;

    /// <summary>
    /// <see cref="FlushAsync"/> of at most <paramref name="maxDialogs"/> of the dialogs queued when it starts; also says
    /// how many it took from the queue (written, or with nothing left to write).
    /// </summary>
    private async Task<(bool Ok, int Taken)> FlushSomeAsync(int maxDialogs, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var dequeued = 0;
        try
        {
            Volatile.Write(ref _wakeRequested, 0);
            var withValues = _manager.Options.DbFlushValsProfiles;
            var deleteBatch = _manager.Options.TimerBulkDelNo;

            // What was queued when the flush began; what arrives meanwhile waits for the next pass, so a steady stream
            // of calls never keeps the gate from the MI commands for long.
            var budget = Math.Min(_queue.Count, maxDialogs);
            while (budget > 0 && !_queue.IsEmpty)
            {
                _batch.Clear();
                _writes.Clear();
                while (_batch.Count < MaxBatch && budget > 0 && _queue.TryDequeue(out var dialog))
                {
                    budget--;
                    dequeued++;
                    Pending.Decrement();
                    lock (dialog.Bucket.Gate)
                    {
                        if (_manager.TakeWriteLocked(dialog, withValues, out var write, out var taken))
                        {
                            _batch.Add((dialog, write, taken));
                            _writes.Add(write);
                        }
                    }
                }

                if (_writes.Count == 0)
                {
                    continue;
                }

                try
                {
                    await _store.WriteAsync(_writes, deleteBatch, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    Errors.Increment();
                    GiveBack();
                    var failures = ++_failures;
                    if (failures == 1 || failures % 50 == 0)
                    {
                        DialogLog.WriteFailed(_logger, _writes.Count, _store.Description, failures, (int)Math.Min(LastRetry.TotalMilliseconds, FirstRetry.TotalMilliseconds * (1 << Math.Min(failures, 10))), e);
                    }

                    return (false, dequeued);
                }
                catch (OperationCanceledException)
                {
                    GiveBack();
                    throw;
                }

                Writes.Increment(_writes.Count);
                foreach (var (dialog, write, _) in _batch)
                {
                    if (write.Kind != DialogWriteKind.Delete)
                    {
                        _manager.OnSaved(dialog);
                    }
                }

                if (_failures > 0)
                {
                    DialogLog.WriteRecovered(_logger, _store.Description, _failures);
                    _failures = 0;
                }
            }

            return (true, dequeued);
        }
        finally
        {
            _batch.Clear();
            _writes.Clear();
            _gate.Release();
        }
    }

    /// <summary>Puts a failed batch's work back on its dialogs and re-queues them.</summary>
    private void GiveBack()
    {
        foreach (var (dialog, write, taken) in _batch)
        {
            lock (dialog.Bucket.Gate)
            {
                _manager.GiveBackLocked(dialog, write.Kind, taken);
                if ((dialog.DbState & DialogDbFlags.Queued) == 0)
                {
                    dialog.DbState |= DialogDbFlags.Queued;
                    _queue.Enqueue(dialog);
                    Pending.Increment();
                }
            }
        }
    }

    // ------------------------------------------------------------------ MI

    /// <summary>
    /// MI <c>dlg_db_sync</c> (manual §1.9.8): loads every row; a dialog not in memory is restored, one in memory with the
    /// same or an older state takes the row's values, a newer in-memory one is left alone. Returns (restored, refreshed).
    /// </summary>
    public async Task<(int Restored, int Refreshed)> SyncFromDatabaseAsync(Func<string, RouteHandle?>? routes, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
            var restored = 0;
            var refreshed = 0;
            foreach (var row in rows)
            {
                if (row.State == (int)DialogState.Deleted)
                {
                    continue;
                }

                if (_manager.FindByDid(DialogId.Format((uint)(row.DialogId >> 32), (uint)row.DialogId)) is { } existing)
                {
                    if (_manager.Refresh(existing, row))
                    {
                        refreshed++;
                    }
                }
                else if (_manager.Restore(row, routes, out var problem) is not null)
                {
                    restored++;
                }
                else
                {
                    DialogLog.RowRefused(_logger, problem!);
                }
            }

            return (restored, refreshed);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// MI <c>dlg_restore_db</c> (manual §1.9.10): empties the table and writes every confirmed dialog from memory, in one
    /// go with the writer paused. Returns the number of rows written.
    /// </summary>
    public async Task<int> RestoreDatabaseAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.DeleteAllAsync(cancellationToken).ConfigureAwait(false);
            return await WriteAllAsync(_manager.Options.DbFlushValsProfiles, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>INSERTs (replacing) every confirmed dialog, in batches; marks them as having a row. Caller holds the gate.</summary>
    private async Task<int> WriteAllAsync(bool withValues, CancellationToken cancellationToken)
    {
        var writes = new List<DialogWrite>(MaxBatch);
        var total = 0;
        foreach (var dialog in _manager.Dialogs())
        {
            lock (dialog.Bucket.Gate)
            {
                if (dialog.State is not (DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed))
                {
                    continue;
                }

                dialog.DbState = (dialog.DbState & DialogDbFlags.Queued) | DialogDbFlags.InDb;
                writes.Add(new DialogWrite(DialogWriteKind.Insert, dialog.DbId, _manager.BuildRowLocked(dialog, withValues)));
            }

            if (writes.Count == MaxBatch)
            {
                await _store.WriteAsync(writes, _manager.Options.TimerBulkDelNo, cancellationToken).ConfigureAwait(false);
                total += writes.Count;
                writes.Clear();
            }
        }

        if (writes.Count > 0)
        {
            await _store.WriteAsync(writes, _manager.Options.TimerBulkDelNo, cancellationToken).ConfigureAwait(false);
            total += writes.Count;
        }

        Writes.Increment(total);
        return total;
    }

    // ------------------------------------------------------------------ shutdown

    /// <summary>
    /// Stops the loop and runs the final flush (§6.2 "At shutdown"): what is queued, then every confirmed dialog with its
    /// values, profiles and flags. Tries for a few seconds; what still fails is logged and counted.
    /// </summary>
    public async Task ShutdownAsync()
    {
        if (_running is { } running)
        {
            await running.CancelAsync().ConfigureAwait(false);
            await _loopDone.Task.ConfigureAwait(false);
            running.Dispose();
            _running = null;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Mode != 3 && !await FlushAsync(limit.Token).ConfigureAwait(false))
                {
                    await Task.Delay(FirstRetry * (attempt + 1), limit.Token).ConfigureAwait(false);
                    continue;
                }

                await _gate.WaitAsync(limit.Token).ConfigureAwait(false);
                try
                {
                    var written = await WriteAllAsync(withValues: true, limit.Token).ConfigureAwait(false);
                    DialogLog.ShutdownWritten(_logger, written, _store.Description);
                }
                finally
                {
                    _gate.Release();
                }

                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Errors.Increment();
                DialogLog.WriteFailed(_logger, _queue.Count, _store.Description, attempt + 1, 0, e);
                if (limit.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_running is { } running)
        {
            // Disposed without ShutdownAsync: stop the writer thread before its semaphores go.
            await running.CancelAsync().ConfigureAwait(false);
            await _loopDone.Task.ConfigureAwait(false);
            running.Dispose();
            _running = null;
        }

        _wake.Dispose();
        _gate.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
