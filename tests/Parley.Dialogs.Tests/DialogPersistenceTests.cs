using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Dialogs.Core;
using Parley.Dialogs.Persistence;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Tests;

/// <summary>
/// The persistence engine (opensips-behaviour.md §6.2) against an in-memory store: what each db_mode writes and when,
/// that the SIP path never writes, retries after failures, the start-up load and the MI commands.
/// </summary>
public sealed class DialogPersistenceTests : IDisposable
{
    private readonly DialogHarness _h;
    private readonly MemoryDialogStore _store = new();
    private readonly DialogPersistence _db;

    public DialogPersistenceTests()
    {
        _h = new DialogHarness(o =>
        {
            o.DbMode = 1;
            o.DbFlushValsProfiles = true;
        }, profilesWithValue: "caller", profilesNoValue: "inbound");
        _db = new DialogPersistence(_h.Manager, _store, _h.Statistics, NullLogger.Instance);
        _h.Manager.Persistence = _db;
    }

    public void Dispose()
    {
        _db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _h.Dispose();
    }

    private Task Flush() => _db.FlushAsync();

    [Fact]
    public async Task FlushAsync_ConfirmedCall_InsertsEveryColumnThenUpdatesOnAckAndDeletesOnBye()
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 180);
        await Flush();
        Assert.Empty(_store.Batches); // early dialogs never reach the database

        _h.Relay(tx, 200, body: "v=0\r\n");
        Assert.Empty(_store.Batches); // the SIP path only queues
        await Flush();
        var insert = Assert.Single(Assert.Single(_store.Batches));
        Assert.Equal(DialogWriteKind.Insert, insert.Kind);
        var row = _store.Rows[dialog.DbId];
        Assert.Equal(DialogHarness.CallId, row.CallId);
        Assert.Equal(DialogHarness.CallerTag, row.FromTag);
        Assert.Equal(DialogHarness.CalleeTag, row.ToTag);
        Assert.Equal("0", row.CallerCSeq);
        Assert.Equal("1", row.CalleeCSeq);
        Assert.Equal((int)DialogState.ConfirmedNotAcknowledged, row.State);
        Assert.Equal("udp:127.0.0.1:35060", row.CallerSocket);
        Assert.Equal("sip:127.0.0.1:35070;transport=UDP", row.CalleeContact);
        Assert.Equal(_h.Manager.NowUnix + _h.Options.DefaultTimeoutSeconds, row.Timeout);

        _h.Sequential(dialog, "ACK", 1);
        await Flush();
        Assert.Equal(DialogWriteKind.Update, Assert.Single(_store.Batches[1]).Kind);
        Assert.Equal((int)DialogState.Confirmed, _store.Rows[dialog.DbId].State);

        _h.Sequential(dialog, "BYE", 2);
        await Flush();
        Assert.Equal(DialogWriteKind.Delete, Assert.Single(_store.Batches[2]).Kind);
        Assert.Empty(_store.Rows);
        Assert.Equal(3, _h.Stat("db_writes"));
        Assert.Equal(0, _h.Stat("db_pending"));
    }

    [Fact]
    public async Task FlushAsync_CallEndedBeforeItsInsert_WritesNothing()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Sequential(dialog, "BYE", 2);

        await Flush();

        Assert.Empty(_store.Batches);
        Assert.Empty(_store.Rows);
    }

    [Fact]
    public async Task FlushAsync_SeveralChangesBetweenFlushes_CoalesceIntoOneWritePerDialog()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Sequential(dialog, "INFO", 2);
        _h.Sequential(dialog, "INFO", 3);

        await Flush();

        var batch = Assert.Single(_store.Batches);
        Assert.Equal(DialogWriteKind.Insert, Assert.Single(batch).Kind);
        Assert.Equal("3", _store.Rows[dialog.DbId].CalleeCSeq);
    }

    [Fact]
    public async Task FlushAsync_ValuesProfilesAndFlagsWithFlushing_WrittenAndUpdatedWithTheFourColumnUpdate()
    {
        var (dialog, _) = _h.ConfirmedCall(afterCreate: (_, d) =>
        {
            _h.Manager.SetValue(d, "plan", ScriptValue.FromString("gold|#\\x"));
            _h.Manager.SetValue(d, "credit", ScriptValue.FromInt(42));
            _h.Manager.SetProfile(d, _h.Profiles.Find("caller")!, "alice");
            _h.Manager.SetProfile(d, _h.Profiles.Find("inbound")!, null);
            _h.Manager.SetFlag(d, _h.Manager.FlagBit("billed"), true);
        });
        await Flush();
        var row = _store.Rows[dialog.DbId];
        Assert.StartsWith("credit#2#42|plan#1#gold\\|\\#\\\\x|uCSDP#1#v=0", Encoding.UTF8.GetString(row.Vars!), StringComparison.Ordinal);
        Assert.Equal("inbound#1#|caller#1#alice|", row.Profiles);
        Assert.Equal("billed", row.ScriptFlags);

        _h.Manager.SetValue(dialog, "credit", ScriptValue.FromInt(41));
        await Flush();

        Assert.Equal(DialogWriteKind.UpdateValues, Assert.Single(_store.Batches[^1]).Kind);
        Assert.StartsWith("credit#2#41|plan#1#gold\\|\\#\\\\x|", Encoding.UTF8.GetString(_store.Rows[dialog.DbId].Vars!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlushAsync_WithoutFlushingValues_WritesNullValuesAndNoValueUpdates()
    {
        _h.Options.DbFlushValsProfiles = false;
        var (dialog, _) = _h.ConfirmedCall(afterCreate: (_, d) => _h.Manager.SetValue(d, "plan", ScriptValue.FromString("gold")));
        await Flush();
        Assert.Null(_store.Rows[dialog.DbId].Vars);
        var batches = _store.Batches.Count;

        _h.Manager.SetValue(dialog, "plan", ScriptValue.FromString("silver"));
        await Flush();

        Assert.Equal(batches, _store.Batches.Count);
    }

    [Fact]
    public async Task SetTimeout_ConfirmedDialog_UpdatesOnlyTheTimeout()
    {
        var (dialog, _) = _h.ConfirmedCall();
        await Flush();

        _h.Manager.SetTimeout(dialog, 600);
        await Flush();

        var write = Assert.Single(_store.Batches[^1]);
        Assert.Equal(DialogWriteKind.UpdateTimeout, write.Kind);
        Assert.Equal(_h.Manager.NowUnix + 600, _store.Rows[dialog.DbId].Timeout);
    }

    [Fact]
    public async Task FlushAsync_DatabaseDown_CountsErrorKeepsWorkAndConvergesWhenBack()
    {
        var (a, _) = _h.ConfirmedCall();
        _store.Failing = true;

        Assert.False(await _db.FlushAsync());
        Assert.Equal(1, _h.Stat("db_errors"));
        Assert.Equal(1, _h.Stat("db_pending"));

        // Changes keep coming while the database is away: the call ends, another starts.
        _h.Sequential(a, "BYE", 2);
        var (b, _) = _h.ConfirmedCall(callId: "second-call", fromTag: "t2");
        Assert.False(await _db.FlushAsync());
        Assert.Equal(2, _h.Stat("db_errors"));

        _store.Failing = false;
        Assert.True(await _db.FlushAsync());

        Assert.Equal([b.DbId], _store.Rows.Keys);
        Assert.Equal(0, _h.Stat("db_pending"));
    }

    [Fact]
    public async Task FlushAsync_DeleteFailedOnce_IsRetried()
    {
        var (a, _) = _h.ConfirmedCall();
        await Flush();
        _h.Sequential(a, "BYE", 2);
        _store.Failing = true;
        Assert.False(await _db.FlushAsync());

        _store.Failing = false;
        Assert.True(await _db.FlushAsync());

        Assert.Empty(_store.Rows);
    }

    [Fact]
    public async Task LoadAsync_RowsOfARunningProxy_RestoreDialogsWithTheirDidLegsValuesProfilesAndTimers()
    {
        var (dialog, _) = _h.ConfirmedCall(afterCreate: (_, d) =>
        {
            _h.Manager.SetValue(d, "plan", ScriptValue.FromString("gold"));
            _h.Manager.SetValue(d, "credit", ScriptValue.FromInt(42));
            _h.Manager.SetProfile(d, _h.Profiles.Find("caller")!, "alice");
            _h.Manager.SetFlag(d, _h.Manager.FlagBit("billed"), true);
        }, flags: DialogCreateFlags.ByeOnTimeout);
        _h.Sequential(dialog, "INFO", 7);
        await Flush();
        _h.Time.Advance(TimeSpan.FromSeconds(100));

        // A second proxy over the same table: a restart.
        using var restarted = new DialogHarness(o => o.DbMode = 1, profilesWithValue: "caller", profilesNoValue: "inbound");
        await using var db = new DialogPersistence(restarted.Manager, _store, restarted.Statistics, NullLogger.Instance);
        restarted.Time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(1, await db.LoadAsync(null, default));

        var loaded = restarted.Manager.FindByDid(dialog.Did)!;
        Assert.Equal(DialogState.Confirmed, loaded.State);
        Assert.Equal(DialogCreateFlags.ByeOnTimeout, loaded.Flags);
        Assert.Equal(DialogHarness.CallerTag, Encoding.ASCII.GetString(loaded.Leg(0).Tag));
        Assert.Equal(DialogHarness.CalleeTag, Encoding.ASCII.GetString(loaded.Leg(1).Tag));
        Assert.Equal(7u, loaded.Leg(1).RequestCSeq);
        Assert.Equal(dialog.Leg(0).Contact, loaded.Leg(0).Contact);
        Assert.Equal(dialog.Leg(1).Contact, loaded.Leg(1).Contact);
        Assert.Equal(dialog.Leg(1).RouteSet, loaded.Leg(1).RouteSet);
        Assert.Equal("udp:127.0.0.1:35060", loaded.Leg(0).BindAddress);
        Assert.Equal(dialog.Leg(0).Sdp, loaded.Leg(0).Sdp);
        Assert.Equal(dialog.Leg(1).Sdp, loaded.Leg(1).Sdp);
        Assert.Equal(2, loaded.Values!.Count); // the SDPs are not values
        Assert.True(restarted.Manager.TryGetValue(loaded, "credit", out var credit) && credit.IsInt && credit.Int == 42);
        Assert.True(restarted.Manager.TryGetValue(loaded, "plan", out var plan) && plan.AsString() == "gold");
        Assert.Equal(1, restarted.Profiles.Find("caller")!.Size("alice"));
        Assert.True(restarted.Manager.IsFlagSet(loaded, restarted.Manager.FlagBit("billed")));
        Assert.Equal(_h.Options.DefaultTimeoutSeconds - 100, restarted.Manager.GetTimeout(loaded));
        Assert.Equal(1, restarted.Stat("active_dialogs"));

        // A new dialog in the same bucket never reuses the restored id.
        var next = restarted.Manager.Table.Bucket(loaded.Entry).NextId;
        Assert.NotEqual(loaded.Id, next);
    }

    [Fact]
    public async Task LoadAsync_RestoredDialog_ByeMatchedByDidEndsItAndDeletesTheRow()
    {
        var (dialog, _) = _h.ConfirmedCall();
        await Flush();
        using var restarted = new DialogHarness(o => o.DbMode = 1);
        await using var db = new DialogPersistence(restarted.Manager, _store, restarted.Statistics, NullLogger.Instance);
        restarted.Manager.Persistence = db;
        await db.LoadAsync(null, default);
        var loaded = restarted.Manager.FindByDid(dialog.Did)!;

        var bye = restarted.Sequential(loaded, "BYE", 2);
        await db.FlushAsync();

        Assert.Same(loaded, restarted.Manager.Current(bye));
        Assert.Equal(DialogState.Deleted, loaded.State);
        Assert.Equal(0, restarted.Stat("active_dialogs"));
        Assert.Empty(_store.Rows);
    }

    [Fact]
    public async Task LoadAsync_ExpiredRow_ExpiresAtOnce()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Manager.SetTimeout(dialog, 30);
        await Flush();
        using var restarted = new DialogHarness(o => o.DbMode = 1);
        await using var db = new DialogPersistence(restarted.Manager, _store, restarted.Statistics, NullLogger.Instance);
        restarted.Manager.Persistence = db;
        restarted.Time.Advance(TimeSpan.FromSeconds(60));
        await db.LoadAsync(null, default);

        restarted.Advance(TimeSpan.FromSeconds(1));
        await db.FlushAsync();

        Assert.Equal(DialogState.Deleted, restarted.Manager.FindByDid(dialog.Did)?.State ?? DialogState.Deleted);
        Assert.Equal(1, restarted.Stat("expired_dialogs"));
        Assert.Empty(_store.Rows);
    }

    [Fact]
    public async Task LoadAsync_EndedAndForeignHashRows_DeletesEndedAndRefusesForeign()
    {
        var (dialog, _) = _h.ConfirmedCall();
        await Flush();
        var ended = MemoryDialogStore.Copy(_store.Rows[dialog.DbId]);
        ended.DialogId++;
        ended.State = (int)DialogState.Deleted;
        _store.Rows[ended.DialogId] = ended;

        // hash_size changed: 4096 buckets then, 1024 now.
        using var restarted = new DialogHarness(o =>
        {
            o.DbMode = 1;
            o.HashSize = 1024;
        });
        await using var db = new DialogPersistence(restarted.Manager, _store, restarted.Statistics, NullLogger.Instance);
        var loaded = await db.LoadAsync(null, default);

        var entry = dialog.Entry;
        Assert.Equal(entry < 1024 ? 1 : 0, loaded);
        Assert.False(_store.Rows.ContainsKey(ended.DialogId));
        Assert.Equal(entry < 1024, restarted.Manager.FindByDid(dialog.Did) is not null);
    }

    [Fact]
    public async Task LoadAsync_MissingSchemaOnServerDatabase_RefusesWithInstructions()
    {
        _store.Version = null;
        _store.Embedded = false;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => _db.LoadAsync(null, default));

        Assert.Contains("parley db init", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MissingSchemaOnEmbeddedFile_CreatesIt()
    {
        _store.Version = null;

        Assert.Equal(0, await _db.LoadAsync(null, default));

        Assert.Equal(DialogTableSchema.Version, _store.Version);
    }

    [Fact]
    public async Task LoadAsync_OtherSchemaVersion_RefusesNamingBoth()
    {
        _store.Version = 10;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => _db.LoadAsync(null, default));

        Assert.Contains("version 10", e.Message, StringComparison.Ordinal);
        Assert.Contains("12", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownAsync_DbMode3_LoadEmptiesTableAndShutdownWritesEveryDialogWithValues()
    {
        var (dialog, _) = _h.ConfirmedCall(afterCreate: (_, d) => _h.Manager.SetValue(d, "plan", ScriptValue.FromString("gold")));
        await Flush();
        using var mode3 = new DialogHarness(o => o.DbMode = 3);
        await using var db = new DialogPersistence(mode3.Manager, _store, mode3.Statistics, NullLogger.Instance);
        Assert.Equal(1, await db.LoadAsync(null, default));
        Assert.Empty(_store.Rows);
        Assert.Equal(1, _store.DeleteAllCalls);

        await db.ShutdownAsync();

        Assert.StartsWith("plan#1#gold|uCSDP#1#", Encoding.UTF8.GetString(_store.Rows[dialog.DbId].Vars!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreDatabaseAsync_TableOutOfStep_TruncatesAndWritesEveryConfirmedDialog()
    {
        var (a, _) = _h.ConfirmedCall();
        _h.StartCall(callId: "early-call", fromTag: "t3");
        await Flush();
        _store.Rows[999] = new DialogRow { DialogId = 999, State = 4 };

        Assert.Equal(1, await _db.RestoreDatabaseAsync(default));

        Assert.Equal([a.DbId], _store.Rows.Keys);
    }

    [Fact]
    public async Task SyncFromDatabaseAsync_RowsNewerAndMissing_RefreshesAndRestores()
    {
        var (a, _) = _h.ConfirmedCall();
        await Flush();
        var newer = _store.Rows[a.DbId];
        newer.CalleeCSeq = "9";
        var foreign = MemoryDialogStore.Copy(newer);
        foreign.CallId = "from-another-node";
        var entry = DialogId.Entry(Encoding.ASCII.GetBytes(foreign.CallId), 4096);
        foreign.DialogId = DialogId.DbId(entry, 77);
        _store.Rows[foreign.DialogId] = foreign;

        var (restored, refreshed) = await _db.SyncFromDatabaseAsync(null, default);

        Assert.Equal((1, 1), (restored, refreshed));
        Assert.Equal(9u, a.Leg(1).RequestCSeq);
        Assert.NotNull(_h.Manager.FindByDid(DialogId.Format(entry, 77)));
    }

    [Fact]
    public async Task Callbacks_SavedAfterEachWriteAndLoadedPerRestoredDialog_Run()
    {
        var saved = 0;
        var (dialog, _) = _h.ConfirmedCall(afterCreate: (_, d) =>
            _h.Manager.RegisterCallback(d, DialogCallbackType.Saved, (Dialog _, in DialogCallbackArgs _) => saved++));
        await Flush();
        Assert.Equal(1, saved);

        using var restarted = new DialogHarness(o => o.DbMode = 1);
        await using var db = new DialogPersistence(restarted.Manager, _store, restarted.Statistics, NullLogger.Instance);
        var loaded = new List<string>();
        restarted.Manager.RegisterCallback(null, DialogCallbackType.Loaded, (Dialog d, in DialogCallbackArgs a) => loaded.Add(d.Did + ":" + a.Type));
        await db.LoadAsync(null, default);

        Assert.Equal([dialog.Did + ":Loaded"], loaded);
    }

    [Fact]
    public async Task Start_WriterThreadInRealTimeMode_WritesWithoutAnExplicitFlushAndStopsOnDispose()
    {
        var store = new MemoryDialogStore();
        using var h = new DialogHarness(o => o.DbMode = 1);
        var db = new DialogPersistence(h.Manager, store, h.Statistics, NullLogger.Instance);
        h.Manager.Persistence = db;
        db.Start();

        var (call, _) = h.ConfirmedCall();
        var until = Environment.TickCount64 + 10_000;
        while (h.Stat("db_writes") == 0 && Environment.TickCount64 < until)
        {
            await Task.Delay(10);
        }

        await db.DisposeAsync(); // without ShutdownAsync: the thread must stop before the semaphores go
        Assert.True(store.Rows.ContainsKey(call.DbId));
    }

    [Fact]
    public async Task Start_WriterThreadInDelayedMode_WritesAPeriodsBacklogInPacedBatchesOfAtMost512()
    {
        var store = new MemoryDialogStore();
        using var h = new DialogHarness(o =>
        {
            o.DbMode = 2;
            o.DbUpdatePeriodSeconds = 1;
        });
        var db = new DialogPersistence(h.Manager, store, h.Statistics, NullLogger.Instance);
        h.Manager.Persistence = db;
        const int calls = 1100;
        for (var i = 0; i < calls; i++)
        {
            h.ConfirmedCall(callId: "paced-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        db.Start();
        var until = Environment.TickCount64 + 15_000;
        while (h.Stat("db_writes") < calls && Environment.TickCount64 < until)
        {
            await Task.Delay(20);
        }

        await db.DisposeAsync();
        Assert.Equal(calls, store.Rows.Count);
        Assert.Equal([512, 512, 76], store.Batches.ConvertAll(b => b.Count));
        Assert.Equal(0, h.Stat("db_pending"));
    }

    [Fact]
    public async Task LoadAsync_DialogWithProfilesAndFlushing_QueuesNoWriteBack()
    {
        var (dialog, _) = _h.ConfirmedCall(afterCreate: (_, d) => _h.Manager.SetProfile(d, _h.Profiles.Find("caller")!, "alice"));
        await Flush();
        using var restarted = new DialogHarness(o =>
        {
            o.DbMode = 1;
            o.DbFlushValsProfiles = true;
        }, profilesWithValue: "caller");
        await using var db = new DialogPersistence(restarted.Manager, _store, restarted.Statistics, NullLogger.Instance);
        restarted.Manager.Persistence = db;

        await db.LoadAsync(null, default);

        Assert.Equal(1, restarted.Profiles.Find("caller")!.Size("alice"));
        Assert.Equal(0, restarted.Stat("db_pending"));
        Assert.NotNull(restarted.Manager.FindByDid(dialog.Did));
    }
}
