using Parley.Dialogs.Persistence;

namespace Parley.Persistence.Tests;

/// <summary>The <see cref="IDialogStore"/> contract, run against each engine by a derived class.</summary>
public abstract class DialogStoreContractTests
{
    /// <summary>A store on a fresh, empty database (the schema not created).</summary>
    protected abstract Task<IDialogStore> OpenAsync(DialogTableSchema schema);

    /// <summary>Runs <paramref name="sql"/> on the database of the last <see cref="OpenAsync"/> outside the store; returns the first column of the first row.</summary>
    protected abstract Task<object?> ScalarAsync(string sql);

    protected static DialogRow FullRow(ulong id) => new()
    {
        DialogId = id,
        CallId = "call-" + id + "@example.com",
        FromUri = "sip:alice@example.com",
        FromTag = "ftag-" + id,
        ToUri = "sip:bob@example.com",
        ToTag = "ttag-" + id,
        MangledFromUri = "sip:anon@anonymous.invalid",
        MangledToUri = "sip:bob@mangled.example.com",
        CallerCSeq = "4294967295",
        CalleeCSeq = "101",
        CallerPingCSeq = 4_294_967_295u,
        CalleePingCSeq = 2_147_483_648u,
        CallerRouteSet = "<sip:p1.example.com;lr>,<sip:p2.example.com;lr>",
        CalleeRouteSet = "<sip:p3.example.com;lr>",
        CallerContact = "<sip:alice@10.0.0.1:5060>",
        CalleeContact = "<sip:bob@10.0.0.2:5070>",
        CallerSocket = "udp:127.0.0.1:5060",
        CalleeSocket = "tcp:127.0.0.1:5060",
        State = 4,
        StartTime = 1_790_000_000,
        Timeout = 1_790_003_600,
        Vars = [0x61, 0x23, 0x31, 0x23, 0x00, 0xFF, 0x7C, 0x80, 0xC3],
        Profiles = "caller/s#1#alice|calls#1#",
        ScriptFlags = "flag_a flag_b",
        ModuleFlags = 0xF000_0001u,
        Flags = 0x8000_0084u,
        RouteOnAnswer = "on_answer",
        RouteOnTimeout = "on_timeout",
        RouteOnHangup = "on_hangup",
    };

    protected static DialogRow MinimalRow(ulong id) => new()
    {
        DialogId = id,
        CallId = "min-" + id,
        FromUri = "sip:a@b",
        FromTag = "f",
        ToUri = "sip:c@d",
        ToTag = "t",
        CallerCSeq = "0",
        CalleeCSeq = "1",
        CallerSocket = string.Empty,
        CalleeSocket = string.Empty,
        State = 3,
    };

    /// <summary>A row whose every column differs from <see cref="FullRow"/>.</summary>
    protected static DialogRow OtherRow(ulong id) => new()
    {
        DialogId = id,
        CallId = "other-call",
        FromUri = "sip:other-from@x",
        FromTag = "other-ftag",
        ToUri = "sip:other-to@x",
        ToTag = "other-ttag",
        MangledFromUri = "sip:other-mangled-from@x",
        MangledToUri = "sip:other-mangled-to@x",
        CallerCSeq = "7",
        CalleeCSeq = "8",
        CallerPingCSeq = 9,
        CalleePingCSeq = 10,
        CallerRouteSet = "<sip:other-route-1;lr>",
        CalleeRouteSet = "<sip:other-route-2;lr>",
        CallerContact = "<sip:other-caller-contact>",
        CalleeContact = "<sip:other-callee-contact>",
        CallerSocket = "udp:10.9.9.9:5060",
        CalleeSocket = "udp:10.9.9.9:5061",
        State = 5,
        StartTime = 1_700_000_000,
        Timeout = 1_700_000_060,
        Vars = [1, 2, 3],
        Profiles = "other#1#",
        ScriptFlags = "other_flag",
        ModuleFlags = 3,
        Flags = 4,
        RouteOnAnswer = "other_answer",
        RouteOnTimeout = "other_timeout",
        RouteOnHangup = "other_hangup",
    };

