using System.Globalization;
using System.Text;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Compilation;

/// <summary>A global parameter (<c>name = value</c>) with the file it was written in, for the server to apply.</summary>
public sealed record GlobalSetting(string File, string Name, ScriptValue? Value, string RawValue, int Line, int Column)
{
    /// <summary>Where the value starts, for errors about it.</summary>
    public int ValueLine { get; init; }

    public int ValueColumn { get; init; }
}

/// <summary>The outcome of compiling a script: the runnable script (null on errors), its global settings and every error.</summary>
public sealed record CompileResult(CompiledScript? Script, IReadOnlyList<GlobalSetting> Globals, IReadOnlyList<ScriptDiagnostic> Diagnostics)
{
    public bool Success => Script is not null && Diagnostics.Count == 0;
}

/// <summary>
/// Binds a parsed script to its modules and compiles every route to a tree of delegates, once, at start-up: names
/// (functions, pseudo-variables, transformations, routes, flags, variables) are resolved here, so running a route does
/// no lookup and no parsing. Every problem is reported with its position; compilation goes on after an error so all
/// of them are listed at once.
/// </summary>
public sealed partial class ScriptCompiler
{
    private readonly ModuleCatalog _catalog;
    private readonly List<ScriptDiagnostic> _diagnostics = [];
    private readonly ScriptRegistry _registry = new();
    private readonly Dictionary<(RouteType, string), RouteHandle> _named = [];
    private readonly Dictionary<RouteType, RouteHandle> _main = [];
    private readonly Dictionary<RouteHandle, RouteInfo> _routeInfo = [];
    private readonly List<(RouteHandle Handle, string File, int Line, int Column, string Text)> _references = [];
    private string _file = "<script>";
    private RouteInfo? _currentRoute;

    /// <summary>Per route: where it is, which functions it calls (for route-type checks), which routes it calls.</summary>
    private sealed class RouteInfo(RouteHandle handle)
    {
        public RouteHandle Handle { get; } = handle;

        public List<(ScriptFunctionDefinition Function, string File, int Line, int Column)> Calls { get; } = [];

        public List<RouteHandle> Callees { get; } = [];

        public RouteMask ReachableAs { get; set; }
    }

    private ScriptCompiler(ModuleCatalog catalog) => _catalog = catalog;

    /// <summary>Parses and compiles a configuration file's text.</summary>
    /// <param name="loader">Reads included files (path → text, null when unreadable); null disables includes.</param>
    public static CompileResult CompileText(string text, string file, ModuleCatalog catalog, Func<string, string?>? loader = null)
    {
        var parsed = Parser.Parse(text, file, loader);
        return Compile(parsed, catalog);
    }

    internal static CompileResult Compile(Syntax.ParseResult parsed, ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(catalog);
        var compiler = new ScriptCompiler(catalog);
        compiler._diagnostics.AddRange(parsed.Diagnostics);
        return compiler.Run(parsed.Script);
    }

