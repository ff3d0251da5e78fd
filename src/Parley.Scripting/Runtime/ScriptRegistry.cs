using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Parley.Scripting.Runtime;

/// <summary>
/// Everything a script can name, for one configuration: functions, pseudo-variables and transformations of the loaded
/// modules, flag names, <c>$var</c>/<c>$avp</c> slots and the modules themselves. Filled while loading modules and
/// compiling; read-only afterwards.
/// </summary>
public sealed class ScriptRegistry
{
    private readonly Dictionary<string, ScriptFunctionDefinition> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PvFactory> _pvs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TransformFactory> _transforms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _flags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _branchFlags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _vars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _avps = new(StringComparer.Ordinal);
    private readonly List<ScriptModule> _modules = [];
    private readonly List<IRequestForwardHook> _forwardHooks = [];

    /// <summary>Functions of modules that exist but are not loaded, to say which <c>loadmodule</c> is missing.</summary>
    internal Dictionary<string, string> UnloadedFunctions { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ScriptModule> Modules => _modules;

    public int VariableCount => _vars.Count;

    public int AvpCount => _avps.Count;

    public void AddFunction(ScriptFunctionDefinition function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _functions[function.Name] = function;
    }

    public void AddPseudoVariable(string name, PvFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _pvs[name] = factory;
    }

    /// <summary>Adds a transformation by its full name (<c>s.len</c>, <c>uri.user</c>).</summary>
    public void AddTransformation(string name, TransformFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _transforms[name] = factory;
    }

    public bool TryGetFunction(string name, out ScriptFunctionDefinition function) => _functions.TryGetValue(name, out function!);

    public bool TryGetPseudoVariable(string name, out PvFactory factory) => _pvs.TryGetValue(name, out factory!);

    public bool TryGetTransformation(string name, out TransformFactory factory) => _transforms.TryGetValue(name, out factory!);

    /// <summary>
    /// Binds one pseudo-variable written as text (<c>$hdr(User-Agent)</c>, <c>$avp(x)</c>) outside a route, for module
    /// parameters that name one (OpenSIPS's <c>pv_parse_spec</c>); null with <paramref name="error"/> set when unknown or
    /// malformed. Transformations are not accepted here.
    /// </summary>
    public PvAccessor? BindPseudoVariable(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reference = Syntax.PvRef.Parse(text);
        if (!text.StartsWith('$') || reference.Name.Length == 0)
        {
            error = $"'{text}' is not a pseudo-variable";
            return null;
        }

        if (reference.Transformations.Count > 0)
        {
            error = $"transformations are not accepted in '{text}'";
            return null;
        }

        if (!_pvs.TryGetValue(reference.Name, out var factory))
        {
            error = $"unknown pseudo-variable '${reference.Name}'";
            return null;
        }

        string? problem = null;
        var accessor = factory(new PvBindRequest(reference, this, message => problem ??= message));
        error = problem ?? (accessor is null ? $"bad pseudo-variable {text}" : null);
        return error is null ? accessor : null;
    }

    public IEnumerable<string> FunctionNames => _functions.Keys;

    public IEnumerable<string> PseudoVariableNames => _pvs.Keys;

    public IEnumerable<string> TransformationNames => _transforms.Keys;

    /// <summary>The loaded module of a type, or null.</summary>
    public T? GetModule<T>()
        where T : ScriptModule
    {
        foreach (var m in _modules)
        {
            if (m is T typed)
            {
                return typed;
            }
        }

        return null;
    }

    public ScriptModule? GetModule(string name)
    {
        foreach (var m in _modules)
        {
            if (m.Name == name)
            {
                return m;
            }
        }

        return null;
    }

    internal void AddModule(ScriptModule module) => _modules.Add(module);

    /// <summary>The script compiled over this registry, once compilation succeeded (modules find routes by name here, e.g. tm's local_route).</summary>
    public CompiledScript? Script { get; internal set; }

    /// <summary>The transaction module's replier, when tm is loaded (used by signaling's <c>send_reply</c>).</summary>
    public IStatefulReplier? StatefulReplier { get; set; }

    /// <summary>Hooks run before each forwarded request is written, in registration order.</summary>
    public IReadOnlyList<IRequestForwardHook> ForwardHooks => _forwardHooks;

    public void AddForwardHook(IRequestForwardHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        _forwardHooks.Add(hook);
    }

    /// <summary>The slot of <c>$var(name)</c>.</summary>
    public int VariableSlot(string name) => Slot(_vars, name);

    /// <summary>The slot of <c>$avp(name)</c>.</summary>
    public int AvpSlot(string name) => Slot(_avps, name);

    /// <summary>
    /// The bit of a flag: a number 0–63 is itself; a name gets the next free bit (OpenSIPS 3 names flags). Returns -1
    /// when all 64 are taken or the number is out of range.
    /// </summary>
    public int FlagBit(string nameOrNumber, bool branchFlag)
    {
        ArgumentNullException.ThrowIfNull(nameOrNumber);
        if (int.TryParse(nameOrNumber, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return n is >= 0 and < 64 ? n : -1;
        }

        var table = branchFlag ? _branchFlags : _flags;
        if (table.TryGetValue(nameOrNumber, out var bit))
        {
            return bit;
        }

        // Named flags take bits from the top down so they rarely collide with numeric flags used alongside.
        bit = 63 - table.Count;
        if (bit < 0)
        {
            return -1;
        }

        table[nameOrNumber] = bit;
        return bit;
    }

    /// <summary>Name of a flag bit if it was named, else its number (for MI and logs).</summary>
    public string FlagName(int bit, bool branchFlag)
    {
        foreach (var (name, value) in branchFlag ? _branchFlags : _flags)
        {
            if (value == bit)
            {
                return name;
            }
        }

        return bit.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int Slot(Dictionary<string, int> table, string name)
    {
        if (!table.TryGetValue(name, out var slot))
        {
            slot = table.Count;
            table[name] = slot;
        }

        return slot;
    }
}

/// <summary>
/// A built-in module (<c>loadmodule "rr.so"</c>): its parameters, and what it adds to scripts. One instance per loaded
/// configuration, so module state (parameters, tables) belongs to that configuration.
/// </summary>
public abstract class ScriptModule
{
    /// <summary>The OpenSIPS module name (<c>rr</c>, <c>sl</c>, <c>tm</c>…).</summary>
    public abstract string Name { get; }

    /// <summary>Modules that must be loaded too (OpenSIPS's module dependencies).</summary>
    public virtual IReadOnlyList<string> Dependencies => [];

    /// <summary>Its <c>modparam</c> parameters.</summary>
    public virtual IReadOnlyList<ModuleParameter> Parameters => [];

    /// <summary>Adds the module's functions, pseudo-variables and transformations.</summary>
    public abstract void Register(ScriptRegistry registry);

    /// <summary>
    /// Called after every <c>modparam</c> is applied and every module registered, before routes are compiled: checks
    /// parameter combinations and finds other modules. Returns an error message, or null.
    /// </summary>
    public virtual string? Initialize(ScriptRegistry registry) => null;
}

/// <summary>The type of a module parameter value.</summary>
public enum ModuleParameterType
{
    Int,
    String,
}

/// <summary>
/// A <c>modparam</c> parameter: its name and type, and what setting it does (returns an error message or null).
/// <see cref="Multi"/> parameters accumulate: each <c>modparam</c> adds a value, as OpenSIPS's list parameters.
/// </summary>
public sealed record ModuleParameter(string Name, ModuleParameterType Type, Func<ScriptValue, string?> Set, bool Multi = false)
{
    /// <summary>An integer parameter with an inclusive range.</summary>
    public static ModuleParameter Int(string name, Action<long> set, long min = long.MinValue, long max = long.MaxValue) =>
        new(name, ModuleParameterType.Int, v =>
        {
            var n = v.AsInt();
            if (n < min || n > max)
            {
                return $"must be between {min} and {max}, got {n}";
            }

            set(n);
            return null;
        });

    public static ModuleParameter String(string name, Action<string> set, bool multi = false) =>
        new(name, ModuleParameterType.String, v =>
        {
            set(v.AsString());
            return null;
        }, multi);

    /// <summary>A string parameter checked by <paramref name="set"/> (which returns an error or null).</summary>
    public static ModuleParameter CheckedString(string name, Func<string, string?> set, bool multi = false) =>
        new(name, ModuleParameterType.String, v => set(v.AsString()), multi);
}

/// <summary>Regular expressions of scripts: POSIX extended syntax as OpenSIPS uses, compiled once.</summary>
public static class ScriptRegex
{
    private static readonly ConcurrentDictionary<(string, RegexOptions), Regex?> Cache = new();

    /// <summary>
    /// A script regex runs on text from the network: a pattern that backtracks badly must not stall a worker (and with
    /// it every call hashed to it), so matching gives up after this long and the match counts as failed.
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>Compiles a pattern (case-insensitive, as OpenSIPS's <c>=~</c>); null with the reason when it is invalid.</summary>
    public static Regex? TryCreate(string pattern, RegexOptions extra, out string error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        error = string.Empty;
        try
        {
            return new Regex(TranslatePosix(pattern), RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Compiled | extra, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>Matches, treating a match that runs past <see cref="MatchTimeout"/> as no match (and logging it).</summary>
    public static bool IsMatch(ScriptContext context, Regex regex, ReadOnlySpan<char> input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            ScriptLog.RegexTimeout(context.Host.CoreLogger, regex.ToString(), input.Length);
            return false;
        }
    }

    /// <summary>A pattern known only at run time (a variable on the right of <c>=~</c>), cached; null when invalid.</summary>
    public static Regex? GetDynamic(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (Cache.Count > 1024)
        {
            Cache.Clear();
        }

        return Cache.GetOrAdd((pattern, RegexOptions.None), static key => TryCreate(key.Item1, key.Item2, out _));
    }

    /// <summary>POSIX bracket classes (<c>[[:digit:]]</c>) to .NET syntax; the rest of ERE is valid .NET syntax.</summary>
    internal static string TranslatePosix(string pattern) => pattern.Contains("[:", StringComparison.Ordinal)
        ? pattern
            .Replace("[:digit:]", "0-9", StringComparison.Ordinal)
            .Replace("[:alpha:]", "a-zA-Z", StringComparison.Ordinal)
            .Replace("[:alnum:]", "a-zA-Z0-9", StringComparison.Ordinal)
            .Replace("[:upper:]", "A-Z", StringComparison.Ordinal)
            .Replace("[:lower:]", "a-z", StringComparison.Ordinal)
            .Replace("[:space:]", " \\t\\r\\n\\v\\f", StringComparison.Ordinal)
            .Replace("[:blank:]", " \\t", StringComparison.Ordinal)
            .Replace("[:xdigit:]", "0-9A-Fa-f", StringComparison.Ordinal)
            .Replace("[:punct:]", "!-/:-@\\[-`{-~", StringComparison.Ordinal)
        : pattern;
}
