using System.CommandLine;
using Parley.Dialogs.Persistence;
using Parley.Persistence;
using Parley.Server.Configuration;
using Parley.Tests.Shared;

namespace Parley.Server.Tests;

/// <summary><c>parley db init</c> and the dialog module's store factory wiring.</summary>
public sealed class DbInitTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-dbinit-" + Guid.NewGuid().ToString("N")[..12]);

    public DbInitTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Config(string modparams, bool withDialog = true)
    {
        var path = Path.Combine(_directory, "parley.cfg");
        File.WriteAllText(path, $$"""
            socket = udp:127.0.0.1:5060
            loadmodule "tm.so"
            {{(withDialog ? "loadmodule \"dialog.so\"" : string.Empty)}}
            {{modparams}}
            route {
                exit;
            }
            """);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string config, bool configGiven, string? url)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await DbInit.RunAsync(config, configGiven, url, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task RunAsync_SqliteConfigWithRenamedNames_CreatesThatTable()
    {
        var database = Path.Combine(_directory, "db", "parley.db");
        var config = Config($$"""
            modparam("dialog", "db_url", "sqlite://{{database}}")
            modparam("dialog", "table_name", "calls")
            modparam("dialog", "call_id_column", "cid")
            """);

        var (exit, output, error) = await RunAsync(config, configGiven: true, url: null);

        Assert.True(exit == 0, error);
        Assert.Equal($"calls table version 12 ready in sqlite://{database}\n", output);
        var schema = new DialogTableSchema("calls", new Dictionary<string, string> { ["call_id_column"] = "cid" });
        await using var store = new DialogStoreFactory().Open("sqlite://" + database, schema);
        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
        await store.WriteAsync([new DialogWrite(DialogWriteKind.Insert, 1, new DialogRow { DialogId = 1, CallId = "c" })], 1, CancellationToken.None);
        Assert.Equal("c", Assert.Single(await store.LoadAsync(CancellationToken.None)).CallId);

        // Idempotent: a second run succeeds and keeps the row.
        Assert.Equal(0, (await RunAsync(config, configGiven: true, url: null)).Exit);
        Assert.Single(await store.LoadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_DbUrlOverride_ReplacesConfiguredUrl()
    {
        var configured = Path.Combine(_directory, "configured.db");
        var given = Path.Combine(_directory, "given.db");
        var config = Config($"modparam(\"dialog\", \"db_url\", \"sqlite://{configured}\")");

        var (exit, output, error) = await RunAsync(config, configGiven: true, "sqlite://" + given);

        Assert.True(exit == 0, error);
        Assert.Equal($"dialog table version 12 ready in sqlite://{given}\n", output);
        Assert.True(File.Exists(given));
        Assert.False(File.Exists(configured));
    }

    [Fact]
    public async Task RunAsync_DbUrlAndNoConfigFile_UsesDefaultNames()
    {
        var given = Path.Combine(_directory, "given.db");

        var (exit, output, error) = await RunAsync(Path.Combine(_directory, "absent.cfg"), configGiven: false, "sqlite://" + given);

        Assert.True(exit == 0, error);
        Assert.Equal($"dialog table version 12 ready in sqlite://{given}\n", output);
    }

    [Fact]
    public async Task RunAsync_ExplicitMissingConfig_Fails()
    {
        var (exit, _, error) = await RunAsync(Path.Combine(_directory, "absent.cfg"), configGiven: true, "sqlite://" + Path.Combine(_directory, "x.db"));

        Assert.Equal(1, exit);
        Assert.Contains("cannot read the configuration file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoDialogModuleNoDbUrl_FailsSayingWhy()
    {
        var (exit, output, error) = await RunAsync(Config(string.Empty, withDialog: false), configGiven: true, url: null);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("does not load the dialog module", error, StringComparison.Ordinal);
        Assert.Contains("--db-url", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MysqlUrl_FailsWithConnectorReason()
    {
        var (exit, _, error) = await RunAsync(Config(string.Empty), configGiven: true, url: null); // dialog's default db_url is mysql://

        Assert.Equal(1, exit);
        Assert.Contains("MySQL is recognised but not supported", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MalformedUrl_Fails()
    {
        var (exit, _, error) = await RunAsync(Config(string.Empty), configGiven: true, "postgres://u:p@host:99999/db");

        Assert.Equal(1, exit);
        Assert.Contains("port '99999'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnreachableServer_FailsFast()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (exit, _, error) = await RunAsync(Config(string.Empty), configGiven: true, "postgres://parley:secret@127.0.0.1:1/parley");

        Assert.Equal(1, exit);
        Assert.Contains("cannot prepare postgres://parley@127.0.0.1:1/parley", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task RunAsync_PostgresFixture_CreatesSchemaOnServer()
    {
        await using var server = await PostgresServer.CreateAsync();

        var (exit, output, error) = await RunAsync(Config(string.Empty), configGiven: true, server.Url);

        Assert.True(exit == 0, error);
        Assert.Equal($"dialog table version 12 ready in postgres://parley@127.0.0.1:{server.Port}/parley\n", output);
        await using var store = new DialogStoreFactory().Open(server.Url, DialogTableSchema.Default);
        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CommandLine_DbInit_ParsesOptionsAndRuns()
    {
        var database = Path.Combine(_directory, "cli.db");
        var config = Config(string.Empty);

        var exit = await ParleyCommand.Build().Parse(["db", "init", "-f", config, "--db-url", "sqlite://" + database]).InvokeAsync();

        Assert.Equal(0, exit);
        await using var store = new DialogStoreFactory().Open("sqlite://" + database, DialogTableSchema.Default);
        Assert.Equal(12, await store.GetTableVersionAsync(CancellationToken.None));
    }

    [Fact]
    public void Load_DbMode1WithSqliteUrl_AcceptedThroughTheFactory()
    {
        var (_, errors) = ConfigLoader.LoadFile(Config($"""
            modparam("dialog", "db_mode", 1)
            modparam("dialog", "db_url", "sqlite://{Path.Combine(_directory, "m.db")}")
            """));

        Assert.Empty(errors);
    }

    [Fact]
    public void Load_DbMode1WithMysqlUrl_RefusedWithConnectorReason()
    {
        var (_, errors) = ConfigLoader.LoadFile(Config("""
            modparam("dialog", "db_mode", 1)
            modparam("dialog", "db_url", "mysql://opensips:opensipsrw@localhost/opensips")
            """));

        Assert.Contains(errors, e => e.Message.Contains("MySQL is recognised but not supported", StringComparison.Ordinal));
    }
}
