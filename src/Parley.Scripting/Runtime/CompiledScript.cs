using Parley.Scripting.Syntax;

namespace Parley.Scripting.Runtime;

/// <summary>
/// A script bound to its modules and compiled to delegates: its routes, ready to run. Immutable and shared by all
/// workers; each worker runs it with its own <see cref="ScriptContext"/> (<see cref="CreateContext"/>).
/// </summary>
public sealed class CompiledScript
{
    private readonly Dictionary<(RouteType, string), RouteHandle> _named;

    internal CompiledScript(ScriptRegistry registry, Dictionary<(RouteType, string), RouteHandle> named, Dictionary<RouteType, RouteHandle> main)
    {
        Registry = registry;
        _named = named;
        registry.Script = this;
        main.TryGetValue(RouteType.Request, out var request);
        main.TryGetValue(RouteType.OnReply, out var reply);
        main.TryGetValue(RouteType.Error, out var error);
        main.TryGetValue(RouteType.Local, out var local);
        main.TryGetValue(RouteType.Startup, out var startup);
        RequestRoute = request;
        ReplyRoute = reply;
        ErrorRoute = error;
        LocalRoute = local;
        StartupRoute = startup;
        var timers = new List<RouteHandle>();
        var events = new List<RouteHandle>();
        foreach (var handle in named.Values)
        {
            if (handle.IsDefined && handle.Type == RouteType.Timer)
            {
                timers.Add(handle);
            }
            else if (handle.IsDefined && handle.Type == RouteType.Event)
            {
                events.Add(handle);
            }
        }

        TimerRoutes = timers;
        EventRoutes = events;
    }

    public ScriptRegistry Registry { get; }

    /// <summary>The main <c>route { }</c>; null when the script has none (every request is then dropped).</summary>
    public RouteHandle? RequestRoute { get; }

    /// <summary>The unnamed <c>onreply_route { }</c>, run for every reply; null when absent.</summary>
    public RouteHandle? ReplyRoute { get; }

    public RouteHandle? ErrorRoute { get; }

    public RouteHandle? LocalRoute { get; }

    public RouteHandle? StartupRoute { get; }

    /// <summary><c>timer_route[name, seconds]</c> blocks; <see cref="RouteHandle.Options"/> holds the interval.</summary>
    public IReadOnlyList<RouteHandle> TimerRoutes { get; }

    public IReadOnlyList<RouteHandle> EventRoutes { get; }

    /// <summary>A named route of a type, or null.</summary>
    public RouteHandle? FindRoute(RouteType type, string name) =>
        _named.TryGetValue((type, name), out var handle) && handle.IsDefined ? handle : null;

    /// <summary>A context for one worker.</summary>
    public ScriptContext CreateContext(ProxyHost host, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new ScriptContext(host, Registry, Registry.VariableCount, Registry.AvpCount, ContextSlots.Max, time ?? TimeProvider.System);
    }
}
