using System.Diagnostics;
using Npgsql;
using Parley.Dialogs.Persistence;
using Parley.Tests.Shared;

namespace Parley.Persistence.Tests;

/// <summary>One private PostgreSQL server for the class (a fresh database per test).</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.CreateAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The store contract on a real PostgreSQL server (tests/Shared/PostgresServer.cs), plus stop/restart behaviour.</summary>
public sealed class PostgresDialogStoreTests(PostgresFixture fixture) : DialogStoreContractTests, IClassFixture<PostgresFixture>
{
    private string? _url;

    protected override async Task<IDialogStore> OpenAsync(DialogTableSchema schema)
    {
        _url = await fixture.Server.CreateDatabaseAsync("t_" + Guid.NewGuid().ToString("N")[..16]);
        return new DialogStoreFactory().Open(_url, schema);
    }

    protected override async Task<object?> ScalarAsync(string sql)
    {
        Assert.True(DbUrl.TryParse(_url, out var url, out _));
        await using var connection = new NpgsqlConnection(url!.ToNpgsqlConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task WriteAsync_ServerStopped_ThrowsFastAndWorksAfterRestart()
    {
        await using var store = await CreatedAsync(DialogTableSchema.Default);
        Assert.False(store.IsEmbedded);
        await store.WriteAsync([Insert(FullRow(1))], 1, CancellationToken.None);

        await fixture.Server.StopAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<Exception>(() => store.WriteAsync([Insert(FullRow(2))], 1, CancellationToken.None));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the write took {clock.Elapsed} to fail");
            clock.Restart();
            await Assert.ThrowsAnyAsync<Exception>(() => store.LoadAsync(CancellationToken.None));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the load took {clock.Elapsed} to fail");
        }
        finally
        {
            await fixture.Server.StartAsync();
        }

        await store.WriteAsync([Insert(FullRow(3))], 1, CancellationToken.None);
        var ids = ById(await store.LoadAsync(CancellationToken.None));
        Assert.Equal(2, ids.Count);
        Assert.True(ids.ContainsKey(1) && ids.ContainsKey(3));
    }

    [Fact]
    public async Task GetTableVersionAsync_Unreachable_ThrowsRatherThanNull()
    {
        await using var store = new DialogStoreFactory().Open("postgres://parley:secret@127.0.0.1:1/parley", DialogTableSchema.Default);

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => store.GetTableVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task OpenAsync_WrongPassword_Throws()
    {
        await using var store = new DialogStoreFactory().Open(fixture.Server.Url.Replace(":secret@", ":wrong@", StringComparison.Ordinal), DialogTableSchema.Default);

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => store.GetTableVersionAsync(CancellationToken.None));
    }
}
