using Parley.Dialogs.Persistence;

namespace Parley.Persistence.Tests;

public sealed class DialogSchemaSqlTests
{
    public static TheoryData<string> Engines => new() { "sqlite", "postgres" };

    /// <summary>scripts/&lt;engine&gt;/*.sql are the generated DDL for the default names; PARLEY_WRITE_SCRIPTS=1 rewrites them.</summary>
    [Theory]
    [MemberData(nameof(Engines))]
    public void CommittedScripts_DefaultSchema_EqualGeneratedDdl(string engine)
    {
        var sql = new DialogSchemaSql(engine == "sqlite" ? DbEngine.Sqlite : DbEngine.Postgres, DialogTableSchema.Default);
        var directory = Path.Combine(RepositoryRoot(), "scripts", engine);
        var expected = new Dictionary<string, string>
        {
            ["standard-create.sql"] = sql.StandardCreateScript(),
            ["dialog-create.sql"] = sql.DialogCreateScript(),
        };
        foreach (var (file, text) in expected)
        {
            var path = Path.Combine(directory, file);
            if (Environment.GetEnvironmentVariable("PARLEY_WRITE_SCRIPTS") == "1")
            {
                Directory.CreateDirectory(directory);
                File.WriteAllText(path, text);
            }

            Assert.True(File.Exists(path), $"{path} is missing; run the tests with PARLEY_WRITE_SCRIPTS=1 to write it");
            Assert.Equal(text, File.ReadAllText(path));
        }
    }

    [Fact]
    public void DialogCreateScript_Postgres_IsVersion12WithItsTypes()
    {
        var script = new DialogSchemaSql(DbEngine.Postgres, DialogTableSchema.Default).DialogCreateScript();
        Assert.StartsWith("INSERT INTO version (table_name, table_version) values ('dialog','12');\nCREATE TABLE \"dialog\" (\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"dlg_id\" BIGINT PRIMARY KEY NOT NULL,\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"mangled_from_uri\" VARCHAR(255) DEFAULT NULL,\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"vars\" BYTEA DEFAULT NULL,\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"script_flags\" VARCHAR(255) DEFAULT NULL,\n", script, StringComparison.Ordinal);
        Assert.EndsWith("    \"rt_on_hangup\" VARCHAR(64) DEFAULT NULL\n);\n", script, StringComparison.Ordinal);
        Assert.Equal(29, script.Split('\n').Count(line => line.StartsWith("    \"", StringComparison.Ordinal)));
    }

    [Fact]
    public void DialogCreateScript_Sqlite_IsVersion12WithItsTypes()
    {
        var script = new DialogSchemaSql(DbEngine.Sqlite, DialogTableSchema.Default).DialogCreateScript();
        Assert.Contains("    \"dlg_id\" BIGINT(10) PRIMARY KEY NOT NULL,\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"caller_route_set\" TEXT(512),\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"vars\" BLOB(4096) DEFAULT NULL,\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"script_flags\" CHAR(255) DEFAULT NULL,\n", script, StringComparison.Ordinal);
        Assert.Contains("    \"rt_on_answer\" CHAR(64) DEFAULT NULL,\n", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Statements_RenamedSchema_UseConfiguredNamesOnly()
    {
        var schema = RenamedSchema();
        var sql = new DialogSchemaSql(DbEngine.Postgres, schema);
        var all = string.Join("\n", sql.CreateDialogTable(true), sql.Select, sql.Insert, sql.Update, sql.UpdateValues, sql.UpdateTimeout,
            sql.Delete(3), sql.DeleteAll);
        Assert.Contains("\"calls\"", all, StringComparison.Ordinal);
        Assert.Contains("\"x_callid\"", all, StringComparison.Ordinal);
        Assert.Contains("\"x_dlg_id\"", all, StringComparison.Ordinal);
        Assert.DoesNotContain("\"dialog\"", all, StringComparison.Ordinal);
        Assert.DoesNotContain("\"callid\"", all, StringComparison.Ordinal);
        Assert.DoesNotContain("\"dlg_id\"", all, StringComparison.Ordinal);
        Assert.Contains("('calls','12')", sql.DialogCreateScript(), StringComparison.Ordinal);
    }

    [Fact]
    public void Update_Default_SetsThe13ColumnsOfOpensips()
    {
        var update = new DialogSchemaSql(DbEngine.Sqlite, DialogTableSchema.Default).Update;
        Assert.Equal(
            "UPDATE \"dialog\" SET \"state\" = @p0, \"timeout\" = @p1, \"caller_cseq\" = @p2, \"callee_cseq\" = @p3, "
            + "\"caller_ping_cseq\" = @p4, \"callee_ping_cseq\" = @p5, \"flags\" = @p6, \"vars\" = @p7, \"profiles\" = @p8, "
            + "\"script_flags\" = @p9, \"module_flags\" = @p10, \"caller_contact\" = @p11, \"callee_contact\" = @p12 WHERE \"dlg_id\" = @p13",
            update);
    }

    [Fact]
    public void Quote_EmbeddedQuote_Doubled() => Assert.Equal("\"a\"\"b\"", DialogSchemaSql.Quote("a\"b"));

    /// <summary>Every renameable column as <c>x_&lt;default&gt;</c>, in table <c>calls</c>.</summary>
    internal static DialogTableSchema RenamedSchema()
    {
        var defaults = new Dictionary<string, string>
        {
            ["call_id_column"] = "callid", ["from_uri_column"] = "from_uri", ["from_tag_column"] = "from_tag",
            ["to_uri_column"] = "to_uri", ["to_tag_column"] = "to_tag", ["from_cseq_column"] = "caller_cseq",
            ["to_cseq_column"] = "callee_cseq", ["from_route_column"] = "caller_route_set", ["to_route_column"] = "callee_route_set",
            ["from_contact_column"] = "caller_contact", ["to_contact_column"] = "callee_contact", ["from_sock_column"] = "caller_sock",
            ["to_sock_column"] = "callee_sock", ["dlg_id_column"] = "dlg_id", ["state_column"] = "state",
            ["start_time_column"] = "start_time", ["timeout_column"] = "timeout", ["profiles_column"] = "profiles",
            ["vars_column"] = "vars", ["sflags_column"] = "script_flags", ["mflags_column"] = "module_flags", ["flags_column"] = "flags",
        };
        var renamed = new Dictionary<string, string>();
        foreach (var (parameter, name) in defaults)
        {
            renamed[parameter] = "x_" + name;
        }

        return new DialogTableSchema("calls", renamed);
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Parley.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Parley.slnx not found above " + AppContext.BaseDirectory);
    }
}
