using System.Text.RegularExpressions;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Runtime;

/// <summary>Evaluates a compiled expression.</summary>
public delegate ScriptValue ScriptEvaluator(ScriptContext context);

/// <summary>
/// A bound script function call. The result follows OpenSIPS: positive is success (true in a condition), negative is
/// failure (false), 0 stops the script.
/// </summary>
public delegate int ScriptFunctionBody(ScriptContext context);

/// <summary>Writes a pseudo-variable; NULL deletes (for AVPs) or resets it.</summary>
public delegate void PvSetter(ScriptContext context, ScriptValue value);

/// <summary>Applies one transformation (<c>{s.len}</c>, <c>{uri.user}</c>…) to a value.</summary>
public delegate ScriptValue TransformFunc(ScriptContext context, ScriptValue input);

/// <summary>Route types where a function may be called (OpenSIPS's REQUEST_ROUTE | FAILURE_ROUTE …).</summary>
[Flags]
public enum RouteMask
{
    None = 0,
    Request = 1 << RouteType.Request,
    Branch = 1 << RouteType.Branch,
    Failure = 1 << RouteType.Failure,
    OnReply = 1 << RouteType.OnReply,
    Local = 1 << RouteType.Local,
    Error = 1 << RouteType.Error,
    Startup = 1 << RouteType.Startup,
    Timer = 1 << RouteType.Timer,
    Event = 1 << RouteType.Event,

    /// <summary>Routes that have a SIP request.</summary>
    AnyRequest = Request | Branch | Failure | Local | Error,

    /// <summary>Routes that have a SIP message (request or reply).</summary>
    AnyMessage = AnyRequest | OnReply,

    All = AnyMessage | Startup | Timer | Event,
}

public static class RouteMaskExtensions
{
    public static RouteMask ToMask(this RouteType type) => (RouteMask)(1 << (int)type);

    /// <summary>The OpenSIPS name of a route type, as used in messages ("request route", "failure_route"…).</summary>
    public static string ScriptName(this RouteType type) => type switch
    {
        RouteType.Request => "route",
        RouteType.Branch => "branch_route",
        RouteType.Failure => "failure_route",
        RouteType.OnReply => "onreply_route",
        RouteType.Local => "local_route",
        RouteType.Error => "error_route",
        RouteType.Startup => "startup_route",
        RouteType.Timer => "timer_route",
        _ => "event_route",
    };
}

/// <summary>
/// A function scripts can call. <see cref="Bind"/> runs once per call site at compile time: it checks the arguments
/// (reporting errors through the binder) and returns the body to run, or null when the call is invalid.
/// </summary>
public sealed record ScriptFunctionDefinition(string Name, int MinArgs, int MaxArgs, RouteMask AllowedIn, Func<FunctionBinder, ScriptFunctionBody?> Bind)
{
    /// <summary>The module that provides it ("core" for built-ins).</summary>
    public string Module { get; init; } = "core";
}

/// <summary>One compiled argument of a function call.</summary>
public sealed class CompiledArgument
{
    public CompiledArgument(ScriptEvaluator evaluate, bool isConstant, ScriptValue constant, string text, int line, int column)
    {
        Evaluate = evaluate;
        IsConstant = isConstant;
        Constant = constant;
        Text = text;
        Line = line;
        Column = column;
    }

    /// <summary>Evaluates the argument: a literal, a pseudo-variable, an expression, or a string with <c>$pv</c>s interpolated.</summary>
    public ScriptEvaluator Evaluate { get; }

    /// <summary>True when the value is known at compile time (a literal without pseudo-variables).</summary>
    public bool IsConstant { get; }

    public ScriptValue Constant { get; }

    /// <summary>The argument's source text, for messages.</summary>
    public string Text { get; }

    public int Line { get; }

    public int Column { get; }
}

/// <summary>What a function's binder sees of one call site: its arguments, and ways to report errors at them.</summary>
public abstract class FunctionBinder
{
    public abstract string FunctionName { get; }

    /// <summary>Number of arguments written (including skipped ones, as in <c>f( , "x")</c>).</summary>
    public abstract int Count { get; }

    /// <summary>The script being compiled (flag names, route references, module lookups).</summary>
    public abstract ScriptRegistry Registry { get; }

    /// <summary>True when argument <paramref name="index"/> is absent or skipped.</summary>
    public abstract bool IsMissing(int index);