    [Fact]
    public async Task GetTableVersionAsync_NoSchema_ReturnsNull()
    {
        await using var store = await OpenAsync(DialogTableSchema.Default);
        Assert.Null(await store.GetTableVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CreateSchemaAsync_Twice_Version12AndRowsKept()
    {
        await using var store = await OpenAsync(DialogTableSchema.Default);
        await store.CreateSchemaAsync(CancellationToken.None);
        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
        await store.WriteAsync([Insert(FullRow(1))], 1, CancellationToken.None);

        await store.CreateSchemaAsync(CancellationToken.None);

        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
        Assert.Single(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(1L, Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM version WHERE table_name = 'dialog'"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CreateSchemaAsync_OtherVersionRowPresent_LeftAlone()
    {
        await using var store = await OpenAsync(DialogTableSchema.Default);
        await store.CreateSchemaAsync(CancellationToken.None);
        await ScalarAsync("UPDATE version SET table_version = 10 WHERE table_name = 'dialog'");

        await store.CreateSchemaAsync(CancellationToken.None);

        Assert.Equal(10, await store.GetTableVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_Insert_LoadRoundTripsEveryColumn()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        var full = FullRow((0xFF_FFFFUL << 32) | 0xFFFF_FFFFUL);
        var minimal = MinimalRow(2);

        await store.WriteAsync([Insert(full), Insert(minimal)], 1, CancellationToken.None);

        var rows = ById(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(2, rows.Count);
        AssertRow(full, rows[full.DialogId]);
        AssertRow(minimal, rows[2]);
    }

    [Fact]
    public async Task WriteAsync_InsertTwice_ReplacesRow()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(5))], 1, CancellationToken.None);

        await store.WriteAsync([Insert(OtherRow(5))], 1, CancellationToken.None);

        AssertRow(OtherRow(5), Assert.Single(await store.LoadAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task WriteAsync_Update_WritesExactlyThe13Columns()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(7))], 1, CancellationToken.None);

        await store.WriteAsync([new DialogWrite(DialogWriteKind.Update, 7, OtherRow(7))], 1, CancellationToken.None);

        var expected = FullRow(7);
        var other = OtherRow(7);
        expected.State = other.State;
        expected.Timeout = other.Timeout;
        expected.CallerCSeq = other.CallerCSeq;
        expected.CalleeCSeq = other.CalleeCSeq;
        expected.CallerPingCSeq = other.CallerPingCSeq;
        expected.CalleePingCSeq = other.CalleePingCSeq;
        expected.Flags = other.Flags;
        expected.Vars = other.Vars;
        expected.Profiles = other.Profiles;
        expected.ScriptFlags = other.ScriptFlags;
        expected.ModuleFlags = other.ModuleFlags;
        expected.CallerContact = other.CallerContact;
        expected.CalleeContact = other.CalleeContact;
        AssertRow(expected, Assert.Single(await store.LoadAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task WriteAsync_UpdateValues_WritesTheFourValueColumns()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(8))], 1, CancellationToken.None);
        var other = OtherRow(8);
        other.Vars = null;

        await store.WriteAsync([new DialogWrite(DialogWriteKind.UpdateValues, 8, other)], 1, CancellationToken.None);

        var expected = FullRow(8);
        expected.Vars = null;
        expected.Profiles = other.Profiles;
        expected.ScriptFlags = other.ScriptFlags;
        expected.ModuleFlags = other.ModuleFlags;
        AssertRow(expected, Assert.Single(await store.LoadAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task WriteAsync_UpdateTimeout_WritesTimeoutOnly()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(9))], 1, CancellationToken.None);

        await store.WriteAsync([new DialogWrite(DialogWriteKind.UpdateTimeout, 9, OtherRow(9))], 1, CancellationToken.None);

        var expected = FullRow(9);
        expected.Timeout = OtherRow(9).Timeout;
        AssertRow(expected, Assert.Single(await store.LoadAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task WriteAsync_UpdateAndDeleteOfMissingRows_AreNoError()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);

        await store.WriteAsync(
        [
            new DialogWrite(DialogWriteKind.Update, 100, OtherRow(100)),
            new DialogWrite(DialogWriteKind.UpdateValues, 101, OtherRow(101)),
            new DialogWrite(DialogWriteKind.UpdateTimeout, 102, OtherRow(102)),
            new DialogWrite(DialogWriteKind.Delete, 103, null),
        ], 1, CancellationToken.None);

        Assert.Empty(await store.LoadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task WriteAsync_DeleteSevenIds_DeletesExactlyThose(int deleteBatchSize)
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        var inserts = new List<DialogWrite>();
        for (ulong id = 1; id <= 10; id++)
        {
            inserts.Add(Insert(MinimalRow(id)));
        }

        await store.WriteAsync(inserts, deleteBatchSize, CancellationToken.None);
        var deletes = new List<DialogWrite>();
        foreach (var id in (ulong[])[1, 2, 4, 5, 7, 9, 10])
        {
            deletes.Add(new DialogWrite(DialogWriteKind.Delete, id, null));
        }

        // An insert in the same batch as the deletes (grouping by kind must keep it).
        deletes.Add(Insert(MinimalRow(11)));

        await store.WriteAsync(deletes, deleteBatchSize, CancellationToken.None);

        var left = new List<ulong>();
        foreach (var row in await store.LoadAsync(CancellationToken.None))
        {
            left.Add(row.DialogId);
        }

        left.Sort();
        Assert.Equal([3UL, 6UL, 8UL, 11UL], left);
    }

    [Fact]
    public async Task WriteAsync_ShortDeleteAfterFullOne_DeletesOnlyItsIds()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(MinimalRow(1)), Insert(MinimalRow(5)), Insert(MinimalRow(6)), Insert(MinimalRow(7))], 3, CancellationToken.None);
        await store.WriteAsync(
            [new DialogWrite(DialogWriteKind.Delete, 5, null), new DialogWrite(DialogWriteKind.Delete, 6, null), new DialogWrite(DialogWriteKind.Delete, 7, null)],
            3, CancellationToken.None);
        await store.WriteAsync([Insert(MinimalRow(6)), Insert(MinimalRow(7))], 3, CancellationToken.None);

