using Parley.Management.Http;
using Parley.Scripting.Runtime;

namespace Parley.Management.Modules;

/// <summary>
/// OpenSIPS's <c>httpd</c>: the embedded HTTP server. <c>ip</c> (default 127.0.0.1: the MI is reachable from this
/// host only unless the operator binds it elsewhere) and <c>port</c> (default 8888).
/// </summary>
public sealed class HttpdModule(HttpSettings settings) : ScriptModule
{
    public override string Name => "httpd";

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.CheckedString("ip", ip =>
        {
            if (!ManagementHttpServer.TryParseAddress(ip, out _))
            {
                return $"'{ip}' is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or *)";
            }

            settings.Ip = ip;
            return null;
        }),
        ModuleParameter.Int("port", v => settings.Port = (int)v, 0, 65535),
    ];

    public override void Register(ScriptRegistry registry)
    {
    }

    // Not in Register: the compiler also registers unloaded modules (to name the loadmodule a call is missing).
    public override string? Initialize(ScriptRegistry registry)
    {
        settings.Enabled = true;
        return null;
    }
}

/// <summary>OpenSIPS's <c>mi_http</c>: JSON-RPC over <c>POST http://ip:port/{root}</c> (<c>root</c> default <c>mi</c>).</summary>
public sealed class MiHttpModule(HttpSettings settings) : ScriptModule
{
    public override string Name => "mi_http";

    public override IReadOnlyList<string> Dependencies => ["httpd"];

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.CheckedString("root", root => SetRoot(root, r => settings.MiRoot = r)),
    ];

    public override void Register(ScriptRegistry registry)
    {
    }

    public override string? Initialize(ScriptRegistry registry)
    {
        settings.MiRoot ??= "mi";
        return null;
    }

    internal static string? SetRoot(string root, Action<string> set)
    {
        var trimmed = root.Trim('/');
        if (trimmed.Length == 0 || trimmed.Contains(' ', StringComparison.Ordinal) || trimmed.Contains('?', StringComparison.Ordinal))
        {
            return $"'{root}' is not a usable URL path (e.g. \"mi\")";
        }

        set(trimmed);
        return null;
    }
}

/// <summary>
/// OpenSIPS's <c>prometheus</c>: the statistics in Prometheus text format at <c>GET /{root}</c> (default
/// <c>metrics</c>). Parley serves <c>/metrics</c> whenever httpd is loaded; this module only moves it.
/// </summary>
public sealed class PrometheusModule(HttpSettings settings) : ScriptModule
{
    public override string Name => "prometheus";

    public override IReadOnlyList<string> Dependencies => ["httpd"];

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.CheckedString("root", root => MiHttpModule.SetRoot(root, r => settings.MetricsRoot = r)),
    ];

    public override void Register(ScriptRegistry registry)
    {
    }
}
