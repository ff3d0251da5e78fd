using System.Globalization;
using System.Text;
using Parley.Dialogs.Persistence;

namespace Parley.Persistence;

/// <summary>
/// The SQL of OpenSIPS's <c>dialog</c> table, version 12 (opensips-behaviour.md §6.1), for one engine and one
/// <see cref="DialogTableSchema"/>: the DDL (what <c>scripts/&lt;engine&gt;/*.sql</c> hold for the default names) and the
/// statements the stores run. Configured names are restricted to [A-Za-z0-9_] by the module, and quoted here anyway.
/// </summary>
public sealed class DialogSchemaSql
{
    private readonly DbEngine _engine;
    private readonly DialogTableSchema _schema;

    public DialogSchemaSql(DbEngine engine, DialogTableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _engine = engine;
        _schema = schema;
        Table = Quote(schema.TableName);
        var columns = Columns(schema);
        var names = new string[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            names[i] = Quote(columns[i]);
        }

        ColumnList = string.Join(", ", names);
        Select = $"SELECT {ColumnList} FROM {Table}";
        DeleteAll = $"DELETE FROM {Table}";
        var values = new StringBuilder();
        for (var i = 0; i < names.Length; i++)
        {
            values.Append(i == 0 ? string.Empty : ", ").Append(Parameter(i));
        }

        var insertHead = $"INSERT INTO {Table} ({ColumnList}) VALUES ({values})";
        if (engine == DbEngine.Sqlite)
        {
            Insert = "INSERT OR REPLACE" + insertHead["INSERT".Length..];
        }
        else
        {
            var set = new StringBuilder();
            for (var i = 1; i < names.Length; i++)
            {
                set.Append(i == 1 ? string.Empty : ", ").Append(names[i]).Append(" = EXCLUDED.").Append(names[i]);
            }

            Insert = $"{insertHead} ON CONFLICT ({names[0]}) DO UPDATE SET {set}";
        }

        Update = UpdateOf(columns, UpdateIndexes);
        UpdateValues = UpdateOf(columns, UpdateValuesIndexes);
        UpdateTimeout = UpdateOf(columns, [TimeoutIndex]);
    }

    /// <summary>The quoted table name.</summary>
    public string Table { get; }

    /// <summary>The 29 quoted columns in table order, comma-separated.</summary>
    public string ColumnList { get; }

    /// <summary>SELECT of the 29 columns in table order.</summary>
    public string Select { get; }

    /// <summary>Insert-or-replace of the 29 columns, parameters in table order.</summary>
    public string Insert { get; }

    /// <summary>The 13-column UPDATE: parameters in <see cref="UpdateIndexes"/> order, then dlg_id.</summary>
    public string Update { get; }

    /// <summary>The 4-column UPDATE: parameters in <see cref="UpdateValuesIndexes"/> order, then dlg_id.</summary>
    public string UpdateValues { get; }

    /// <summary>UPDATE of timeout: parameter 0 the timeout, parameter 1 dlg_id.</summary>
    public string UpdateTimeout { get; }

    public string DeleteAll { get; }

    /// <summary>The 29 columns of version 12 in table order.</summary>
    public static string[] Columns(DialogTableSchema s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return
        [
            s.DialogId, s.CallId, s.FromUri, s.FromTag, s.ToUri, s.ToTag, s.MangledFromUri, s.MangledToUri,
            s.CallerCSeq, s.CalleeCSeq, s.CallerPingCSeq, s.CalleePingCSeq, s.CallerRouteSet, s.CalleeRouteSet,
            s.CallerContact, s.CalleeContact, s.CallerSocket, s.CalleeSocket, s.State, s.StartTime, s.Timeout, s.Vars,
            s.Profiles, s.ScriptFlags, s.ModuleFlags, s.Flags, s.RouteOnAnswer, s.RouteOnTimeout, s.RouteOnHangup,
        ];
    }

    /// <summary>The 13 columns of <see cref="DialogWriteKind.Update"/> (opensips-behaviour.md §6.2), as indexes into <see cref="Columns"/>.</summary>
    public static ReadOnlySpan<int> UpdateIndexes => [18, 20, 8, 9, 10, 11, 25, 21, 22, 23, 24, 14, 15];

    /// <summary>The 4 columns of <see cref="DialogWriteKind.UpdateValues"/>: vars, profiles, script_flags, module_flags.</summary>
    public static ReadOnlySpan<int> UpdateValuesIndexes => [21, 22, 23, 24];

    /// <summary>The index of timeout in <see cref="Columns"/>.</summary>
    public const int TimeoutIndex = 20;

    /// <summary>The parameter placeholder of position <paramref name="index"/>: <c>$1</c>… (Npgsql batches) or <c>@p0</c>… (SQLite).</summary>
    public string Parameter(int index) => _engine == DbEngine.Postgres
        ? "$" + (index + 1).ToString(CultureInfo.InvariantCulture)
        : "@p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>DELETE of <paramref name="count"/> ids: SQLite <c>IN (@p0, …)</c>, PostgreSQL <c>= ANY($1)</c> with one array parameter.</summary>
    public string Delete(int count)
    {
        var id = Quote(_schema.DialogId);
        if (_engine == DbEngine.Postgres)
        {
            return $"DELETE FROM {Table} WHERE {id} = ANY($1)";
        }

        var list = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            list.Append(i == 0 ? string.Empty : ", ").Append(Parameter(i));
        }

