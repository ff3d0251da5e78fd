using System.Globalization;
using Parley.Scripting.Compilation;
using Parley.Scripting.Runtime;

namespace Parley.Server.Configuration;

/// <summary>A loaded configuration: the server settings, the compiled script, and every error found.</summary>
public sealed record LoadedConfiguration(ServerConfig Config, CompiledScript? Script, IReadOnlyList<ConfigError> Errors)
{
    public void Deconstruct(out ServerConfig config, out IReadOnlyList<ConfigError> errors)
    {
        config = Config;
        errors = Errors;
    }

    public void Deconstruct(out ServerConfig config, out CompiledScript? script, out IReadOnlyList<ConfigError> errors)
    {
        config = Config;
        script = Script;
        errors = Errors;
    }
}

/// <summary>
/// Reads an <c>opensips.cfg</c>-style file: the scripting layer parses it and compiles its modules and routes; the
/// global parameters it returns are checked and applied here. Every error is collected, so <c>parley -c</c> lists
/// them all at once, each as <c>file:line:column: error: message (at 'text')</c>.
/// </summary>
public static class ConfigLoader
{
    private static readonly string[] KnownParameters =
    [
        "socket", "listen", "log_level", "log_stderror", "stderror_enabled", "debug_mode", "udp_workers", "children",
        "tcp_workers", "server_header", "user_agent_header", "alias", "mpath", "tcp_connection_lifetime", "tcp_max_msg_size",
        "exec_msg_threshold", "disable_dns_failover",
    ];

    public static LoadedConfiguration LoadFile(string path, ModuleCatalog? catalog = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(new ServerConfig(), null, [new ConfigError(path, 0, 0, "cannot read the configuration file: " + e.Message, "")]);
        }

        return Load(path, text, catalog, ReadInclude);
    }

    public static LoadedConfiguration Load(string file, string text, ModuleCatalog? catalog = null, Func<string, string?>? loader = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var compiled = ScriptCompiler.CompileText(text, file, catalog ?? Modules.CreateCatalog(), loader);
        var errors = new List<ConfigError>();
        foreach (var d in compiled.Diagnostics)
        {
            errors.Add(new ConfigError(d.File, d.Line, d.Column, d.Message, d.Text));
        }

        var config = ApplyGlobals(compiled.Globals, errors, file, out var globalErrors);
        errors.Sort(static (a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new LoadedConfiguration(config, globalErrors == 0 ? compiled.Script : null, errors);
    }

    private static string? ReadInclude(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ServerConfig ApplyGlobals(IReadOnlyList<GlobalSetting> globals, List<ConfigError> errors, string file, out int count)
    {
        var before = errors.Count;
        var config = new ServerConfig();
        var sockets = new List<string>();
        var aliases = new List<string>();
        foreach (var g in globals)
        {
            var error = (string message) => errors.Add(new ConfigError(g.File, g.ValueLine, g.ValueColumn, message, g.RawValue));
            switch (g.Name)
            {
                case "socket":
                case "listen":
                    var socket = Unquote(g);
                    var socketError = SocketSpec.Validate(socket);
                    if (socketError is null)
                    {
                        sockets.Add(socket);
                    }
                    else
                    {
                        error(socketError);
                    }

                    break;
                case "log_level":
                    if (TryInt(g, -3, 4, error, out var level))
                    {
                        config = config with { LogLevel = level };
                    }

                    break;
                case "log_stderror":
                case "stderror_enabled":
                    if (TryBool(g, error, out var stderr))
                    {
                        config = config with { LogToStdErr = stderr };
                    }

                    break;
                case "debug_mode":
                    if (TryBool(g, error, out var debug) && debug)
                    {
                        config = config with { LogLevel = 4, UdpWorkers = 1, TcpWorkers = 1 };
                    }

                    break;
                case "udp_workers":
                case "children":
                    if (TryInt(g, 1, 1024, error, out var workers))
                    {
                        config = config with { UdpWorkers = workers };
                    }

                    break;
                case "tcp_workers":
                    if (TryInt(g, 1, 1024, error, out var tcpWorkers))
                    {
                        config = config with { TcpWorkers = tcpWorkers };
                    }

                    break;
                case "tcp_connection_lifetime":
                    if (TryInt(g, 1, 86400, error, out var lifetime))
                    {
                        config = config with { TcpConnectionLifetime = lifetime };
                    }

                    break;
                case "tcp_max_msg_size":
                    if (TryInt(g, 1024, 16 * 1024 * 1024, error, out var maxSize))
                    {
                        config = config with { MaxMessageSize = maxSize };
                    }

                    break;
                case "server_header":
                    config = config with { ServerHeader = StripHeaderName(Unquote(g), "Server:") };
                    break;
                case "user_agent_header":
                    config = config with { UserAgentHeader = StripHeaderName(Unquote(g), "User-Agent:") };
                    break;
                case "alias":
                    var alias = Unquote(g);
                    if (HostAlias.TryParse(alias) is null)
                    {
                        error($"bad alias '{alias}': expected host, host:port or proto:host:port");
                    }
                    else
                    {
                        aliases.Add(alias);
                    }

                    break;
                case "exec_msg_threshold":
                    if (TryInt(g, 0, int.MaxValue, error, out var threshold))
                    {
                        config = config with { ExecMsgThresholdMicroseconds = threshold };
                    }

                    break;
                case "disable_dns_failover":
                    if (TryBool(g, error, out var noFailover))
                    {
                        config = config with { DisableDnsFailover = noFailover };
                    }

                    break;
                case "mpath":
                    break; // modules are built in; the module path has no meaning but scripts carry it
                default:
                    errors.Add(new ConfigError(g.File, g.Line, g.Column, $"unknown global parameter '{g.Name}'; known ones are: {string.Join(", ", KnownParameters)}", g.Name));
                    break;
            }
        }

        if (sockets.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ConfigError(file, 1, 1, "no 'socket' is configured; add one such as: socket = udp:127.0.0.1:5060", ""));
        }

        count = errors.Count - before;
        return config with { Sockets = sockets, Aliases = aliases };
    }

    private static string Unquote(GlobalSetting g) => g.Value is { IsString: true } v ? v.AsString() : g.RawValue;

    private static string StripHeaderName(string value, string prefix) =>
        value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? value[prefix.Length..].Trim() : value;

    private static bool TryInt(GlobalSetting g, int min, int max, Action<string> error, out int result)
    {
        if (g.Value is { IsInt: true } v && v.Int >= min && v.Int <= max)
        {
            result = (int)v.Int;
            return true;
        }

        error($"'{g.Name}' expects a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        result = 0;
        return false;
    }

    private static bool TryBool(GlobalSetting g, Action<string> error, out bool result)
    {
        switch (g.RawValue.Trim('"').ToUpperInvariant())
        {
            case "YES" or "ON" or "TRUE" or "1":
                result = true;
                return true;
            case "NO" or "OFF" or "FALSE" or "0":
                result = false;
                return true;
            default:
                error($"'{g.Name}' expects yes/no, on/off, true/false or 1/0");
                result = false;
                return false;
        }
    }
}
