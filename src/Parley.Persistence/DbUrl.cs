using System.Globalization;
using Npgsql;

namespace Parley.Persistence;

/// <summary>The database engines a <c>db_url</c> can name.</summary>
public enum DbEngine
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A parsed <c>db_url</c>: <c>sqlite:///abs/path.db</c>, <c>sqlite://relative/path.db</c> (relative to the current
/// directory), or <c>postgres://user:pass@host[:port]/db</c> (also <c>postgresql://</c>; user and password
/// percent-decoded; port 5432 by default).
/// </summary>
public sealed class DbUrl
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string AcceptedForms =
        "accepted forms: sqlite:///absolute/path/parley.db, sqlite://relative/path/parley.db, postgres://user:pass@host[:port]/db (or postgresql://…)";

    /// <summary>Why <c>mysql://</c> is refused.</summary>
    public const string MySqlRefusal =
        "MySQL is recognised but not supported: no MySQL connector (MySqlConnector, MySql.Data) can be installed from this project's package registries; use sqlite:///path/to/parley.db or postgres://user:pass@host/db";

    private DbUrl(DbEngine engine)
    {
        Engine = engine;
    }

    public DbEngine Engine { get; }

    /// <summary>SQLite: the absolute path of the database file.</summary>
    public string FilePath { get; private init; } = string.Empty;

    /// <summary>PostgreSQL: the host (without IPv6 brackets).</summary>
    public string Host { get; private init; } = string.Empty;

    public int Port { get; private init; }

    public string Database { get; private init; } = string.Empty;

    public string? User { get; private init; }

    public string? Password { get; private init; }

    /// <summary>The URL without the password, for log lines.</summary>
    public string Description => Engine == DbEngine.Sqlite
        ? "sqlite://" + FilePath
        : string.Create(CultureInfo.InvariantCulture,
            $"postgres://{(User is null ? string.Empty : Uri.EscapeDataString(User) + "@")}{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}/{Database}");

    /// <summary>PostgreSQL: the Npgsql connection string (built, never concatenated), with short timeouts so a dead server fails fast.</summary>
    public string ToNpgsqlConnectionString()
    {
        if (Engine != DbEngine.Postgres)
        {
            throw new InvalidOperationException("not a PostgreSQL URL");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Timeout = 3,
            CommandTimeout = 10,
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 2,
            ApplicationName = "parley",
        };
        if (User is not null)
        {
            builder.Username = User;
        }

        if (Password is not null)
        {
            builder.Password = Password;
        }

        return builder.ConnectionString;
    }

    /// <summary>Parses <paramref name="url"/>; on failure <paramref name="error"/> says what is wrong and lists the accepted forms.</summary>
    public static bool TryParse(string? url, out DbUrl? result, out string? error)
    {
        result = null;
        error = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "the database URL is empty; " + AcceptedForms;
            return false;
        }

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            error = $"'{Redact(url)}' has no scheme (scheme://…); " + AcceptedForms;
            return false;
        }

        var scheme = url[..schemeEnd].ToLowerInvariant();
        var rest = url[(schemeEnd + 3)..];
        switch (scheme)
        {
            case "sqlite":
                return ParseSqlite(rest, out result, out error);
            case "postgres":
            case "postgresql":
                return ParsePostgres(rest, out result, out error);
            case "mysql":
                error = MySqlRefusal;
                return false;
            default:
                error = $"unknown database scheme '{url[..schemeEnd]}'; " + AcceptedForms;
                return false;
        }
    }

    private static bool ParseSqlite(string rest, out DbUrl? result, out string? error)
    {
        result = null;
        error = null;
        if (rest.Length == 0 || rest == "/")
        {
            error = "sqlite:// needs a file path; " + AcceptedForms;
            return false;
        }

        if (rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            error = "a sqlite:// URL takes a plain file path (no '?' or '#'); " + AcceptedForms;
            return false;
        }

        if (rest.EndsWith('/'))
        {
            error = $"sqlite://{rest} names a directory, not a file; " + AcceptedForms;
            return false;
        }

        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(rest);
        }
        catch (UriFormatException)
        {
            error = "sqlite:// path has a malformed %-escape; " + AcceptedForms;
            return false;
        }

        // sqlite:///abs → rest "/abs" (absolute); sqlite://rel → rest "rel" (relative to the current directory).
        result = new DbUrl(DbEngine.Sqlite) { FilePath = Path.GetFullPath(decoded) };
        return true;
    }

    private static bool ParsePostgres(string rest, out DbUrl? result, out string? error)
    {
        result = null;
        error = null;
        if (rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            error = "a postgres:// URL takes no '?' options or '#'; " + AcceptedForms;
            return false;
        }

        var slash = rest.IndexOf('/', rest.LastIndexOf('@') + 1);
        if (slash < 0 || slash == rest.Length - 1)
        {
            error = "postgres:// needs a database name after the host (postgres://user:pass@host/db); " + AcceptedForms;
            return false;
        }

        var authority = rest[..slash];
        var databaseText = rest[(slash + 1)..];
        if (databaseText.Contains('/', StringComparison.Ordinal))
        {
            error = $"postgres:// database name '{databaseText}' contains '/'; " + AcceptedForms;
            return false;
        }

        string? user = null;
        string? password = null;
        var at = authority.LastIndexOf('@');
        var hostPort = authority;
        try
        {
            if (at >= 0)
            {
                var userInfo = authority[..at];
                hostPort = authority[(at + 1)..];
                var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
                user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
                password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
                if (user.Length == 0)
                {
                    error = "postgres:// has an empty user name before '@'; " + AcceptedForms;
                    return false;
                }
            }

            var database = Uri.UnescapeDataString(databaseText);
            if (!TrySplitHostPort(hostPort, out var host, out var port, out error))
            {
                return false;
            }

            result = new DbUrl(DbEngine.Postgres) { Host = host, Port = port, Database = database, User = user, Password = password };
            return true;
        }
        catch (UriFormatException)
        {
            error = "postgres:// URL has a malformed %-escape; " + AcceptedForms;
            return false;
        }
    }

    private static bool TrySplitHostPort(string hostPort, out string host, out int port, out string? error)
    {
        host = string.Empty;
        port = 5432;
        error = null;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"postgres:// host '{hostPort}' has an unclosed '['; " + AcceptedForms;
                return false;
            }

            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = $"postgres:// host '{hostPort}' has text after ']'; " + AcceptedForms;
                    return false;
                }

                portText = after[1..];
            }
        }
        else
        {
            var colon = hostPort.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? hostPort : hostPort[..colon];
            portText = colon < 0 ? null : hostPort[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            error = "postgres:// needs a host (postgres://user:pass@host/db); " + AcceptedForms;
            return false;
        }

        if (portText is not null
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"postgres:// port '{portText}' is not a number from 1 to 65535; " + AcceptedForms;
            return false;
        }

        return true;
    }

    /// <summary>The URL with any password replaced, so an error message never echoes it.</summary>
    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        return at > 0 && colon >= 0 && colon < at ? url[..(colon + 1)] + "***" + url[at..] : url;
    }
}