        // One id in a statement sized for three: the rest of the statement must not reuse 6 and 7 from before.
        await store.WriteAsync([new DialogWrite(DialogWriteKind.Delete, 1, null)], 3, CancellationToken.None);

        var left = new List<ulong>();
        foreach (var row in await store.LoadAsync(CancellationToken.None))
        {
            left.Add(row.DialogId);
        }

        left.Sort();
        Assert.Equal([6UL, 7UL], left);
    }

    [Fact]
    public async Task WriteAsync_LastStatementFails_NothingOfTheBatchRemains()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(1)), Insert(MinimalRow(2))], 1, CancellationToken.None);
        var broken = MinimalRow(99);
        broken.CallId = null!; // NOT NULL column: the database refuses the row

        await Assert.ThrowsAnyAsync<Exception>(() => store.WriteAsync(
        [
            Insert(FullRow(3)),
            new DialogWrite(DialogWriteKind.Update, 1, OtherRow(1)),
            new DialogWrite(DialogWriteKind.Delete, 2, null),
            Insert(broken),
        ], 1, CancellationToken.None));

        var rows = ById(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(2, rows.Count);
        AssertRow(FullRow(1), rows[1]);
        AssertRow(MinimalRow(2), rows[2]);

        // The store is usable again after the failure.
        await store.WriteAsync([Insert(FullRow(3))], 1, CancellationToken.None);
        Assert.Equal(3, (await store.LoadAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task DeleteAllAsync_Rows_TableEmptyAndUsable()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(1)), Insert(FullRow(2)), Insert(MinimalRow(3))], 1, CancellationToken.None);

        await store.DeleteAllAsync(CancellationToken.None);

        Assert.Empty(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
        await store.WriteAsync([Insert(FullRow(4))], 1, CancellationToken.None);
        Assert.Single(await store.LoadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RenamedTableAndColumns_EveryOperation_UsesConfiguredNames()
    {
        var schema = DialogSchemaSqlTests.RenamedSchema();
        await using var store = await OpenAsync(schema);
        Assert.Null(await store.GetTableVersionAsync(CancellationToken.None));
        await store.CreateSchemaAsync(CancellationToken.None);
        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
        Assert.Equal(12L, Convert.ToInt64(await ScalarAsync("SELECT table_version FROM version WHERE table_name = 'calls'"), System.Globalization.CultureInfo.InvariantCulture));

        await store.WriteAsync([Insert(FullRow(1)), Insert(FullRow(2)), Insert(FullRow(3))], 2, CancellationToken.None);
        await store.WriteAsync(
        [
            new DialogWrite(DialogWriteKind.Update, 1, OtherRow(1)),
            new DialogWrite(DialogWriteKind.UpdateTimeout, 2, OtherRow(2)),
            new DialogWrite(DialogWriteKind.Delete, 3, null),
        ], 2, CancellationToken.None);

        var rows = ById(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(2, rows.Count);
        Assert.Equal(OtherRow(1).State, rows[1].State);
        Assert.Equal(OtherRow(2).Timeout, rows[2].Timeout);
        Assert.Equal("call-1@example.com", await ScalarAsync("SELECT \"x_callid\" FROM \"calls\" WHERE \"x_dlg_id\" = 1"));
        Assert.Equal(5L, Convert.ToInt64(await ScalarAsync("SELECT \"x_state\" FROM \"calls\" WHERE \"x_dlg_id\" = 1"), System.Globalization.CultureInfo.InvariantCulture));
        await store.DeleteAllAsync(CancellationToken.None);
        Assert.Equal(0L, Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM \"calls\""), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task WriteAsync_OverlappingCalls_AllApplied()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        var tasks = new List<Task>();
        for (ulong batch = 0; batch < 4; batch++)
        {
            var writes = new List<DialogWrite>();
            for (ulong i = 0; i < 25; i++)
            {
                writes.Add(Insert(FullRow((batch * 100) + i)));
            }

            tasks.Add(Task.Run(() => store.WriteAsync(writes, 1, CancellationToken.None)));
        }

        await Task.WhenAll(tasks);

        Assert.Equal(100, (await store.LoadAsync(CancellationToken.None)).Count);
    }

    protected async Task<IDialogStore> CreatedAsync(DialogTableSchema schema)
    {
        var store = await OpenAsync(schema);
        await store.CreateSchemaAsync(CancellationToken.None);
        return store;
    }

    protected static DialogWrite Insert(DialogRow row) => new(DialogWriteKind.Insert, row.DialogId, row);

    protected static Dictionary<ulong, DialogRow> ById(IReadOnlyList<DialogRow> rows)
    {
        var map = new Dictionary<ulong, DialogRow>();
        foreach (var row in rows)
        {
            map.Add(row.DialogId, row);
        }

        return map;
    }

    protected static void AssertRow(DialogRow expected, DialogRow actual)
    {
        foreach (var property in typeof(DialogRow).GetProperties())
        {
            var e = property.GetValue(expected);
            var a = property.GetValue(actual);
            if (e is byte[] eb)
            {
                Assert.True(a is byte[] ab && eb.AsSpan().SequenceEqual(ab), $"{property.Name}: bytes differ");
            }
            else
            {
                Assert.True(Equals(e, a), $"{property.Name}: expected <{e}>, got <{a}>");
            }
        }
    }
}
