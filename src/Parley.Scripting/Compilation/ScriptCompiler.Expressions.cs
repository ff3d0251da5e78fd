using System.Globalization;
using System.Text.RegularExpressions;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Compilation;

public sealed partial class ScriptCompiler
{
    private delegate bool Condition(ScriptContext context);

    private delegate ScriptValue Combiner(ScriptContext context, ScriptValue left, ScriptValue right);

    /// <summary>OpenSIPS 1.x keywords still accepted in conditions, as the pseudo-variable they mean.</summary>
    private static readonly Dictionary<string, string> LegacyOperands = new(StringComparer.Ordinal)
    {
        ["uri"] = "$ru",
        ["method"] = "$rm",
        ["status"] = "$rs",
        ["from_uri"] = "$fu",
        ["to_uri"] = "$tu",
        ["src_ip"] = "$si",
        ["src_port"] = "$sp",
        ["dst_ip"] = "$Ri",
        ["dst_port"] = "$Rp",
        ["proto"] = "$pr",
    };

    // ------------------------------------------------------------------ conditions

    private Condition CompileCondition(Expression e)
    {
        switch (e)
        {
            case UnaryExpression { Operator: TokenKind.Not } not:
                var inner = CompileCondition(not.Operand);
                return context => !inner(context) && !context.ExitRequested;
            case BinaryExpression { Operator: TokenKind.AndAnd } and:
                var l = CompileCondition(and.Left);
                var r = CompileCondition(and.Right);
                return context => l(context) && !context.ExitRequested && r(context);
            case BinaryExpression { Operator: TokenKind.OrOr } or:
                var a = CompileCondition(or.Left);
                var b = CompileCondition(or.Right);
                return context => a(context) || (!context.ExitRequested && b(context));
            case BinaryExpression { Operator: TokenKind.Equal or TokenKind.NotEqual } myself when IsMyself(myself.Left) || IsMyself(myself.Right):
                return CompileMyself(myself);
            case BinaryExpression { Operator: TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.Greater or TokenKind.LessEqual or TokenKind.GreaterEqual } cmp:
                return CompileComparison(cmp);
            case BinaryExpression { Operator: TokenKind.Match or TokenKind.NotMatch } match:
                return CompileMatch(match);
            case CallExpression call:
                var body = BindCall(call);
                return context =>
                {
                    var result = body(context);
                    context.ReturnCode = result;
                    if (result == 0)
                    {
                        context.ExitRequested = true; // OpenSIPS: 0 stops the script, in a condition too
                    }

                    return result > 0;
                };
            default:
                var value = CompileValue(e);
                return context => IsTrue(value(context));
        }
    }

    /// <summary>A value used as a condition: NULL, 0 and the empty string are false.</summary>
    internal static bool IsTrue(in ScriptValue value) => value.Kind switch
    {
        ScriptValueKind.Null => false,
        ScriptValueKind.Int => value.Int != 0,
        _ => !value.IsNullOrEmpty,
    };

    private static bool IsMyself(Expression e) => e is IdentifierExpression { Name: "myself" };

    /// <summary><c>uri == myself</c>, <c>$rd == myself</c>, <c>$si != myself</c>: against the listening sockets and aliases.</summary>
    private Condition CompileMyself(BinaryExpression e)
    {
        var other = IsMyself(e.Left) ? e.Right : e.Left;
        if (IsMyself(other))
        {
            Error(e.Line, e.Column, "'myself' must be compared with a URI or a host", "myself");
            return static _ => false;
        }

        var value = CompileValue(other);
        var negate = e.Operator == TokenKind.NotEqual;
        return context => IsMyselfValue(context, value(context)) != negate;
    }