    /// <summary>The compiled argument; null when missing.</summary>
    public abstract CompiledArgument? Argument(int index);

    /// <summary>Reports an error at an argument (or at the call for an index out of range).</summary>
    public abstract void Error(int index, string message);

    /// <summary>Reports an error at the call.</summary>
    public abstract void Error(string message);

    /// <summary>
    /// A route this call refers to (<c>t_on_failure("1")</c>): resolved once all routes are known; an undefined route
    /// is reported at the argument.
    /// </summary>
    public abstract RouteHandle? RouteReference(int index, RouteType type);

    /// <summary>The bit of a script flag (name or number), allocating one for a new name; -1 after reporting an error.</summary>
    public abstract int Flag(int index, bool branchFlag = false);

    /// <summary>The pseudo-variable written by argument <paramref name="index"/> (it must be writable); null after an error.</summary>
    public abstract PvAccessor? WritableVariable(int index);

    /// <summary>A constant string argument; reports "must be a constant string" otherwise.</summary>
    public bool TryGetConstantString(int index, out string value)
    {
        var argument = Argument(index);
        if (argument is { IsConstant: true, Constant.IsString: true } || argument is { IsConstant: true, Constant.IsInt: true })
        {
            value = argument.Constant.AsString();
            return true;
        }

        Error(index, $"argument {index + 1} of {FunctionName}() must be a constant string");
        value = string.Empty;
        return false;
    }

    /// <summary>A constant integer argument (a number, or a string holding one).</summary>
    public bool TryGetConstantInt(int index, out long value)
    {
        var argument = Argument(index);
        if (argument is { IsConstant: true } && argument.Constant.TryGetInt(out value))
        {
            return true;
        }

        Error(index, $"argument {index + 1} of {FunctionName}() must be an integer, got '{argument?.Text}'");
        value = 0;
        return false;
    }

    /// <summary>An argument evaluated at run time as an integer: a constant is checked now, a variable converted when called.</summary>
    public ScriptEvaluator? IntArgument(int index)
    {
        var argument = Argument(index);
        if (argument is null)
        {
            Error(index, $"{FunctionName}() needs argument {index + 1}");
            return null;
        }

        if (argument.IsConstant && !argument.Constant.TryGetInt(out _))
        {
            Error(index, $"argument {index + 1} of {FunctionName}() must be an integer, got '{argument.Text}'");
            return null;
        }

        return argument.Evaluate;
    }

    /// <summary>
    /// A constant regular expression (POSIX extended syntax, matched case-insensitively as OpenSIPS does); a bad
    /// pattern is reported with the reason.
    /// </summary>
    public Regex? ConstantRegex(int index, RegexOptions extra = RegexOptions.None)
    {
        if (!TryGetConstantString(index, out var pattern))
        {
            return null;
        }

        var regex = ScriptRegex.TryCreate(pattern, extra, out var error);
        if (regex is null)
        {
            Error(index, $"bad regular expression '{pattern}': {error}");
        }

        return regex;
    }
}

/// <summary>A named route, resolved when the script is compiled; calls go through it so order of definition does not matter.</summary>
public sealed class RouteHandle
{
    internal RouteHandle(RouteType type, string? name)
    {
        Type = type;
        Name = name;
    }

    public RouteType Type { get; }

    public string? Name { get; }

    /// <summary>Options in the route's brackets (timer interval, <c>async</c>).</summary>
    public string? Options { get; internal set; }

    internal ScriptExecutor? Body { get; set; }

    /// <summary>True once the route's body is compiled (false for a reference to an undefined route).</summary>
    public bool IsDefined => Body is not null;

    /// <summary>
    /// Runs the route as <paramref name="routeType"/> and returns its return code (OpenSIPS: 1 when it ends without
    /// <c>return</c>; <c>exit</c> and <c>drop</c> stop the whole script and are reported through the context).
    /// </summary>
    public int Run(ScriptContext context, RouteType routeType)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Body is null)
        {
            return -1;
        }

        var saved = context.RouteType;
        context.RouteType = routeType;
        try
        {
            var flow = Body(context);
            return flow == Flow.Return ? context.ReturnCode : 1;
        }
        finally
        {
            context.RouteType = saved;
        }
    }

    /// <summary>Runs the route as its own type.</summary>
    public int Run(ScriptContext context) => Run(context, Type);

    public override string ToString() => Name is null ? Type.ScriptName() : $"{Type.ScriptName()}[{Name}]";
}