    private CompileResult Run(ScriptFile script)
    {
        var globals = new List<GlobalSetting>();
        var loads = new List<(string File, LoadModuleDeclaration Declaration)>();
        var modparams = new List<(string File, ModParamDeclaration Declaration)>();
        var routes = new List<(string File, RouteBlock Block)>();
        Collect(script, globals, loads, modparams, routes);

        LoadModules(loads);
        ApplyModuleParameters(modparams);
        InitializeModules(loads);
        DeclareRoutes(routes);
        foreach (var (file, block) in routes)
        {
            CompileRoute(file, block);
        }

        ResolveReferences();
        CheckRouteTypes();

        _diagnostics.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.File, b.File);
            return c != 0 ? c : a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column);
        });
        var compiled = _diagnostics.Count == 0 ? new CompiledScript(_registry, _named, _main) : null;
        return new CompileResult(compiled, globals, _diagnostics);
    }

    private void Error(string file, int line, int column, string message, string text) =>
        _diagnostics.Add(new ScriptDiagnostic(file, line, column, message, text));

    private void Error(int line, int column, string message, string text) => Error(_file, line, column, message, text);

    // ------------------------------------------------------------------ declarations

    private static void Collect(
        ScriptFile script,
        List<GlobalSetting> globals,
        List<(string, LoadModuleDeclaration)> loads,
        List<(string, ModParamDeclaration)> modparams,
        List<(string, RouteBlock)> routes)
    {
        foreach (var declaration in script.Declarations)
        {
            switch (declaration)
            {
                case GlobalParameter g:
                    ScriptValue? value = g.Value switch
                    {
                        NumberLiteral n => ScriptValue.FromInt(n.Value),
                        StringLiteral s => ScriptValue.FromString(s.Value),
                        IdentifierExpression id => ScriptValue.FromString(id.Name),
                        _ => null,
                    };
                    globals.Add(new GlobalSetting(script.File, g.Name, value, g.RawValue, g.Line, g.Column) { ValueLine = g.ValueLine, ValueColumn = g.ValueColumn });
                    break;
                case LoadModuleDeclaration l:
                    loads.Add((script.File, l));
                    break;
                case ModParamDeclaration m:
                    modparams.Add((script.File, m));
                    break;
                case RouteBlock r:
                    routes.Add((script.File, r));
                    break;
                case IncludeDeclaration { Included: { } included }:
                    Collect(included, globals, loads, modparams, routes);
                    break;
            }
        }
    }

    /// <summary><c>loadmodule "path/name.so"</c> → the built-in module <c>name</c>.</summary>
    internal static string ModuleNameFromPath(string path)
    {
        var name = path;
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            name = name[(slash + 1)..];
        }

        return name.EndsWith(".so", StringComparison.Ordinal) ? name[..^3] : name;
    }

    private void LoadModules(List<(string File, LoadModuleDeclaration Declaration)> loads)
    {
        var core = new CoreModule();
        _registry.AddModule(core);
        core.Register(_registry);
        foreach (var factory in _catalog.ImplicitModules)
        {
            var module = factory();
            if (_registry.GetModule(module.Name) is null)
            {
                _registry.AddModule(module);
                module.Register(_registry);
            }
        }

        foreach (var (file, load) in loads)
        {
            var name = ModuleNameFromPath(load.Path);
            if (_registry.GetModule(name) is not null)
            {
                continue; // loading twice is harmless
            }

            if (!_catalog.TryCreate(name, out var module))
            {
                Error(file, load.Line, load.Column, $"unknown module '{name}'; this Parley has: {string.Join(", ", _catalog.Names)}", load.Path);
                continue;
            }

            _registry.AddModule(module);
            module.Register(_registry);
        }

        // Functions of modules that exist but are not loaded, to say which loadmodule a call is missing.
        var scratch = new ScriptRegistry();
        foreach (var name in _catalog.Names)
        {
            if (_registry.GetModule(name) is null && _catalog.TryCreate(name, out var module))
            {
                module.Register(scratch);
                foreach (var function in scratch.FunctionNames)
                {
                    if (!_registry.TryGetFunction(function, out _))
                    {
                        _registry.UnloadedFunctions.TryAdd(function, name);
                    }
                }
            }
        }
    }

    private void ApplyModuleParameters(List<(string File, ModParamDeclaration Declaration)> modparams)
    {
        foreach (var (file, mp) in modparams)
        {
            var module = _registry.GetModule(mp.Module);
            if (module is null)
            {
                Error(file, mp.Line, mp.Column,
                    _catalog.Contains(mp.Module)
                        ? $"modparam for module '{mp.Module}', which is not loaded: add loadmodule \"{mp.Module}.so\" before it"
                        : $"modparam for unknown module '{mp.Module}'; this Parley has: {string.Join(", ", _catalog.Names)}",
                    mp.Module);
                continue;
            }

            ModuleParameter? parameter = null;
            foreach (var p in module.Parameters)
            {
                if (p.Name == mp.Parameter)
                {
                    parameter = p;
                    break;
                }
            }

            if (parameter is null)
            {
                var known = new List<string>();
                foreach (var p in module.Parameters)
                {
                    known.Add(p.Name);
                }

                Error(file, mp.Line, mp.Column,
                    known.Count == 0 ? $"module '{mp.Module}' has no parameter '{mp.Parameter}' (it takes none)"
                        : $"module '{mp.Module}' has no parameter '{mp.Parameter}'; its parameters are: {string.Join(", ", known)}",
                    mp.Parameter);
                continue;
            }

            ScriptValue value;
            switch (mp.Value)
            {
                case NumberLiteral n:
                    value = ScriptValue.FromInt(n.Value);
                    break;
                case StringLiteral s:
                    value = ScriptValue.FromString(s.Value);
                    break;
                default:
                    Error(file, mp.Value.Line, mp.Value.Column, $"the value of modparam '{mp.Module}'/'{mp.Parameter}' must be a number or a quoted string", Describe(mp.Value));
                    continue;
            }

            if (parameter.Type == ModuleParameterType.Int && !value.TryGetInt(out _))
            {
                Error(file, mp.Value.Line, mp.Value.Column, $"modparam '{mp.Module}'/'{mp.Parameter}' expects an integer, got {Describe(mp.Value)}", Describe(mp.Value));
                continue;
            }

            if (parameter.Type == ModuleParameterType.String && value.IsInt)
            {
                value = ScriptValue.FromString(value.AsString());
            }

            string? problem;
            try
            {
                problem = parameter.Set(value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
            {
                problem = e.Message;
            }

            if (problem is not null)
            {
                Error(file, mp.Value.Line, mp.Value.Column, $"bad value for modparam '{mp.Module}'/'{mp.Parameter}': {problem}", Describe(mp.Value));
            }
        }
    }

    private void InitializeModules(List<(string File, LoadModuleDeclaration Declaration)> loads)
    {
        foreach (var module in _registry.Modules)
        {
            (string File, LoadModuleDeclaration Declaration)? where = null;
            foreach (var load in loads)
            {
                if (ModuleNameFromPath(load.Declaration.Path) == module.Name)
                {
                    where = load;
                    break;
                }
            }

            foreach (var dependency in module.Dependencies)
            {
                if (_registry.GetModule(dependency) is null && where is { } w)
                {
                    Error(w.File, w.Declaration.Line, w.Declaration.Column, $"module '{module.Name}' needs module '{dependency}': add loadmodule \"{dependency}.so\"", w.Declaration.Path);
                }
            }

            var problem = module.Initialize(_registry);
            if (problem is not null)
            {
                if (where is { } w)
                {
                    Error(w.File, w.Declaration.Line, w.Declaration.Column, $"module '{module.Name}': {problem}", w.Declaration.Path);
                }
                else
                {
                    Error(_file, 1, 1, $"module '{module.Name}': {problem}", module.Name);
                }
            }
        }
    }

    // ------------------------------------------------------------------ routes

    private void DeclareRoutes(List<(string File, RouteBlock Block)> routes)
    {
        foreach (var (file, block) in routes)
        {
            var isMain = block.Name is null || (block.Type == RouteType.Request && block.Name is "0" or "main");
            RouteHandle handle;
            if (isMain)
            {
                if (_main.TryGetValue(block.Type, out var existing) && existing.IsDefined)
                {
                    Error(file, block.Line, block.Column, $"a second unnamed {block.Type.ScriptName()} block; only one is allowed", block.Type.ScriptName());
                    continue;
                }

                handle = new RouteHandle(block.Type, null);
                _main[block.Type] = handle;
            }
            else
            {
                var key = (block.Type, block.Name!);
                if (_named.TryGetValue(key, out var existing) && existing.Body is not null)
                {
                    Error(file, block.Line, block.Column, $"{block.Type.ScriptName()}[{block.Name}] is defined twice", block.Name!);
                    continue;
                }

                handle = existing ?? new RouteHandle(block.Type, block.Name);
                _named[key] = handle;
            }

            handle.Options = block.Options;
            if (block.Type == RouteType.Timer && !TimerInterval(block.Options, out _))
            {
                Error(file, block.Line, block.Column, $"timer_route[{block.Name}] needs an interval in seconds (a positive whole number), got '{block.Options}'", block.Options ?? string.Empty);
            }

            // Mark as being defined so references resolve; the body is set when compiled.
            handle.Body = static _ => Flow.Next;
            _routeInfo[handle] = new RouteInfo(handle);
        }
    }

    /// <summary>The interval of a timer route's options (<c>"60"</c> or <c>"60,async"</c>).</summary>
    public static bool TimerInterval(string? options, out int seconds)
    {
        seconds = 0;
        if (options is null)
        {
            return false;
        }

        var comma = options.IndexOf(',', StringComparison.Ordinal);
        var text = comma >= 0 ? options[..comma] : options;
        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds) && seconds > 0;
    }

    private void CompileRoute(string file, RouteBlock block)
    {
        _file = file;
        var isMain = block.Name is null || (block.Type == RouteType.Request && block.Name is "0" or "main");
        var handle = isMain ? _main.GetValueOrDefault(block.Type) : _named.GetValueOrDefault((block.Type, block.Name!));
        if (handle is null || !_routeInfo.TryGetValue(handle, out var info))
        {
            return;
        }

        _currentRoute = info;
        if (isMain || block.Type != RouteType.Request)
        {
            info.ReachableAs = block.Type.ToMask();
        }

        handle.Body = CompileBlock(block.Body.Statements);
        _currentRoute = null;
    }

    /// <summary>A route referenced by name: <c>route(x)</c> or a module's <c>t_on_failure("x")</c>; checked once all are declared.</summary>
    private RouteHandle Reference(RouteType type, string name, int line, int column, string text)
    {
        var key = (type, name);
        if (!_named.TryGetValue(key, out var handle))
        {
            handle = new RouteHandle(type, name);
            _named[key] = handle;
        }

        _references.Add((handle, _file, line, column, text));
        return handle;
    }

    private void ResolveReferences()
    {
        foreach (var (handle, file, line, column, text) in _references)
        {
            if (!handle.IsDefined)
            {
                Error(file, line, column, $"{handle.Type.ScriptName()}[{handle.Name}] is not defined", text);
            }
        }
    }

    /// <summary>
    /// A function may only be called in the route types its module allows. A named <c>route[x]</c> runs as whatever
    /// calls it, so its calls are checked against every route type it is reachable from.
    /// </summary>
    private void CheckRouteTypes()
    {
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var info in _routeInfo.Values)
            {
                foreach (var callee in info.Callees)
                {
                    if (_routeInfo.TryGetValue(callee, out var target) && (target.ReachableAs | info.ReachableAs) != target.ReachableAs)
                    {
                        target.ReachableAs |= info.ReachableAs;
                        changed = true;
                    }
                }
            }
        }

        foreach (var info in _routeInfo.Values)
        {
            foreach (var (function, file, line, column) in info.Calls)
            {
                var bad = info.ReachableAs & ~function.AllowedIn;
                if (bad == RouteMask.None)
                {
                    continue;
                }

                var where = info.Handle.Type == RouteType.Request && info.Handle.Name is not null
                    ? $" (route[{info.Handle.Name}] is called from {Describe(info.ReachableAs)})"
                    : string.Empty;
                Error(file, line, column, $"function '{function.Name}' cannot be used in {Describe(bad)}{where}; it is allowed in {Describe(function.AllowedIn)}", function.Name);
            }
        }
    }

    private static string Describe(RouteMask mask)
    {
        var names = new StringBuilder();
        for (var t = RouteType.Request; t <= RouteType.Event; t++)
        {
            if ((mask & t.ToMask()) != 0)
            {
                if (names.Length > 0)
                {
                    names.Append(", ");
                }

                names.Append(t.ScriptName());
            }
        }

        return names.Length == 0 ? "no route" : names.ToString();
    }

    private static string Describe(Expression e) => e switch
    {
        NumberLiteral n => n.Value.ToString(CultureInfo.InvariantCulture),
        StringLiteral s => $"\"{s.Value}\"",
        PseudoVariableExpression p => p.Ref.Raw,
        IdentifierExpression i => i.Name,
        CallExpression c => c.Name + "(...)",
        NullLiteral => "NULL",
        AddressLiteral a => a.Text,
        _ => "an expression",
    };
}