    internal static bool IsMyselfValue(ScriptContext context, in ScriptValue value)
    {
        if (value.IsNull)
        {
            return false;
        }

        scoped Span<byte> buffer = stackalloc byte[512];
        scoped ReadOnlySpan<byte> text;
        if (value.Kind == ScriptValueKind.Bytes)
        {
            text = value.Utf8Bytes;
        }
        else
        {
            var s = value.AsString();
            if (System.Text.Encoding.UTF8.GetByteCount(s) > buffer.Length)
            {
                return false;
            }

            var n = System.Text.Encoding.UTF8.GetBytes(s, buffer);
            text = buffer[..n];
        }

        if (SipUri.TryParse(text, out var uri, out _) && uri.Scheme is UriScheme.Sip or UriScheme.Sips)
        {
            return context.Host.IsMyself(text.Slice(uri.Host.Start, uri.Host.Length), uri.Port > 0 ? uri.Port : 0);
        }

        // A bare host (or host:port): any listening port counts, as OpenSIPS's check_self with no port.
        return context.Host.IsMyselfHost(text);
    }

    private Condition CompileComparison(BinaryExpression e)
    {
        var left = CompileValue(e.Left);
        var op = e.Operator;
        if (Literal(e.Right) is { } constant)
        {
            // The common "$x == "text"" / "$x != 3": one delegate call fewer.
            return op switch
            {
                TokenKind.Equal => context => Compare(TokenKind.Equal, left(context), constant),
                TokenKind.NotEqual => context => !Compare(TokenKind.Equal, left(context), constant),
                _ => context => Compare(op, left(context), constant),
            };
        }

        var right = CompileValue(e.Right);
        return context => Compare(op, left(context), right(context));
    }

    private static ScriptValue? Literal(Expression e) => e switch
    {
        NumberLiteral n => ScriptValue.FromInt(n.Value),
        StringLiteral s => ScriptValue.FromString(s.Value),
        NullLiteral => ScriptValue.Null,
        _ => null,
    };

    internal static bool Compare(TokenKind op, in ScriptValue left, in ScriptValue right)
    {
        if (left.IsNull || right.IsNull)
        {
            var same = left.IsNull == right.IsNull || (left.IsNull ? right.IsNullOrEmpty && right.IsString : left.IsNullOrEmpty && left.IsString);
            return op switch
            {
                TokenKind.Equal => same,
                TokenKind.NotEqual => !same,
                _ => false,
            };
        }

        // Numbers compare as numbers when one side is a number and the other converts; otherwise as strings.
        if ((left.IsInt || right.IsInt) && left.TryGetInt(out var a) && right.TryGetInt(out var b))
        {
            return op switch
            {
                TokenKind.Equal => a == b,
                TokenKind.NotEqual => a != b,
                TokenKind.Less => a < b,
                TokenKind.Greater => a > b,
                TokenKind.LessEqual => a <= b,
                _ => a >= b,
            };
        }

        if (op is TokenKind.Equal or TokenKind.NotEqual)
        {
            return left.ContentEquals(right) == (op == TokenKind.Equal);
        }

        var c = left.CompareStrings(right);
        return op switch
        {
            TokenKind.Less => c < 0,
            TokenKind.Greater => c > 0,
            TokenKind.LessEqual => c <= 0,
            _ => c >= 0,
        };
    }

    private Condition CompileMatch(BinaryExpression e)
    {
        var left = CompileValue(e.Left);
        var negate = e.Operator == TokenKind.NotMatch;
        if (e.Right is StringLiteral pattern)
        {
            var regex = ScriptRegex.TryCreate(pattern.Value, RegexOptions.None, out var error);
            if (regex is null)
            {
                Error(e.Right.Line, e.Right.Column, $"bad regular expression \"{pattern.Value}\": {error}", pattern.Value);
                return static _ => false;
            }

            return context =>
            {
                var value = left(context);
                return !value.IsNull && ScriptRegex.IsMatch(context, regex, context.GetChars(value)) != negate;
            };
        }

        var right = CompileValue(e.Right);
        return context =>
        {
            var value = left(context);
            var dynamic = ScriptRegex.GetDynamic(right(context).AsString());
            return !value.IsNull && dynamic is not null && ScriptRegex.IsMatch(context, dynamic, context.GetChars(value)) != negate;
        };
    }

    // ------------------------------------------------------------------ values

