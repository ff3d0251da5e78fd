using System.Globalization;
using Npgsql;
using Parley.Dialogs.Persistence;

namespace Parley.Persistence;

/// <summary>
/// The dialog table on a PostgreSQL server, through an <see cref="NpgsqlDataSource"/> (pooled connections, statements
/// auto-prepared once per connection). A <see cref="WriteAsync"/> is one <see cref="NpgsqlBatch"/> in one transaction.
/// Connect and command timeouts are short (3 s, 10 s) so a dead server fails fast; failures throw and clear the pool,
/// so the next call after the server is back starts on fresh connections.
/// </summary>
public sealed class PostgresDialogStore : IDialogStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly DialogTableSchema _schema;
    private readonly DialogSchemaSql _sql;

    public PostgresDialogStore(DbUrl url, DialogTableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(schema);
        Description = url.Description;
        _schema = schema;
        _sql = new DialogSchemaSql(DbEngine.Postgres, schema);
        _dataSource = NpgsqlDataSource.Create(url.ToNpgsqlConnectionString());
    }

    public string Description { get; }

    public bool IsEmbedded => false;

    public Task<int?> GetTableVersionAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        await using var select = new NpgsqlCommand(_sql.SelectVersion, connection);
        select.Parameters.Add(new NpgsqlParameter { Value = _schema.TableName });
        try
        {
            var value = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? null : (int?)Convert.ToInt32(value, CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null; // no version table: the schema was never created
        }
    }, cancellationToken);

    public Task CreateSchemaAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.CreateVersionTable(ifNotExists: true)));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.CreateDialogTable(ifNotExists: true)));
        var row = new NpgsqlBatchCommand(_sql.InsertVersionIfMissing);
        row.Parameters.Add(new NpgsqlParameter { Value = _schema.TableName });
        row.Parameters.Add(new NpgsqlParameter { Value = DialogTableSchema.Version });
        batch.BatchCommands.Add(row);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    public Task<IReadOnlyList<DialogRow>> LoadAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        var rows = new List<DialogRow>();
        await using var select = new NpgsqlCommand(_sql.Select, connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(DialogRowMapper.Read(reader));
        }

        return (IReadOnlyList<DialogRow>)rows;
    }, cancellationToken);

    public Task WriteAsync(IReadOnlyList<DialogWrite> writes, int deleteBatchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentOutOfRangeException.ThrowIfLessThan(deleteBatchSize, 1);
        if (writes.Count == 0)
        {
            return Task.CompletedTask;
        }

        return RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction);
            List<long>? deletes = null;
            foreach (var write in writes)
            {
                switch (write.Kind)
                {
                    case DialogWriteKind.Insert:
                        batch.BatchCommands.Add(Command(_sql.Insert, write, AllColumns));
                        break;
                    case DialogWriteKind.Update:
                        batch.BatchCommands.Add(Command(_sql.Update, write, DialogSchemaSql.UpdateIndexes));
                        break;
                    case DialogWriteKind.UpdateValues:
                        batch.BatchCommands.Add(Command(_sql.UpdateValues, write, DialogSchemaSql.UpdateValuesIndexes));
                        break;
                    case DialogWriteKind.UpdateTimeout:
                        batch.BatchCommands.Add(Command(_sql.UpdateTimeout, write, [DialogSchemaSql.TimeoutIndex]));
                        break;
                    case DialogWriteKind.Delete:
                        (deletes ??= []).Add(unchecked((long)write.DialogId));
                        break;
                    default:
                        throw new ArgumentException($"unknown write kind {write.Kind}", nameof(writes));
                }
            }

            if (deletes is not null)
            {
                for (var start = 0; start < deletes.Count; start += deleteBatchSize)
                {
                    var ids = deletes.GetRange(start, Math.Min(deleteBatchSize, deletes.Count - start)).ToArray();
                    var delete = new NpgsqlBatchCommand(_sql.Delete(ids.Length));
                    delete.Parameters.Add(new NpgsqlParameter { Value = ids });
                    batch.BatchCommands.Add(delete);
                }
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task DeleteAllAsync(CancellationToken cancellationToken) => RunAsync(async connection =>
    {
        await using var delete = new NpgsqlCommand(_sql.DeleteAll, connection);
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static ReadOnlySpan<int> AllColumns =>
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];

    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException { IsTransient: true } or IOException or TimeoutException
                                      or NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException })
        {
            // The server went away (or is unreachable): pooled connections to it are dead, start fresh next time.
            _dataSource.Clear();
            throw;
        }
    }

    /// <summary>A statement with <paramref name="columns"/> of the row as positional parameters, then dlg_id for an UPDATE.</summary>
    private static NpgsqlBatchCommand Command(string text, DialogWrite write, ReadOnlySpan<int> columns)
    {
        var row = write.Row ?? throw new ArgumentException($"a {write.Kind} write of dialog {write.DialogId} has no row");
        var command = new NpgsqlBatchCommand(text);
        for (var i = 0; i < columns.Length; i++)
        {
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = columns[i] == 0 ? unchecked((long)write.DialogId) : DialogRowMapper.Value(row, columns[i], DbEngine.Postgres),
            });
        }

        if (columns.Length != DialogRowMapper.ColumnCount)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = unchecked((long)write.DialogId) });
        }

        return command;
    }
}
