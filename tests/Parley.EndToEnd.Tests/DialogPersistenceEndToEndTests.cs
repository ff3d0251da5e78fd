using System.Globalization;
using System.Text.Json;
using Parley.Dialogs.Persistence;
using Parley.EndToEnd.Tests.Infrastructure;
using Parley.Persistence;
using Parley.Tests.Shared;
using Proxy = Parley.EndToEnd.Tests.Infrastructure.MiProxy;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// Dialog persistence end to end (issue 7): the real parley with Fixtures/dialog/dialog-db.cfg between real SIPp callers
/// and callees, killed with SIGKILL (or stopped cleanly for db_mode 3) while the calls are up, started again on the same
/// database, and the calls then ended by the callers' BYEs through the restarted proxy.
/// </summary>
public sealed class DialogPersistenceEndToEndTests : IDisposable
{
    private static readonly TimeSpan CalleeExit = TimeSpan.FromSeconds(90);
    private readonly string _directory = Directory.CreateTempSubdirectory("parley-db-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string SqliteUrl => "sqlite://" + Path.Combine(_directory, "parley.db");

    /// <summary>The config with its ports and database; the same text restarts the same proxy.</summary>
    private static async Task<string> ConfigAsync(int sip, int http, int uas, string dbUrl, int dbMode, int updatePeriod = 60) =>
        (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dialog", "dialog-db.cfg")))
            .Replace("{SIP_PORT}", Port(sip), StringComparison.Ordinal)
            .Replace("{HTTP_PORT}", Port(http), StringComparison.Ordinal)
            .Replace("{UAS}", Port(uas), StringComparison.Ordinal)
            .Replace("{DB_URL}", dbUrl, StringComparison.Ordinal)
            .Replace("{DB_MODE}", Port(dbMode), StringComparison.Ordinal)
            .Replace("{UPDATE_PERIOD}", Port(updatePeriod), StringComparison.Ordinal);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<Proxy> StartAsync(string config, int sip, int http) => new(await ParleyProcess.StartAsync(config), sip, http);

    /// <summary>The rows of the dialog table, read with the same driver parley uses.</summary>
    private static async Task<IReadOnlyList<DialogRow>> RowsAsync(string url)
    {
        await using var store = new DialogStoreFactory().Open(url, DialogTableSchema.Default);
        return await store.LoadAsync(default);
    }

    /// <summary>dlg_list_ctx by ID: every field of every dialog, its values and profiles included.</summary>
    private static async Task<Dictionary<string, string>> SnapshotAsync(Proxy proxy)
    {
        var result = new Dictionary<string, string>();
        foreach (var d in (await proxy.ResultAsync("dlg_list_ctx")).GetProperty("Dialogs").EnumerateArray())
        {
            result[d.GetProperty("ID").GetString()!] = d.GetRawText();
        }

        return result;
    }

    private static async Task<bool> AllConfirmedAsync(Proxy proxy, int calls)
    {
        var dialogs = await proxy.DialogsAsync();
        return dialogs.GetArrayLength() == calls && dialogs.EnumerateArray().All(d => d.GetProperty("state").GetInt32() == 4);
    }

    private static async Task<bool> FlushedAsync(Proxy proxy) =>
        await proxy.StatisticAsync("dialog:db_pending") == 0;

    private static void AssertCallsSucceeded(int calls, int code, string output, SippServer callee, int? calleeCode, string parleyOutput)
    {
        var context = $"caller exited {code}:\n{output}\ncallee exited {calleeCode?.ToString(CultureInfo.InvariantCulture) ?? "(running)"}:\n{callee.Output}\nparley:\n{parleyOutput}";
        Assert.True(code == 0, context);
        Assert.Equal(calls, Sipp.SuccessfulCalls(output));
        Assert.True(calleeCode == 0, context);
    }

    /// <summary>
    /// The acceptance scenario: <paramref name="calls"/> calls up, the proxy crashes (or, for db_mode 3, stops), starts
    /// again, lists the same dialogs with the same profiles and values, and the callers' BYEs end them all through it.
    /// </summary>
    private async Task RestartKeepsCallsAsync(string url, int dbMode, bool crash, int calls = 200, int updatePeriod = 60)
    {
        var uasPort = FreePorts.Next();
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        var config = await ConfigAsync(sip, http, uasPort, url, dbMode, updatePeriod);
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", calls, "-recv_timeout", "60000");
        var first = await StartAsync(config, sip, http);
        Task<(int, string)> caller;
        Dictionary<string, string> before;
        await using (first)
        {
            // The calls stay up 25 s: long enough to crash and restart the proxy in the middle of every one of them.
            caller = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), sip, "u1", calls, 100, "-d", "25000");
            Assert.True(await Proxy.EventuallyAsync(() => AllConfirmedAsync(first, calls), TimeSpan.FromSeconds(15)),
                "calls never all confirmed: " + (await first.DialogsAsync()).GetArrayLength() + "\n" + first.Parley.Output);
            before = await SnapshotAsync(first);
            Assert.Equal(calls, before.Count);
            if (crash)
            {
                // db_mode 1 writes at once and db_mode 2 within db_update_period: wait for the writer, then crash.
                Assert.True(await Proxy.EventuallyAsync(() => FlushedAsync(first), TimeSpan.FromSeconds(updatePeriod + 5)),
                    "the writer never caught up: " + await first.StatisticAsync("dialog:db_pending"));
                Assert.Equal(0, await first.StatisticAsync("dialog:db_errors"));
                await first.Parley.CrashAsync();
            }
            else
            {
                Assert.Equal(0, await first.Parley.StopAsync());
            }
        }

        var rows = await RowsAsync(url);
        Assert.Equal(calls, rows.Count);
        Assert.All(rows, r => Assert.Equal(4, r.State));

        await using var second = await StartAsync(config, sip, http);
        var after = await SnapshotAsync(second);
        Assert.Equal(before, after);
        Assert.Equal(calls, await second.StatisticAsync("dialog:active_dialogs"));
        Assert.Equal(calls, (await second.ResultAsync("profile_get_size", "{\"profile\":\"caller\",\"value\":\"sipp\"}")).GetProperty("Profile").GetProperty("count").GetInt32());
        if (dbMode == 3)
        {
            Assert.Empty(await RowsAsync(url)); // db_mode 3 empties the table once loaded
        }

        // The callers hang up: their BYEs carry the DID cookie of the old process's Record-Route and reach the callees.
        var (code, output) = await caller;
        AssertCallsSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), second.Parley.Output);
        Assert.True(await Proxy.EventuallyAsync(async () => await second.StatisticAsync("dialog:active_dialogs") == 0, TimeSpan.FromSeconds(20)));
        Assert.True(await Proxy.EventuallyAsync(async () => (await second.DialogsAsync()).GetArrayLength() == 0, TimeSpan.FromSeconds(20)));
        Assert.Equal(0, (await second.ResultAsync("profile_get_size", "{\"profile\":\"caller\"}")).GetProperty("Profile").GetProperty("count").GetInt32());
        if (dbMode != 3)
        {
            Assert.True(await Proxy.EventuallyAsync(async () => (await RowsAsync(url)).Count == 0, TimeSpan.FromSeconds(updatePeriod + 5)),
                "rows left: " + (await RowsAsync(url)).Count);
        }

        Assert.Equal(0, await second.Parley.StopAsync());
        Assert.Empty(await RowsAsync(url));
    }

    [Fact]
    public Task DbMode1Sqlite_KillNineMidCall_RestartRestoresEveryDialogAndByesEndThem() =>
        RestartKeepsCallsAsync(SqliteUrl, dbMode: 1, crash: true);

    [Fact]
    public Task DbMode3Sqlite_CleanShutdownMidCall_RestartRestoresEveryDialog() =>
        RestartKeepsCallsAsync(SqliteUrl, dbMode: 3, crash: false, calls: 50);

    [Fact]
    public async Task DbMode2Sqlite_Crash_LosesAtMostOneUpdatePeriod()
    {
        const int calls = 40;
        const int period = 3;
        var uasPort = FreePorts.Next();
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        var config = await ConfigAsync(sip, http, uasPort, SqliteUrl, 2, period);
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", calls, "-recv_timeout", "60000");
        var first = await StartAsync(config, sip, http);
        Task<(int, string)> caller;
        await using (first)
        {
            caller = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), sip, "u1", calls, 100, "-d", "20000");
            Assert.True(await Proxy.EventuallyAsync(() => AllConfirmedAsync(first, calls), TimeSpan.FromSeconds(10)));
            var confirmedAt = DateTime.UtcNow;

            // Delayed: right after the calls are up, their rows are still waiting for the timer...
            var pending = await first.StatisticAsync("dialog:db_pending");
            var written = (await RowsAsync(SqliteUrl)).Count;
            Assert.True(pending > 0 || written == calls, $"pending {pending}, written {written}");

            // ...and within one db_update_period (plus the write itself) every one is in the table: the bound of a crash's loss.
            Assert.True(await Proxy.EventuallyAsync(async () => (await RowsAsync(SqliteUrl)).Count(r => r.State == 4) == calls, TimeSpan.FromSeconds(period + 2)),
                "not all written within db_update_period: " + (await RowsAsync(SqliteUrl)).Count);
            Assert.True(DateTime.UtcNow - confirmedAt <= TimeSpan.FromSeconds(period + 2));
            await first.Parley.CrashAsync();
        }

        await using var second = await StartAsync(config, sip, http);
        Assert.Equal(calls, (await second.DialogsAsync()).GetArrayLength());
        var (code, output) = await caller;
        AssertCallsSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), second.Parley.Output);
        Assert.True(await Proxy.EventuallyAsync(async () => (await RowsAsync(SqliteUrl)).Count == 0, TimeSpan.FromSeconds(period + 5)));
        Assert.Equal(0, await second.Parley.StopAsync());
    }

    [Fact]
    public async Task DbMode1Sqlite_MiRestoreAndSync_RewriteTableAndReloadIt()
    {
        const int calls = 5;
        var uasPort = FreePorts.Next();
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", calls, "-recv_timeout", "60000");
        await using var proxy = await StartAsync(await ConfigAsync(sip, http, uasPort, SqliteUrl, 1), sip, http);
        var caller = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), sip, "u1", calls, 10, "-d", "6000");
        Assert.True(await Proxy.EventuallyAsync(() => AllConfirmedAsync(proxy, calls), TimeSpan.FromSeconds(10)));
        Assert.True(await Proxy.EventuallyAsync(() => FlushedAsync(proxy), TimeSpan.FromSeconds(5)));

        // Someone empties the table behind our back; dlg_restore_db writes it again from memory.
        await using (var store = new DialogStoreFactory().Open(SqliteUrl, DialogTableSchema.Default))
        {
            await store.DeleteAllAsync(default);
        }

        Assert.Equal("OK", (await proxy.ResultAsync("dlg_restore_db")).GetString());
        Assert.Equal(calls, (await RowsAsync(SqliteUrl)).Count);
        Assert.Equal("OK", (await proxy.ResultAsync("dlg_db_sync")).GetString());
        Assert.Equal(calls, (await proxy.DialogsAsync()).GetArrayLength());

        var (code, output) = await caller;
        AssertCallsSucceeded(calls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy.Parley.Output);
        Assert.True(await Proxy.EventuallyAsync(async () => (await RowsAsync(SqliteUrl)).Count == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Start_TableOfAnotherSchemaVersion_RefusedWithTheReason()
    {
        var url = SqliteUrl;
        await using (var store = new DialogStoreFactory().Open(url, DialogTableSchema.Default))
        {
            await store.CreateSchemaAsync(default);
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path.Combine(_directory, "parley.db")))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE version SET table_version = 10 WHERE table_name = 'dialog'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var config = await ConfigAsync(FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), url, 1);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ParleyProcess.StartAsync(config));

        Assert.Contains("schema version 10", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A private PostgreSQL with the dialog schema created the operator's way: <c>parley db init</c>.</summary>
    private static async Task<PostgresServer> PostgresWithSchemaAsync()
    {
        var server = await PostgresServer.CreateAsync();
        var (code, output) = await ParleyProcess.RunAsync("db", "init", "--db-url", server.Url);
        Assert.True(code == 0, output);
        Assert.Contains("version 12 ready", output, StringComparison.Ordinal);
        return server;
    }

    [Fact]
    public async Task DbMode1Postgres_KillNineMidCall_RestartRestoresEveryDialogAndByesEndThem()
    {
        await using var postgres = await PostgresWithSchemaAsync();
        await RestartKeepsCallsAsync(postgres.Url, dbMode: 1, crash: true);
    }

    [Fact]
    public async Task DbMode1Postgres_DatabaseStoppedMidTraffic_CallsFlowWritesRetriedAndTableConverges()
    {
        const int longCalls = 20;
        const int shortCalls = 20;
        await using var postgres = await PostgresWithSchemaAsync();
        var uasPort = FreePorts.Next();
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", longCalls + shortCalls, "-recv_timeout", "60000");
        await using var proxy = await StartAsync(await ConfigAsync(sip, http, uasPort, postgres.Url, 1), sip, http);
        var longCaller = Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), sip, "u1", longCalls, 50, "-d", "25000");
        Assert.True(await Proxy.EventuallyAsync(() => AllConfirmedAsync(proxy, longCalls), TimeSpan.FromSeconds(10)));
        Assert.True(await Proxy.EventuallyAsync(() => FlushedAsync(proxy), TimeSpan.FromSeconds(5)));
        Assert.Equal(longCalls, (await RowsAsync(postgres.Url)).Count);

        // The database goes away; calls keep starting and ending through the proxy meanwhile.
        await postgres.StopAsync();
        var (shortCode, shortOutput) = await Sipp.RunAsync(Sipp.Scenario("uac-rr.xml"), sip, "u1", shortCalls, 20, "-d", "1000");
        Assert.True(shortCode == 0, shortOutput + "\nparley:\n" + proxy.Parley.Output);
        Assert.Equal(shortCalls, Sipp.SuccessfulCalls(shortOutput));
        Assert.True(await proxy.StatisticAsync("dialog:db_errors") > 0);
        Assert.True(await proxy.StatisticAsync("dialog:db_pending") > 0);

        // Back: the retries drain the queue and the table equals memory (the short calls never leave a row).
        await postgres.StartAsync();
        Assert.True(await Proxy.EventuallyAsync(() => FlushedAsync(proxy), TimeSpan.FromSeconds(20)),
            "the writer never caught up: " + await proxy.StatisticAsync("dialog:db_pending"));
        Assert.True(await Proxy.EventuallyAsync(async () => (await proxy.DialogsAsync()).GetArrayLength() == longCalls, TimeSpan.FromSeconds(15)));
        var inMemory = (await proxy.DialogsAsync()).EnumerateArray().Select(d => ulong.Parse(d.GetProperty("db_id").GetString()!, CultureInfo.InvariantCulture)).Order().ToList();
        var inTable = (await RowsAsync(postgres.Url)).Select(r => r.DialogId).Order().ToList();
        Assert.Equal(longCalls, inMemory.Count);
        Assert.Equal(inMemory, inTable);

        var (code, output) = await longCaller;
        AssertCallsSucceeded(longCalls, code, output, uas, await uas.WaitForExitAsync(CalleeExit), proxy.Parley.Output);
        Assert.True(await Proxy.EventuallyAsync(async () => (await RowsAsync(postgres.Url)).Count == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Start_PostgresWithoutSchema_RefusedWithInstructions()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var config = await ConfigAsync(FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), postgres.Url, 1);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ParleyProcess.StartAsync(config));

        Assert.Contains("parley db init", e.Message, StringComparison.Ordinal);
    }
}
