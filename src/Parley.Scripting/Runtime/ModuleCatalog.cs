using Parley.Protocol.Writing;
using Parley.Transport;

namespace Parley.Scripting.Runtime;

/// <summary>
/// The modules this build of Parley has, by OpenSIPS name: <c>loadmodule "rr.so"</c> looks the name up here. The
/// composition root fills it (the core's own, then <c>Parley.Modules</c>, later tm and dialog).
/// </summary>
public sealed class ModuleCatalog
{
    private readonly Dictionary<string, Func<ScriptModule>> _factories = new(StringComparer.Ordinal);

    public void Add(string name, Func<ScriptModule> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
    }

    private readonly List<Func<ScriptModule>> _implicit = [];

    /// <summary>
    /// Adds a module loaded with every script, without <c>loadmodule</c>: parts of OpenSIPS's core that live outside
    /// <c>Parley.Scripting</c> (such as <c>raise_event</c>). It is also loadable by name, harmlessly.
    /// </summary>
    public void AddImplicit(string name, Func<ScriptModule> factory)
    {
        Add(name, factory);
        _implicit.Add(factory);
    }

    /// <summary>Factories of the modules every script loads.</summary>
    public IReadOnlyList<Func<ScriptModule>> ImplicitModules => _implicit;

    public bool TryCreate(string name, out ScriptModule module)
    {
        if (_factories.TryGetValue(name, out var factory))
        {
            module = factory();
            return true;
        }

        module = null!;
        return false;
    }

    public bool Contains(string name) => _factories.ContainsKey(name);

    /// <summary>Module names, sorted, for "unknown module" messages.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var names = new List<string>(_factories.Keys);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }
}

/// <summary>
/// Runs just before a request leaves (stateless <c>forward</c>, and each branch tm sends), once the outbound socket is
/// known: rr adds its Record-Route here (and the second one when the interface changes).
/// </summary>
public interface IRequestForwardHook
{
    void BeforeForward(ScriptContext context, SipMessageEditor editor, SipListener outbound);
}

/// <summary>
/// A module with work of its own while the server runs (tm's timers): the server starts it once the sockets are up,
/// with the proxy host the workers use, and stops it before the sockets close.
/// </summary>
public interface IHostedModule
{
    void Start(ProxyHost host);

    ValueTask StopAsync();
}

/// <summary>
/// Per-message state of a module that belongs to the request's transaction too (OpenSIPS keeps it in the cloned
/// request's lumps): tm captures it when it creates the transaction and restores it into the contexts that send new
/// branches later (failure_route), so e.g. rr's Record-Route is added to serially forked branches as well.
/// </summary>
public interface ITransactionStateCarrier
{
    /// <summary>A snapshot of the module's state for the message in <paramref name="context"/>, or null when there is none.</summary>
    object? Capture(ScriptContext context);

    /// <summary>Puts a snapshot taken by <see cref="Capture"/> back into <paramref name="context"/>.</summary>
    void Restore(ScriptContext context, object snapshot);
}
