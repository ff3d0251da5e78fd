using System.Text;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Compilation;

public sealed partial class ScriptCompiler
{
    private ScriptFunctionBody CompileCall(CallExpression call)
    {
        var body = BindCall(call);
        return context =>
        {
            var result = body(context);
            context.ReturnCode = result;
            if (result == 0)
            {
                // OpenSIPS: a function returning 0 stops the script.
                context.ExitRequested = true;
            }

            return result;
        };
    }

    /// <summary>The bound body of a call, without the $rc bookkeeping (callers add it).</summary>
    private ScriptFunctionBody BindCall(CallExpression call)
    {
        if (!_registry.TryGetFunction(call.Name, out var function))
        {
            var message = _registry.UnloadedFunctions.TryGetValue(call.Name, out var module)
                ? $"unknown function '{call.Name}': it is provided by module '{module}', which is not loaded (add loadmodule \"{module}.so\")"
                : call.Name == "route"
                    ? "route() must be called as a statement: route(name);"
                    : $"unknown function '{call.Name}'";
            Error(call.Line, call.Column, message, call.Name);
            return static _ => -1;
        }

        var count = call.Arguments.Count;
        if (count < function.MinArgs || count > function.MaxArgs)
        {
            var expected = function.MinArgs == function.MaxArgs
                ? $"{function.MinArgs} argument{(function.MinArgs == 1 ? "" : "s")}"
                : $"{function.MinArgs} to {function.MaxArgs} arguments";
            Error(call.Line, call.Column, $"function '{call.Name}' takes {expected}, got {count}", call.Name);
            return static _ => -1;
        }

        _currentRoute?.Calls.Add((function, _file, call.Line, call.Column));
        var binder = new CallSiteBinder(this, call);
        ScriptFunctionBody? body;
        try
        {
            body = function.Bind(binder);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            Error(call.Line, call.Column, $"{call.Name}(): {e.Message}", call.Name);
            return static _ => -1;
        }

        if (body is null || binder.Failed)
        {
            if (!binder.Failed)
            {
                Error(call.Line, call.Column, $"bad arguments for {call.Name}()", call.Name);
            }

            return static _ => -1;
        }

        return body;
    }

    /// <summary>
    /// A function argument: literals are constants; a string with <c>$</c> is a format whose pseudo-variables are
    /// expanded when called (OpenSIPS's "format" parameters); a bare word is its own name as a string (flag names,
    /// <c>L_ERR</c>); anything else is an expression.
    /// </summary>
    private CompiledArgument? CompileArgument(Expression e)
    {
        switch (e)
        {
            case EmptyArgument:
                return null;
            case NumberLiteral n:
                var number = ScriptValue.FromInt(n.Value);
                return new CompiledArgument(_ => number, true, number, Describe(e), e.Line, e.Column);
            case IdentifierExpression id when !LegacyOperands.ContainsKey(id.Name):
                var word = ScriptValue.FromString(id.Name);
                return new CompiledArgument(_ => word, true, word, id.Name, e.Line, e.Column);
            case StringLiteral s:
                return CompileFormat(s.Value, s.Line, s.Column);
            default:
                var value = CompileValue(e);
                return new CompiledArgument(value, false, ScriptValue.Null, Describe(e), e.Line, e.Column);
        }
    }

    /// <summary>Compiles a string with embedded pseudo-variables (<c>"caller $fU to $rU"</c>).</summary>
    internal CompiledArgument CompileFormat(string text, int line, int column)
    {
        var parts = new List<object>(); // string literal pieces and PvAccessors
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '$' && i + 1 < text.Length && TryScanPv(text, i, out var end))
            {
                var raw = text[i..end];
                var reference = PvRef.Parse(raw);
                if (_registry.TryGetPseudoVariable(reference.Name, out _))
                {
                    if (literal.Length > 0)
                    {
                        parts.Add(literal.ToString());
                        literal.Clear();
                    }

                    var accessor = BindPv(reference, line, column);
                    if (accessor is not null)
                    {
                        parts.Add(accessor);
                    }

                    i = end;
                    continue;
                }
            }