        return $"DELETE FROM {Table} WHERE {id} IN ({list})";
    }

    /// <summary>The version of the dialog table: parameter 0 the table name.</summary>
    public string SelectVersion => $"SELECT table_version FROM version WHERE table_name = {Parameter(0)}";

    /// <summary>The version row when missing: parameter 0 the table name, parameter 1 the version.</summary>
    public string InsertVersionIfMissing => _engine == DbEngine.Postgres
        ? "INSERT INTO version (table_name, table_version) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM version WHERE table_name = $1)"
        : "INSERT INTO version (table_name, table_version) SELECT @p0, @p1 WHERE NOT EXISTS (SELECT 1 FROM version WHERE table_name = @p0)";

    /// <summary><c>standard-create.sql</c>: the <c>version</c> table.</summary>
    public string CreateVersionTable(bool ifNotExists)
    {
        var text = _engine == DbEngine.Postgres ? "VARCHAR(32)" : "CHAR(32)";
        return $"CREATE TABLE {(ifNotExists ? "IF NOT EXISTS " : string.Empty)}version (\n"
            + $"    table_name {text} NOT NULL,\n"
            + "    table_version INTEGER DEFAULT 0 NOT NULL,\n"
            + "    CONSTRAINT version_t_name_idx UNIQUE (table_name)\n"
            + ");\n";
    }

    /// <summary>The CREATE TABLE of the dialog table (version 12) with the configured names.</summary>
    public string CreateDialogTable(bool ifNotExists)
    {
        var s = _schema;
        var pg = _engine == DbEngine.Postgres;
        string Char(int n) => (pg ? "VARCHAR(" : "CHAR(") + n.ToString(CultureInfo.InvariantCulture) + ")";
        var text512 = pg ? "TEXT" : "TEXT(512)";
        (string Name, string Type)[] columns =
        [
            (s.DialogId, (pg ? "BIGINT" : "BIGINT(10)") + " PRIMARY KEY NOT NULL"),
            (s.CallId, Char(255) + " NOT NULL"),
            (s.FromUri, Char(255) + " NOT NULL"),
            (s.FromTag, Char(64) + " NOT NULL"),
            (s.ToUri, Char(255) + " NOT NULL"),
            (s.ToTag, Char(64) + " NOT NULL"),
            (s.MangledFromUri, Char(255) + " DEFAULT NULL"),
            (s.MangledToUri, Char(255) + " DEFAULT NULL"),
            (s.CallerCSeq, Char(11) + " NOT NULL"),
            (s.CalleeCSeq, Char(11) + " NOT NULL"),
            (s.CallerPingCSeq, "INTEGER NOT NULL"),
            (s.CalleePingCSeq, "INTEGER NOT NULL"),
            (s.CallerRouteSet, text512),
            (s.CalleeRouteSet, text512),
            (s.CallerContact, Char(255)),
            (s.CalleeContact, Char(255)),
            (s.CallerSocket, Char(64) + " NOT NULL"),
            (s.CalleeSocket, Char(64) + " NOT NULL"),
            (s.State, "INTEGER NOT NULL"),
            (s.StartTime, "INTEGER NOT NULL"),
            (s.Timeout, "INTEGER NOT NULL"),
            (s.Vars, (pg ? "BYTEA" : "BLOB(4096)") + " DEFAULT NULL"),
            (s.Profiles, text512 + " DEFAULT NULL"),
            (s.ScriptFlags, Char(255) + " DEFAULT NULL"),
            (s.ModuleFlags, "INTEGER DEFAULT 0 NOT NULL"),
            (s.Flags, "INTEGER DEFAULT 0 NOT NULL"),
            (s.RouteOnAnswer, Char(64) + " DEFAULT NULL"),
            (s.RouteOnTimeout, Char(64) + " DEFAULT NULL"),
            (s.RouteOnHangup, Char(64) + " DEFAULT NULL"),
        ];
        var sql = new StringBuilder();
        sql.Append("CREATE TABLE ").Append(ifNotExists ? "IF NOT EXISTS " : string.Empty).Append(Table).Append(" (\n");
        for (var i = 0; i < columns.Length; i++)
        {
            sql.Append("    ").Append(Quote(columns[i].Name)).Append(' ').Append(columns[i].Type)
                .Append(i == columns.Length - 1 ? "\n" : ",\n");
        }

        return sql.Append(");\n").ToString();
    }

    /// <summary><c>standard-create.sql</c>, as committed under <c>scripts/&lt;engine&gt;/</c>.</summary>
    public string StandardCreateScript() => CreateVersionTable(ifNotExists: false);

    /// <summary><c>dialog-create.sql</c> (OpenSIPS's layout: the version row, then the table).</summary>
    public string DialogCreateScript()
    {
        var name = _schema.TableName.Replace("'", "''", StringComparison.Ordinal);
        return string.Create(CultureInfo.InvariantCulture,
            $"INSERT INTO version (table_name, table_version) values ('{name}','{DialogTableSchema.Version}');\n")
            + CreateDialogTable(ifNotExists: false);
    }

    /// <summary>A double-quoted identifier (standard SQL; both engines), embedded quotes doubled.</summary>
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private string UpdateOf(string[] columns, ReadOnlySpan<int> indexes)
    {
        var set = new StringBuilder();
        for (var i = 0; i < indexes.Length; i++)
        {
            set.Append(i == 0 ? string.Empty : ", ").Append(Quote(columns[indexes[i]])).Append(" = ").Append(Parameter(i));
        }

        return $"UPDATE {Table} SET {set} WHERE {Quote(_schema.DialogId)} = {Parameter(indexes.Length)}";
    }
}