    private ScriptEvaluator CompileValue(Expression e)
    {
        switch (e)
        {
            case NumberLiteral n:
                var number = ScriptValue.FromInt(n.Value);
                return _ => number;
            case StringLiteral s:
                var text = ScriptValue.FromString(s.Value);
                return _ => text;
            case AddressLiteral address:
                var addressText = ScriptValue.FromString(address.Text);
                return _ => addressText;
            case NullLiteral:
                return static _ => ScriptValue.Null;
            case IdentifierExpression id:
                if (LegacyOperands.TryGetValue(id.Name, out var pv))
                {
                    var accessor = BindPv(PvRef.Parse(pv), id.Line, id.Column);
                    return accessor is null ? static _ => ScriptValue.Null : accessor.Get;
                }

                Error(id.Line, id.Column, id.Name == "myself"
                    ? "'myself' can only be compared with == or != (e.g. uri == myself)"
                    : $"unknown name '{id.Name}': quote it if it is a string, or write a pseudo-variable such as $var({id.Name})", id.Name);
                return static _ => ScriptValue.Null;
            case PseudoVariableExpression p:
                var bound = BindPv(p.Ref, p.Line, p.Column);
                return bound is null ? static _ => ScriptValue.Null : bound.Get;
            case CallExpression call:
                var body = CompileCall(call);
                return context => ScriptValue.FromInt(body(context));
            case UnaryExpression u:
                return CompileUnary(u);
            case BinaryExpression b when b.Operator is TokenKind.AndAnd or TokenKind.OrOr or TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less
                or TokenKind.Greater or TokenKind.LessEqual or TokenKind.GreaterEqual or TokenKind.Match or TokenKind.NotMatch:
                var condition = CompileCondition(b);
                return context => ScriptValue.FromBool(condition(context));
            case BinaryExpression b:
                var left = CompileValue(b.Left);
                var right = CompileValue(b.Right);
                var combine = Arithmetic(b.Operator, b.Line, b.Column);
                return context => combine(context, left(context), right(context));
            case EmptyArgument:
                return static _ => ScriptValue.Null;
            default:
                Error(e.Line, e.Column, "unsupported expression", e.GetType().Name);
                return static _ => ScriptValue.Null;
        }
    }

    private ScriptEvaluator CompileUnary(UnaryExpression u)
    {
        if (u.Operator == TokenKind.Not)
        {
            var condition = CompileCondition(u);
            return context => ScriptValue.FromBool(condition(context));
        }

        var operand = CompileValue(u.Operand);
        return u.Operator == TokenKind.Minus
            ? context => ScriptValue.FromInt(-operand(context).AsInt())
            : context => ScriptValue.FromInt(~operand(context).AsInt());
    }

