using Npgsql;
using Parley.Dialogs.Persistence;

namespace Parley.Persistence.Tests;

public sealed class DbUrlTests
{
    [Fact]
    public void TryParse_SqliteAbsolute_KeepsPath()
    {
        Assert.True(DbUrl.TryParse("sqlite:///var/lib/parley/parley.db", out var url, out var error), error);
        Assert.Equal(DbEngine.Sqlite, url!.Engine);
        Assert.Equal("/var/lib/parley/parley.db", url.FilePath);
        Assert.Equal("sqlite:///var/lib/parley/parley.db", url.Description);
    }

    [Fact]
    public void TryParse_SqliteRelative_ResolvesAgainstCurrentDirectory()
    {
        Assert.True(DbUrl.TryParse("sqlite://data/parley.db", out var url, out var error), error);
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "data", "parley.db"), url!.FilePath);
        Assert.True(Path.IsPathRooted(url.FilePath));
    }

    [Theory]
    [InlineData("postgres://opensips:opensipsrw@db.example.com/opensips", "db.example.com", 5432, "opensips", "opensips", "opensipsrw")]
    [InlineData("postgresql://u:p@127.0.0.1:6543/parley", "127.0.0.1", 6543, "parley", "u", "p")]
    [InlineData("POSTGRES://u:p@h/d", "h", 5432, "d", "u", "p")]
    [InlineData("postgres://us%40er:p%3Ass%2Fw%40rd@[::1]:5433/my%20db", "::1", 5433, "my db", "us@er", "p:ss/w@rd")]
    [InlineData("postgres://u:p@ss@host/db", "host", 5432, "db", "u", "p@ss")]
    [InlineData("postgres://onlyuser@host/db", "host", 5432, "db", "onlyuser", null)]
    [InlineData("postgres://host:1/db", "host", 1, "db", null, null)]
    public void TryParse_PostgresForms_SplitsAndDecodes(string text, string host, int port, string database, string? user, string? password)
    {
        Assert.True(DbUrl.TryParse(text, out var url, out var error), error);
        Assert.Equal(DbEngine.Postgres, url!.Engine);
        Assert.Equal(host, url.Host);
        Assert.Equal(port, url.Port);
        Assert.Equal(database, url.Database);
        Assert.Equal(user, url.User);
        Assert.Equal(password, url.Password);
    }

    [Fact]
    public void ToNpgsqlConnectionString_SpecialCharacters_RoundTripThroughBuilder()
    {
        Assert.True(DbUrl.TryParse("postgres://us%40er:p%3Bss%3Dw'rd@db:5433/parley", out var url, out _));
        var builder = new NpgsqlConnectionStringBuilder(url!.ToNpgsqlConnectionString());
        Assert.Equal("db", builder.Host);
        Assert.Equal(5433, builder.Port);
        Assert.Equal("parley", builder.Database);
        Assert.Equal("us@er", builder.Username);
        Assert.Equal("p;ss=w'rd", builder.Password);
        Assert.Equal(3, builder.Timeout);
        Assert.Equal(10, builder.CommandTimeout);
    }

    [Fact]
    public void Description_Postgres_HasNoPassword()
    {
        Assert.True(DbUrl.TryParse("postgres://parley:topsecret@127.0.0.1:5544/parley", out var url, out _));
        Assert.Equal("postgres://parley@127.0.0.1:5544/parley", url!.Description);
        Assert.DoesNotContain("topsecret", url.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql://opensips:opensipsrw@localhost/opensips")]
    [InlineData("MySQL://u:p@h/d")]
    public void Check_Mysql_RefusedWithConnectorReason(string text)
    {
        var message = new DialogStoreFactory().Check(text);
        Assert.NotNull(message);
        Assert.Contains("MySQL is recognised but not supported", message, StringComparison.Ordinal);
        Assert.Contains("MySqlConnector", message, StringComparison.Ordinal);
        Assert.Contains("sqlite:///path/to/parley.db", message, StringComparison.Ordinal);
        Assert.Contains("postgres://user:pass@host/db", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("parley.db", "no scheme")]
    [InlineData("oracle://u:p@h/d", "unknown database scheme 'oracle'")]
    [InlineData("sqlite://", "needs a file path")]
    [InlineData("sqlite:///", "needs a file path")]
    [InlineData("sqlite:///var/lib/", "names a directory")]
    [InlineData("sqlite:///x.db?mode=ro", "plain file path")]
    [InlineData("postgres://u:p@host", "needs a database name")]
    [InlineData("postgres://u:p@host/", "needs a database name")]
    [InlineData("postgres://u:p@/db", "needs a host")]
    [InlineData("postgres://u:p@host:0/db", "port '0'")]
    [InlineData("postgres://u:p@host:99999/db", "port '99999'")]
    [InlineData("postgres://u:p@host:abc/db", "port 'abc'")]
    [InlineData("postgres://:p@host/db", "empty user name")]
    [InlineData("postgres://u:p@[::1/db", "unclosed '['")]
    [InlineData("postgres://u:p@host/db/extra", "contains '/'")]
    [InlineData("postgres://u:p@host/db?sslmode=require", "no '?' options")]
    public void Check_Malformed_NamesProblemAndAcceptedForms(string text, string problem)
    {
        var message = new DialogStoreFactory().Check(text);
        Assert.NotNull(message);
        Assert.Contains(problem, message, StringComparison.Ordinal);
        Assert.Contains(DbUrl.AcceptedForms, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Malformed_NeverEchoesPassword()
    {
        var message = new DialogStoreFactory().Check("nosuch:topsecret@host/db");
        Assert.NotNull(message);
        Assert.DoesNotContain("topsecret", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite:///tmp/x.db")]
    [InlineData("postgres://u:p@h/d")]
    [InlineData("postgresql://u:p@h/d")]
    public void Check_Supported_ReturnsNull(string text) => Assert.Null(new DialogStoreFactory().Check(text));

    [Fact]
    public async Task Open_EachEngine_ReturnsItsStoreWithoutConnecting()
    {
        var factory = new DialogStoreFactory();
        await using var sqlite = factory.Open("sqlite:///nonexistent-dir-parley/x.db", DialogTableSchema.Default);
        Assert.IsType<SqliteDialogStore>(sqlite);
        Assert.True(sqlite.IsEmbedded);
        Assert.False(Directory.Exists("/nonexistent-dir-parley"));
        await using var postgres = factory.Open("postgres://u:secret@127.0.0.1:1/d", DialogTableSchema.Default);
        Assert.IsType<PostgresDialogStore>(postgres);
        Assert.False(postgres.IsEmbedded);
        Assert.Equal("postgres://u@127.0.0.1:1/d", postgres.Description);
    }

    [Fact]
    public void Open_Mysql_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new DialogStoreFactory().Open("mysql://u:p@h/d", DialogTableSchema.Default));
        Assert.Contains("MySQL", error.Message, StringComparison.Ordinal);
    }
}
