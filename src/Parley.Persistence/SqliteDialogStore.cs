using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Dialogs.Persistence;

namespace Parley.Persistence;

/// <summary>
/// The dialog table in an SQLite file the proxy owns. One connection (WAL, synchronous=NORMAL, busy_timeout 5 s) and
/// its prepared statements are reused across calls; a <see cref="SemaphoreSlim"/> keeps overlapping calls apart. After
/// a failure, or when the file has been removed, the next call reopens the connection (creating the file again).
/// </summary>
public sealed class SqliteDialogStore : IDialogStore
{
    /// <summary>Ids per DELETE at most (SQLite's default limit on host parameters is far above this).</summary>
    public const int MaxDeleteBatch = 1000;

    private readonly string _path;
    private readonly DialogTableSchema _schema;
    private readonly DialogSchemaSql _sql;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<int, SqliteCommand> _deletes = [];
    private SqliteConnection? _connection;
    private SqliteCommand? _insert;
    private SqliteCommand? _update;
    private SqliteCommand? _updateValues;
    private SqliteCommand? _updateTimeout;
    private bool _disposed;

    public SqliteDialogStore(string path, DialogTableSchema schema)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(schema);
        _path = Path.GetFullPath(path);
        _schema = schema;
        _sql = new DialogSchemaSql(DbEngine.Sqlite, schema);
    }

    public string Description => "sqlite://" + _path;

    public bool IsEmbedded => true;

    public Task<int?> GetTableVersionAsync(CancellationToken cancellationToken) => RunAsync(connection =>
    {
        using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'version'";
            if (exists.ExecuteScalar() is null)
            {
                return (int?)null;
            }
        }

        using var select = connection.CreateCommand();
        select.CommandText = _sql.SelectVersion;
        select.Parameters.AddWithValue("@p0", _schema.TableName);
        var value = select.ExecuteScalar();
        return value is null or DBNull ? null : Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }, cancellationToken);

    public Task CreateSchemaAsync(CancellationToken cancellationToken) => RunAsync(connection =>
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, _sql.CreateVersionTable(ifNotExists: true));
        Execute(connection, transaction, _sql.CreateDialogTable(ifNotExists: true));
        using (var row = connection.CreateCommand())
        {
            row.Transaction = transaction;
            row.CommandText = _sql.InsertVersionIfMissing;
            row.Parameters.AddWithValue("@p0", _schema.TableName);
            row.Parameters.AddWithValue("@p1", DialogTableSchema.Version);
            row.ExecuteNonQuery();
        }

        transaction.Commit();
        return true;
    }, cancellationToken);

    public Task<IReadOnlyList<DialogRow>> LoadAsync(CancellationToken cancellationToken) => RunAsync(connection =>
    {
        var rows = new List<DialogRow>();
        using var select = connection.CreateCommand();
        select.CommandText = _sql.Select;
        using var reader = select.ExecuteReader();
        while (reader.Read())
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

        var perStatement = Math.Min(deleteBatchSize, MaxDeleteBatch);
        return RunAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            SqliteCommand? delete = null;
            var pending = 0;
            foreach (var write in writes)
            {
                switch (write.Kind)
                {
                    case DialogWriteKind.Insert:
                        Bind(_insert ??= Prepare(connection, _sql.Insert, DialogRowMapper.ColumnCount), transaction, write, AllColumns);
                        break;
                    case DialogWriteKind.Update:
                        Bind(_update ??= Prepare(connection, _sql.Update, 14), transaction, write, DialogSchemaSql.UpdateIndexes);
                        break;
                    case DialogWriteKind.UpdateValues:
                        Bind(_updateValues ??= Prepare(connection, _sql.UpdateValues, 5), transaction, write, DialogSchemaSql.UpdateValuesIndexes);
                        break;
                    case DialogWriteKind.UpdateTimeout:
                        Bind(_updateTimeout ??= Prepare(connection, _sql.UpdateTimeout, 2), transaction, write, [DialogSchemaSql.TimeoutIndex]);
                        break;
                    case DialogWriteKind.Delete:
                        delete ??= DeleteCommand(connection, perStatement);
                        delete.Parameters[pending++].Value = unchecked((long)write.DialogId);
                        if (pending == perStatement)
                        {
                            delete.Transaction = transaction;
                            delete.ExecuteNonQuery();
                            pending = 0;
                        }

                        break;
                    default:
                        throw new ArgumentException($"unknown write kind {write.Kind}", nameof(writes));
                }
            }

            if (pending > 0)
            {
                // Fill the rest of the IN list with the last id, so one prepared statement serves every remainder.
                for (var i = pending; i < perStatement; i++)
                {
                    delete!.Parameters[i].Value = delete.Parameters[pending - 1].Value;
                }

                delete!.Transaction = transaction;
                delete.ExecuteNonQuery();
            }

            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    public Task DeleteAllAsync(CancellationToken cancellationToken) => RunAsync(connection =>
    {
        Execute(connection, null, _sql.DeleteAll);
        return true;
    }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                Reset();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static ReadOnlySpan<int> AllColumns =>
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];

    private async Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return work(Connection());
            }
            catch
            {
                // The connection may be the problem (file locked, removed, corrupt): start over on the next call.
                Reset();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteConnection Connection()
    {
        if (_connection is not null && !File.Exists(_path))
        {
            Reset(); // the file was removed under an open connection: writes would go to an unlinked inode
        }

        if (_connection is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = _path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
                DefaultTimeout = 5,
            }.ToString());
            try
            {
                connection.Open();
                Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
            }
            catch
            {
                connection.Dispose();
                throw;
            }

            _connection = connection;
        }

        return _connection;
    }

    private void Reset()
    {
        _insert?.Dispose();
        _update?.Dispose();
        _updateValues?.Dispose();
        _updateTimeout?.Dispose();
        _insert = _update = _updateValues = _updateTimeout = null;
        foreach (var command in _deletes.Values)
        {
            command.Dispose();
        }

        _deletes.Clear();
        _connection?.Dispose();
        _connection = null;
    }

    private SqliteCommand DeleteCommand(SqliteConnection connection, int count)
    {
        if (!_deletes.TryGetValue(count, out var command))
        {
            command = Prepare(connection, _sql.Delete(count), count);
            _deletes[count] = command;
        }

        return command;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string text, int parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        for (var i = 0; i < parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter("@p" + i.ToString(CultureInfo.InvariantCulture), DBNull.Value));
        }

        command.Prepare();
        return command;
    }

    /// <summary>Binds <paramref name="columns"/> of the row (then, for an UPDATE, dlg_id) and runs the statement.</summary>
    private static void Bind(SqliteCommand command, SqliteTransaction transaction, DialogWrite write, ReadOnlySpan<int> columns)
    {
        var row = write.Row ?? throw new ArgumentException($"a {write.Kind} write of dialog {write.DialogId} has no row");
        var insert = columns.Length == DialogRowMapper.ColumnCount;
        for (var i = 0; i < columns.Length; i++)
        {
            command.Parameters[i].Value = columns[i] == 0 ? unchecked((long)write.DialogId) : DialogRowMapper.Value(row, columns[i], DbEngine.Sqlite);
        }

        if (!insert)
        {
            command.Parameters[columns.Length].Value = unchecked((long)write.DialogId);
        }

        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string text)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        command.ExecuteNonQuery();
    }
}
