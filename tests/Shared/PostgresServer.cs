using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Parley.Tests.Shared;

/// <summary>
/// A private, real PostgreSQL server for tests: a fresh data directory under /tmp, <c>postgres</c> on a free loopback
/// port as a child process, a password user <c>parley</c> (password <c>secret</c>) owning database <c>parley</c>, so
/// <see cref="Url"/> is <c>postgres://parley:secret@127.0.0.1:PORT/parley</c>. <see cref="StopAsync"/> and
/// <see cref="StartAsync"/> stop and restart it on the same directory and port; <see cref="DisposeAsync"/> stops it and
/// deletes the directory. PostgreSQL refuses to run as root, so as root the directory is given to user <c>postgres</c>
/// and the server tools run through <c>runuser -u postgres --</c>. A watchdog shell stops the server when the test
/// process dies without disposing it, and a process-exit hook kills it on a normal exit.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string MissingMessage =
        "PostgreSQL server binaries (initdb, postgres) were not found under /usr/lib/postgresql/*/bin or on PATH; "
        + "test.sh installs them (apt-get install postgresql)";

    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly string _socket;
    private readonly bool _asRoot;
    private Process? _process;
    private bool _disposed;

    private PostgresServer(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        _data = Path.Combine(root, "data");
        _socket = Path.Combine(root, "sock");
        Port = port;
        _asRoot = Environment.UserName == "root";
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int Port { get; }

    /// <summary><c>postgres://parley:secret@127.0.0.1:PORT/parley</c>.</summary>
    public string Url => UrlFor("parley");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The URL of database <paramref name="database"/> on this server (as user <c>parley</c>).</summary>
    public string UrlFor(string database) => string.Create(CultureInfo.InvariantCulture, $"postgres://parley:secret@127.0.0.1:{Port}/{database}");

    /// <summary>Creates a data directory, starts the server and creates the user and database. Fails (never skips) when PostgreSQL is absent.</summary>
    public static async Task<PostgresServer> CreateAsync()
    {
        var bin = FindBin() ?? throw new InvalidOperationException(MissingMessage);
        var root = Path.Combine(Path.GetTempPath(), "parley-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var server = new PostgresServer(bin, root, FreePort());
        try
        {
            Directory.CreateDirectory(server._socket);
            if (server._asRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", root]).ConfigureAwait(false);
            }

            await server.RunToolAsync("initdb", ["-D", server._data, "-U", "postgres", "-E", "UTF8", "--no-sync",
                "--auth-local=trust", "--auth-host=scram-sha-256"]).ConfigureAwait(false);
            await server.StartAsync().ConfigureAwait(false);
            await server.PsqlAsync("postgres", "CREATE ROLE parley LOGIN PASSWORD 'secret'").ConfigureAwait(false);
            await server.CreateDatabaseAsync("parley").ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates database <paramref name="name"/> owned by <c>parley</c> and returns its URL.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await PsqlAsync("postgres", $"CREATE DATABASE \"{name}\" OWNER parley").ConfigureAwait(false);
        return UrlFor(name);
    }

    /// <summary>Runs <paramref name="sql"/> as the superuser in <paramref name="database"/>.</summary>
    public Task PsqlAsync(string database, string sql) =>
        RunToolAsync("psql", ["-h", _socket, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database,
            "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]);

    /// <summary>Starts the server on the existing data directory and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            return;
        }

        // The shell runs postgres in the background and watches this test process: if it dies without disposing the
        // server, the shell asks postgres for a fast shutdown (SIGINT) and removes the directory, so no server outlives its tests.
        const string watchdog = """
            owner=$1; data=$2; log=$3; shift 3
            "$@" >>"$log" 2>&1 &
            pg=$!
            while kill -0 "$pg" 2>/dev/null; do
              if ! kill -0 "$owner" 2>/dev/null; then
                kill -INT "$(head -n1 "$data/postmaster.pid" 2>/dev/null)" 2>/dev/null
                wait "$pg"
                rm -rf "$(dirname "$data")"
                exit 0
              fi
              sleep 1
            done
            wait "$pg"
            """;
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var argument in (string[])["-c", watchdog, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), _data,
                     Path.Combine(_root, "postgres.log")])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in Command("postgres", ["-D", _data, "-p", Port.ToString(CultureInfo.InvariantCulture), "-k", _socket,
                     "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"]))
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start sh for postgres");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("postgres exited at start:\n" + LogTail());
            }

            var ready = await RunAsync(Path.Combine(_bin, "pg_isready"),
                ["-q", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-d", "postgres"], check: false).ConfigureAwait(false);
            if (ready == 0)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("postgres did not accept connections within 60 s:\n" + LogTail());
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Fast shutdown (SIGINT to the postmaster, by pid) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        var process = _process;
        if (!process.HasExited && PostmasterPid() is { } pid)
        {
            await RunAsync("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)], check: false).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }

        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            Kill();
            _disposed = true;
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // a file still held open; /tmp is cleaned eventually
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Kill();

    /// <summary>Kills the postmaster and the watchdog outright (the fallback when a fast shutdown did not happen).</summary>
    private void Kill()
    {
        try
        {
            if (PostmasterPid() is { } pid)
            {
                using var postmaster = Process.GetProcessById(pid);
                if (postmaster.ProcessName.StartsWith("postgres", StringComparison.Ordinal))
                {
                    postmaster.Kill(entireProcessTree: true);
                }
            }
        }
        catch (ArgumentException)
        {
            // not running
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private int? PostmasterPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(_data, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string LogTail()
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(_root, "postgres.log"));
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 30)));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    /// <summary>The command line of a server tool, through <c>runuser -u postgres --</c> when running as root.</summary>
    private string[] Command(string tool, string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        return _asRoot ? ["runuser", "-u", "postgres", "--", path, .. arguments] : [path, .. arguments];
    }

    private async Task RunToolAsync(string tool, string[] arguments)
    {
        var command = Command(tool, arguments);
        await RunAsync(command[0], command[1..]).ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(string file, string[] arguments, bool check = true)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
        }

        return process.ExitCode;
    }

    private static string? FindBin()
    {
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var versions = Directory.GetDirectories("/usr/lib/postgresql");
            Array.Sort(versions, static (a, b) => VersionOf(b).CompareTo(VersionOf(a)));
            foreach (var version in versions)
            {
                var bin = Path.Combine(version, "bin");
                if (File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "postgres")))
                {
                    return bin;
                }
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres")))
            {
                return directory;
            }
        }

        return null;
    }

    private static double VersionOf(string directory) =>
        double.TryParse(Path.GetFileName(directory), NumberStyles.Float, CultureInfo.InvariantCulture, out var version) ? version : 0;

    /// <summary>A loopback TCP port nobody listens on (the pattern of the end-to-end FreePorts).</summary>
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