/// <summary>How a statement ends.</summary>
internal enum Flow
{
    Next,
    Break,
    Return,
    Exit,
}

/// <summary>Executes a compiled statement.</summary>
internal delegate Flow ScriptExecutor(ScriptContext context);

/// <summary>A readable and perhaps writable pseudo-variable bound at compile time.</summary>
public sealed class PvAccessor
{
    public PvAccessor(string name, ScriptEvaluator get, PvSetter? set = null)
    {
        Name = name;
        Get = get;
        Set = set;
    }

    /// <summary>The pseudo-variable as written, for messages.</summary>
    public string Name { get; }

    public ScriptEvaluator Get { get; }

    /// <summary>Null when the pseudo-variable is read-only.</summary>
    public PvSetter? Set { get; }

    /// <summary>
    /// For assignments with <c>=</c> to a multi-value variable (<c>$avp</c>): adds rather than replaces. Null means
    /// <c>=</c> and <c>:=</c> both use <see cref="Set"/>.
    /// </summary>
    public PvSetter? Add { get; init; }

    /// <summary>For <c>for (... in $(avp(x)[*]))</c>: every value, newest first. Null for single-valued variables.</summary>
    public Action<ScriptContext, List<ScriptValue>>? GetAll { get; init; }
}

/// <summary>A pseudo-variable reference to bind: name, argument, index, and how to report an error.</summary>
public sealed class PvBindRequest
{
    private readonly Action<string> _error;

    internal PvBindRequest(PvRef reference, ScriptRegistry registry, Action<string> error)
    {
        Reference = reference;
        Registry = registry;
        _error = error;
    }

    internal PvRef Reference { get; }

    public ScriptRegistry Registry { get; }

    /// <summary>The pseudo-variable's name (<c>ru</c>, <c>hdr</c>, <c>avp</c>…).</summary>
    public string Name => Reference.Name;

    /// <summary>The text in parentheses (<c>From</c> in <c>$hdr(From)</c>), or null.</summary>
    public string? Argument => Reference.Inner;

    /// <summary>The index text in brackets (<c>1</c>, <c>-1</c>, <c>*</c>), or null.</summary>
    public string? Index => Reference.Index;

    /// <summary>The whole reference as written.</summary>
    public string Text => Reference.Raw;

    public void Error(string message) => _error(message);

    /// <summary>Parses <see cref="Index"/>: returns false (after reporting) for a bad index; <paramref name="all"/> for <c>*</c>.</summary>
    public bool TryGetIndex(out int index, out bool all)
    {
        index = 0;
        all = false;
        if (Index is null)
        {
            return true;
        }

        if (Index == "*")
        {
            all = true;
            return true;
        }

        if (int.TryParse(Index, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            return true;
        }

        Error($"bad index '[{Index}]' in {Text}: expected a number, a negative number or '*'");
        return false;
    }
}

/// <summary>Binds a pseudo-variable reference; returns null after reporting an error through the request.</summary>
public delegate PvAccessor? PvFactory(PvBindRequest request);

/// <summary>A transformation to bind: its name (<c>s.substr</c>) and comma-separated arguments.</summary>
public sealed class TransformBindRequest
{
    private readonly Action<string> _error;
    private readonly Func<string, ScriptEvaluator?> _compileArgument;

    internal TransformBindRequest(string name, IReadOnlyList<string> arguments, string text, ScriptRegistry registry, Action<string> error, Func<string, ScriptEvaluator?> compileArgument)
    {
        Name = name;
        Arguments = arguments;
        Text = text;
        Registry = registry;
        _error = error;
        _compileArgument = compileArgument;
    }

    public string Name { get; }

    /// <summary>The raw arguments after the name (<c>["1", "2"]</c> for <c>s.substr,1,2</c>).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The transformation as written, without braces.</summary>
    public string Text { get; }

    public ScriptRegistry Registry { get; }

    public void Error(string message) => _error(message);

    /// <summary>An argument that may be a pseudo-variable (<c>$var(i)</c>) or a literal; null after an error.</summary>
    public ScriptEvaluator? DynamicArgument(int index) =>
        index < Arguments.Count ? _compileArgument(Arguments[index]) : null;
}

/// <summary>Binds a transformation; returns null after reporting an error through the request.</summary>
public delegate TransformFunc? TransformFactory(TransformBindRequest request);