    private Combiner Arithmetic(TokenKind op, int line, int column)
    {
        var file = _file;
        switch (op)
        {
            case TokenKind.Plus:
            case TokenKind.Dot:
                // '+' adds numbers and joins strings (OpenSIPS: string + anything is concatenation).
                return static (_, l, r) =>
                {
                    if (!l.IsString && !r.IsString && !(l.IsNull && r.IsNull))
                    {
                        return ScriptValue.FromInt(l.AsInt() + r.AsInt());
                    }

                    return ScriptValue.FromString(string.Concat(l.AsString(), r.AsString()));
                };
            case TokenKind.Minus:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() - r.AsInt());
            case TokenKind.Star:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() * r.AsInt());
            case TokenKind.Slash:
            case TokenKind.Percent:
                var modulo = op == TokenKind.Percent;
                return (context, l, r) =>
                {
                    var divisor = r.AsInt();
                    if (divisor == 0)
                    {
                        ScriptLog.DivisionByZero(context.Host.CoreLogger, file, line, column);
                        return ScriptValue.Null;
                    }

                    return ScriptValue.FromInt(modulo ? l.AsInt() % divisor : l.AsInt() / divisor);
                };
            case TokenKind.Ampersand:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() & r.AsInt());
            case TokenKind.Pipe:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() | r.AsInt());
            case TokenKind.Caret:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() ^ r.AsInt());
            case TokenKind.ShiftLeft:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() << (int)(r.AsInt() & 63));
            case TokenKind.ShiftRight:
                return static (_, l, r) => ScriptValue.FromInt(l.AsInt() >> (int)(r.AsInt() & 63));
            default:
                Error(line, column, $"operator {op} cannot be used here", op.ToString());
                return static (_, _, _) => ScriptValue.Null;
        }
    }

    // ------------------------------------------------------------------ pseudo-variables

    private PvAccessor? BindPv(PvRef reference, int line, int column)
    {
        if (!_registry.TryGetPseudoVariable(reference.Name, out var factory))
        {
            Error(line, column, reference.Name.Length == 0
                ? "bad pseudo-variable: expected a name after '$'"
                : $"unknown pseudo-variable '${reference.Name}'{UnknownPvHint(reference.Name)}", reference.Raw);
            return null;
        }

        var failed = false;
        var request = new PvBindRequest(reference, _registry, message =>
        {
            failed = true;
            Error(line, column, message, reference.Raw);
        });
        var accessor = factory(request);
        if (accessor is null || failed)
        {
            if (!failed)
            {
                Error(line, column, $"bad pseudo-variable {reference.Raw}", reference.Raw);
            }

            return null;
        }

        if (reference.Transformations.Count == 0)
        {
            return accessor;
        }

        var transforms = new TransformFunc[reference.Transformations.Count];
        for (var i = 0; i < transforms.Length; i++)
        {
            var t = BindTransformation(reference.Transformations[i], line, column);
            if (t is null)
            {
                return null;
            }

            transforms[i] = t;
        }

        var get = accessor.Get;
        return new PvAccessor(reference.Raw, context =>
        {
            var value = get(context);
            foreach (var transform in transforms)
            {
                value = transform(context, value);
            }

            return value;
        });
    }

    private string UnknownPvHint(string name)
    {
        foreach (var module in _catalog.Names)
        {
            if (name.StartsWith("T_", StringComparison.Ordinal) && module == "tm" && _registry.GetModule("tm") is null)
            {
                return " (it comes with module 'tm': add loadmodule \"tm.so\")";
            }

            if ((name.StartsWith("DLG_", StringComparison.Ordinal) || name.StartsWith("dlg_", StringComparison.Ordinal)) && module == "dialog" && _registry.GetModule("dialog") is null)
            {
                return " (it comes with module 'dialog': add loadmodule \"dialog.so\")";
            }
        }

        return string.Empty;
    }

    private TransformFunc? BindTransformation(string text, int line, int column)
    {
        var comma = text.IndexOf(',', StringComparison.Ordinal);
        var name = (comma >= 0 ? text[..comma] : text).Trim();
        var arguments = comma >= 0 ? text[(comma + 1)..].Split(',') : [];
        if (!_registry.TryGetTransformation(name, out var factory) && !_registry.TryGetTransformation(name.ToLowerInvariant(), out factory))
        {
            Error(line, column, $"unknown transformation '{{{name}}}'", "{" + text + "}");
            return null;
        }

        var failed = false;
        var request = new TransformBindRequest(name, arguments, text, _registry, message =>
        {
            failed = true;
            Error(line, column, $"transformation {{{text}}}: {message}", "{" + text + "}");
        }, argument => CompileTransformArgument(argument, line, column));
        var transform = factory(request);
        if (transform is null && !failed)
        {
            Error(line, column, $"bad transformation {{{text}}}", "{" + text + "}");
        }

        return failed ? null : transform;
    }

    private ScriptEvaluator? CompileTransformArgument(string argument, int line, int column)
    {
        argument = argument.Trim();
        if (argument.StartsWith('$'))
        {
            var accessor = BindPv(PvRef.Parse(argument), line, column);
            return accessor is null ? null : accessor.Get;
        }

        var value = long.TryParse(argument, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? ScriptValue.FromInt(n)
            : ScriptValue.FromString(argument);
        return _ => value;
    }
}