            literal.Append(c);
            i++;
        }

        if (literal.Length > 0)
        {
            parts.Add(literal.ToString());
        }

        var display = "\"" + text + "\"";
        if (parts.Count == 0)
        {
            var empty = ScriptValue.Empty;
            return new CompiledArgument(_ => empty, true, empty, display, line, column);
        }

        if (parts.Count == 1 && parts[0] is string only)
        {
            var constant = ScriptValue.FromString(only);
            return new CompiledArgument(_ => constant, true, constant, display, line, column);
        }

        if (parts.Count == 1 && parts[0] is PvAccessor single)
        {
            var get = single.Get;

            // A lone pseudo-variable keeps its value (no string built), NULL printed as "<null>" like OpenSIPS.
            return new CompiledArgument(context => get(context) is { IsNull: true } ? ScriptValue.FromString("<null>") : get(context), false, ScriptValue.Null, display, line, column);
        }

        var array = parts.ToArray();
        return new CompiledArgument(context => ScriptValue.FromString(Format(context, array)), false, ScriptValue.Null, display, line, column);
    }

    private static string Format(ScriptContext context, object[] parts)
    {
        var builder = context.FormatBuilder;
        builder.Clear();
        foreach (var part in parts)
        {
            if (part is string s)
            {
                builder.Append(s);
            }
            else
            {
                var value = ((PvAccessor)part).Get(context);
                if (value.IsNull)
                {
                    builder.Append("<null>");
                }
                else
                {
                    builder.Append(context.GetChars(value));
                }
            }
        }

        return builder.ToString();
    }

    /// <summary>Finds the end of a pseudo-variable starting at <paramref name="start"/> ('$') in a format string.</summary>
    internal static bool TryScanPv(string text, int start, out int end)
    {
        end = start + 1;
        if (end >= text.Length)
        {
            return false;
        }

        if (text[end] == '(')
        {
            return SkipGroup(text, ref end, '(', ')');
        }

        var nameStart = end;
        while (end < text.Length && PvRef.IsNameChar(text[end]))
        {
            end++;
        }

        // A trailing '.' ends a sentence, not the name ("$ru.").
        while (end > nameStart && text[end - 1] == '.')
        {
            end--;
        }

        if (end == nameStart)
        {
            return false;
        }

        if (end < text.Length && text[end] == '(' && !SkipGroup(text, ref end, '(', ')'))
        {
            return false;
        }

        if (end < text.Length && text[end] == '[')
        {
            var save = end;
            if (!SkipGroup(text, ref end, '[', ']'))
            {
                end = save;
            }
        }

        return true;
    }

    private static bool SkipGroup(string text, ref int i, char open, char close)
    {
        var depth = 0;
        for (; i < text.Length; i++)
        {
            if (text[i] == open)
            {
                depth++;
            }
            else if (text[i] == close && --depth == 0)
            {
                i++;
                return true;
            }
        }

        return false;
    }

    /// <summary>The <see cref="FunctionBinder"/> of one call site.</summary>
    private sealed class CallSiteBinder : FunctionBinder
    {
        private readonly ScriptCompiler _compiler;
        private readonly CallExpression _call;
        private readonly CompiledArgument?[] _arguments;

        public CallSiteBinder(ScriptCompiler compiler, CallExpression call)
        {
            _compiler = compiler;
            _call = call;
            _arguments = new CompiledArgument?[call.Arguments.Count];
            for (var i = 0; i < _arguments.Length; i++)
            {
                _arguments[i] = compiler.CompileArgument(call.Arguments[i]);
            }
        }

        public bool Failed { get; private set; }

        public override string FunctionName => _call.Name;

        public override int Count => _arguments.Length;

        public override ScriptRegistry Registry => _compiler._registry;

        public override bool IsMissing(int index) => index >= _arguments.Length || _arguments[index] is null;

        public override CompiledArgument? Argument(int index) => index < _arguments.Length ? _arguments[index] : null;

        public override void Error(int index, string message)
        {
            Failed = true;
            if (index < _call.Arguments.Count)
            {
                var e = _call.Arguments[index];
                _compiler.Error(e.Line, e.Column, message, _arguments[index]?.Text ?? Describe(e));
            }
            else
            {
                _compiler.Error(_call.Line, _call.Column, message, _call.Name);
            }
        }

        public override void Error(string message)
        {
            Failed = true;
            _compiler.Error(_call.Line, _call.Column, message, _call.Name);
        }

        public override RouteHandle? RouteReference(int index, RouteType type)
        {
            if (!TryGetConstantString(index, out var name))
            {
                return null;
            }

            var e = _call.Arguments[index];
            var handle = _compiler.Reference(type, name, e.Line, e.Column, name);
            if (type == RouteType.Request)
            {
                _compiler._currentRoute?.Callees.Add(handle);
            }

            return handle;
        }

        public override int Flag(int index, bool branchFlag = false)
        {
            if (!TryGetConstantString(index, out var name))
            {
                return -1;
            }

            var bit = Registry.FlagBit(name, branchFlag);
            if (bit < 0)
            {
                Error(index, $"bad {(branchFlag ? "branch " : "")}flag '{name}': a number must be 0-63, and at most 64 flags can be named");
            }

            return bit;
        }

        public override PvAccessor? WritableVariable(int index)
        {
            if (index >= _call.Arguments.Count || _call.Arguments[index] is not PseudoVariableExpression pv)
            {
                Error(index, $"argument {index + 1} of {FunctionName}() must be a writable pseudo-variable such as $var(x) or $avp(x)");
                return null;
            }

            var accessor = _compiler.BindPv(pv.Ref, pv.Line, pv.Column);
            if (accessor is null)
            {
                Failed = true;
                return null;
            }

            if (accessor.Set is null)
            {
                Error(index, $"{accessor.Name} cannot be written (read-only pseudo-variable)");
                return null;
            }

            return accessor;
        }
    }
}
