using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Parley.Dialogs.Persistence;
using SQLitePCL;

namespace Parley.Persistence;

/// <summary>
/// The dialog table in an SQLite file the proxy owns. One connection (WAL, synchronous=NORMAL, busy_timeout 5 s, 64 MB page cache, checkpoints every 10 000 WAL pages) and
/// its prepared statements are reused across calls; a <see cref="SemaphoreSlim"/> keeps overlapping calls apart. After
/// a failure, or when the file has been removed, the next call reopens the connection (creating the file again).
/// The writes (thousands per second under load) go through SQLitePCL's raw statements, bound by position: the ADO.NET
/// layer looks every parameter up by name on every execution, which cost more than the statement itself.
/// </summary>
public sealed class SqliteDialogStore : IDialogStore
{
    /// <summary>Ids per DELETE at most (SQLite's default limit on host parameters is far above this).</summary>
    public const int MaxDeleteBatch = 1000;

    private readonly string _path;
    private readonly DialogTableSchema _schema;
    private readonly DialogSchemaSql _sql;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<int, RawStatement> _deletes = [];
    private SqliteConnection? _connection;
    private RawStatement? _insert;
    private RawStatement? _update;
    private RawStatement? _updateValues;
    private RawStatement? _updateTimeout;
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
            RawStatement? delete = null;
            var pending = 0;
            var lastDeleted = 0L;
            foreach (var write in writes)
            {
                switch (write.Kind)
                {
                    case DialogWriteKind.Insert:
                        Bind(_insert ??= Prepare(connection, _sql.Insert), write, AllColumns);
                        break;
                    case DialogWriteKind.Update:
                        Bind(_update ??= Prepare(connection, _sql.Update), write, DialogSchemaSql.UpdateIndexes);
                        break;
                    case DialogWriteKind.UpdateValues:
                        Bind(_updateValues ??= Prepare(connection, _sql.UpdateValues), write, DialogSchemaSql.UpdateValuesIndexes);
                        break;
                    case DialogWriteKind.UpdateTimeout:
                        Bind(_updateTimeout ??= Prepare(connection, _sql.UpdateTimeout), write, [DialogSchemaSql.TimeoutIndex]);
                        break;
                    case DialogWriteKind.Delete:
                        delete ??= DeleteCommand(connection, perStatement);
                        delete.Bind(++pending, unchecked((long)write.DialogId));
                        lastDeleted = unchecked((long)write.DialogId);
                        if (pending == perStatement)
                        {
                            delete.Run();
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
                for (var i = pending + 1; i <= perStatement; i++)
                {
                    delete!.Bind(i, lastDeleted);
                }

                delete!.Run();
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
                // A 64 MB page cache holds the table of thousands of ~1.3 KB rows; checkpoints every 10 000 WAL pages rather
                // than 1 000 copy a page rewritten by many small real-time transactions back once instead of ten times
                // (bench dialog-db-cost with 60-row batches: about 12 % less CPU per call).
                Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000;");
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

    private RawStatement DeleteCommand(SqliteConnection connection, int count)
    {
        if (!_deletes.TryGetValue(count, out var command))
        {
            command = Prepare(connection, _sql.Delete(count));
            _deletes[count] = command;
        }

        return command;
    }

    private static RawStatement Prepare(SqliteConnection connection, string text) => new(connection.Handle!, text);

    /// <summary>Binds <paramref name="columns"/> of the row (then, for an UPDATE, dlg_id) and runs the statement.</summary>
    private static void Bind(RawStatement statement, DialogWrite write, ReadOnlySpan<int> columns)
    {
        var row = write.Row ?? throw new ArgumentException($"a {write.Kind} write of dialog {write.DialogId} has no row");
        var insert = columns.Length == DialogRowMapper.ColumnCount;
        for (var i = 0; i < columns.Length; i++)
        {
            if (columns[i] == 0)
            {
                statement.Bind(i + 1, unchecked((long)write.DialogId));
            }
            else
            {
                BindColumn(statement, i + 1, row, columns[i]);
            }
        }

        if (!insert)
        {
            statement.Bind(columns.Length + 1, unchecked((long)write.DialogId));
        }

        statement.Run();
    }

    /// <summary>
    /// One column of the row, typed as <see cref="DialogRowMapper.Value"/> gives it for SQLite, without boxing: the writer
    /// binds ~30 values per INSERT and this runs for every one.
    /// </summary>
    private static void BindColumn(RawStatement s, int index, DialogRow row, int column)
    {
        switch (column)
        {
            case 1: s.BindText(index, row.CallId); break; // a null reaches the NOT NULL constraint, which names the column
            case 2: s.BindText(index, row.FromUri); break;
            case 3: s.BindText(index, row.FromTag); break;
            case 4: s.BindText(index, row.ToUri); break;
            case 5: s.BindText(index, row.ToTag); break;
            case 6: s.BindText(index, row.MangledFromUri); break;
            case 7: s.BindText(index, row.MangledToUri); break;
            case 8: s.BindText(index, row.CallerCSeq); break;
            case 9: s.BindText(index, row.CalleeCSeq); break;
            case 10: s.Bind(index, (long)row.CallerPingCSeq); break;
            case 11: s.Bind(index, (long)row.CalleePingCSeq); break;
            case 12: s.BindText(index, row.CallerRouteSet); break;
            case 13: s.BindText(index, row.CalleeRouteSet); break;
            case 14: s.BindText(index, row.CallerContact); break;
            case 15: s.BindText(index, row.CalleeContact); break;
            case 16: s.BindText(index, row.CallerSocket); break;
            case 17: s.BindText(index, row.CalleeSocket); break;
            case 18: s.Bind(index, (long)row.State); break;
            case 19: s.Bind(index, row.StartTime); break;
            case 20: s.Bind(index, row.Timeout); break;
            case 21: s.BindBlob(index, row.Vars); break;
            case 22: s.BindText(index, row.Profiles); break;
            case 23: s.BindText(index, row.ScriptFlags); break;
            case 24: s.Bind(index, (long)row.ModuleFlags); break;
            case 25: s.Bind(index, (long)row.Flags); break;
            case 26: s.BindText(index, row.RouteOnAnswer); break;
            case 27: s.BindText(index, row.RouteOnTimeout); break;
            case 28: s.BindText(index, row.RouteOnHangup); break;
            default: s.Bind(index, DialogRowMapper.Value(row, column, DbEngine.Sqlite)); break;
        }
    }

    /// <summary>
    /// A statement prepared once on the connection's handle and bound by position (1-based, the order of the
    /// <c>@p0 …</c> placeholders). It runs inside whatever transaction the connection has open.
    /// </summary>
    private sealed class RawStatement : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;
        private byte[] _utf8 = new byte[1024];

        public RawStatement(sqlite3 db, string sql)
        {
            _db = db;
            var rc = raw.sqlite3_prepare_v2(db, sql, out _statement);
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }
        }

        public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

        /// <summary>Text as UTF-8 through a reused buffer (SQLite copies it: SQLITE_TRANSIENT); null binds NULL.</summary>
        public void BindText(int index, string? value)
        {
            if (value is null)
            {
                Check(raw.sqlite3_bind_null(_statement, index));
                return;
            }

            var max = Encoding.UTF8.GetMaxByteCount(value.Length);
            if (_utf8.Length < max)
            {
                _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
            }

            var length = Encoding.UTF8.GetBytes(value, _utf8);
            Check(raw.sqlite3_bind_text(_statement, index, new ReadOnlySpan<byte>(_utf8, 0, length)));
        }

        public void BindBlob(int index, byte[]? value) =>
            Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_blob(_statement, index, value));

        public void Bind(int index, object value)
        {
            var rc = value switch
            {
                long l => raw.sqlite3_bind_int64(_statement, index, l),
                int n => raw.sqlite3_bind_int64(_statement, index, n),
                string text => raw.sqlite3_bind_text(_statement, index, text),
                byte[] bytes => raw.sqlite3_bind_blob(_statement, index, bytes),
                DBNull => raw.sqlite3_bind_null(_statement, index),
                _ => throw new ArgumentException($"cannot bind a {value.GetType().Name}", nameof(value)),
            };
            Check(rc);
        }

        /// <summary>Steps the statement to its end and resets it for the next use; a failure throws SQLite's message.</summary>
        public void Run()
        {
            var rc = raw.sqlite3_step(_statement);
            raw.sqlite3_reset(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }

        public void Dispose() => _statement.Dispose();

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string text)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        command.ExecuteNonQuery();
    }
}
