using Microsoft.Data.Sqlite;
using Parley.Dialogs.Persistence;

namespace Parley.Persistence.Tests;

/// <summary>The store contract on a temporary SQLite file, plus what only the embedded engine does.</summary>
public sealed class SqliteDialogStoreTests : DialogStoreContractTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    private string DatabasePath => Path.Combine(_directory, "sub", "parley.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override Task<IDialogStore> OpenAsync(DialogTableSchema schema) =>
        Task.FromResult(new DialogStoreFactory().Open("sqlite://" + DatabasePath, schema));

    protected override Task<object?> ScalarAsync(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Task.FromResult(command.ExecuteScalar());
    }

    [Fact]
    public async Task CreateSchemaAsync_MissingDirectory_CreatesItAndWalFile()
    {
        Assert.False(Directory.Exists(_directory));
        await using var store = await OpenAsync(DialogTableSchema.Default);

        await store.CreateSchemaAsync(CancellationToken.None);

        Assert.True(File.Exists(DatabasePath));
        Assert.True(store.IsEmbedded);
        Assert.Equal("sqlite://" + DatabasePath, store.Description);
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task WriteAsync_FileRemovedBetweenCalls_ReopensAndWritesNewFile()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(1))], 1, CancellationToken.None);
        Directory.Delete(_directory, recursive: true);

        await store.CreateSchemaAsync(CancellationToken.None);
        await store.WriteAsync([Insert(FullRow(2))], 1, CancellationToken.None);

        Assert.True(File.Exists(DatabasePath));
        var row = Assert.Single(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(2UL, row.DialogId);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM dialog"));
    }

    [Fact]
    public async Task WriteAsync_TableDroppedUnderneath_ThrowsThenRecoversOnNextCall()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        await store.WriteAsync([Insert(FullRow(1))], 1, CancellationToken.None);
        await ScalarAsync("DROP TABLE dialog");

        await Assert.ThrowsAsync<SqliteException>(() => store.WriteAsync([Insert(FullRow(2))], 1, CancellationToken.None));
        await store.CreateSchemaAsync(CancellationToken.None);
        await store.WriteAsync([Insert(FullRow(3))], 1, CancellationToken.None);

        Assert.Equal(3UL, Assert.Single(await store.LoadAsync(CancellationToken.None)).DialogId);
    }

    [Fact]
    public async Task WriteAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var store = await CreatedAsync(DialogTableSchema.Default);
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteAsync([Insert(FullRow(1))], 1, CancellationToken.None));
    }
}
