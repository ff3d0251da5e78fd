using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Modules.Tests.TestSupport;

/// <summary>
/// Binds a module function the way the script compiler will: constant arguments, or evaluators standing for
/// pseudo-variables. Errors are collected instead of reported.
/// </summary>
public sealed class FakeBinder : FunctionBinder
{
    private readonly CompiledArgument?[] _arguments;

    private FakeBinder(ScriptRegistry registry, string name, CompiledArgument?[] arguments)
    {
        Registry = registry;
        FunctionName = name;
        _arguments = arguments;
    }

    public List<string> Errors { get; } = [];

    public override string FunctionName { get; }

    public override int Count => _arguments.Length;

    public override ScriptRegistry Registry { get; }

    /// <summary>A constant argument (a string or a long); null for a skipped one.</summary>
    public static CompiledArgument? Constant(object? value)
    {
        if (value is null)
        {
            return null;
        }

        var v = value is long or int ? ScriptValue.FromInt(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)) : ScriptValue.FromString((string)value);
        return new CompiledArgument(_ => v, true, v, value.ToString()!, 1, 1);
    }

    /// <summary>An argument known only when the function runs (a pseudo-variable).</summary>
    public static CompiledArgument Variable(Func<ScriptContext, ScriptValue> evaluate, string text = "$var(x)") =>
        new(new ScriptEvaluator(evaluate), false, default, text, 1, 1);

    /// <summary>Binds <paramref name="name"/> from <paramref name="registry"/> with constant arguments.</summary>
    public static (ScriptFunctionBody? Body, FakeBinder Binder) Bind(ScriptRegistry registry, string name, params object?[] arguments)
    {
        var compiled = new CompiledArgument?[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            compiled[i] = arguments[i] as CompiledArgument ?? Constant(arguments[i]);
        }

        return BindCompiled(registry, name, compiled);
    }

    public static (ScriptFunctionBody? Body, FakeBinder Binder) BindCompiled(ScriptRegistry registry, string name, CompiledArgument?[] arguments)
    {
        Assert.True(registry.TryGetFunction(name, out var definition), $"{name} is not registered");
        Assert.InRange(arguments.Length, definition.MinArgs, definition.MaxArgs);
        var binder = new FakeBinder(registry, name, arguments);
        return (definition.Bind(binder), binder);
    }

    /// <summary>Binds and asserts success.</summary>
    public static ScriptFunctionBody BindOk(ScriptRegistry registry, string name, params object?[] arguments)
    {
        var (body, binder) = Bind(registry, name, arguments);
        Assert.Empty(binder.Errors);
        Assert.NotNull(body);
        return body;
    }

    public override bool IsMissing(int index) => index >= _arguments.Length || _arguments[index] is null;

    public override CompiledArgument? Argument(int index) => index < _arguments.Length ? _arguments[index] : null;

    public override void Error(int index, string message) => Errors.Add($"arg {index + 1}: {message}");

    public override void Error(string message) => Errors.Add(message);

    public override RouteHandle? RouteReference(int index, RouteType type) => null;

    public override int Flag(int index, bool branchFlag = false) => -1;

    public override PvAccessor? WritableVariable(int index) => null;
}
