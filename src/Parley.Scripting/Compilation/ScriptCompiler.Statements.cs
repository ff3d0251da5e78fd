using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Compilation;

public sealed partial class ScriptCompiler
{
    /// <summary>OpenSIPS's <c>max_while_loops</c>: a while loop stops after this many iterations.</summary>
    internal const int MaxWhileLoops = 10000;

    private int _loopDepth;
    private int _switchDepth;

    private ScriptExecutor CompileBlock(IReadOnlyList<Statement> statements)
    {
        var compiled = new ScriptExecutor[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            compiled[i] = CompileStatement(statements[i]);
        }

        return compiled.Length switch
        {
            0 => static _ => Flow.Next,
            1 => compiled[0],
            _ => context =>
            {
                foreach (var statement in compiled)
                {
                    var flow = statement(context);
                    if (flow != Flow.Next)
                    {
                        return flow;
                    }
                }

                return Flow.Next;
            },
        };
    }

    private ScriptExecutor CompileStatement(Statement statement)
    {
        switch (statement)
        {
            case BlockStatement block:
                return CompileBlock(block.Statements);
            case IfStatement s:
                return CompileIf(s);
            case WhileStatement s:
                return CompileWhile(s);
            case ForEachStatement s:
                return CompileForEach(s);
            case SwitchStatement s:
                return CompileSwitch(s);
            case ExpressionStatement s:
                return CompileExpressionStatement(s);
            case AssignmentStatement s:
                return CompileAssignment(s);
            case RouteCallStatement s:
                return CompileRouteCall(s);
            case ReturnStatement s:
                return CompileReturn(s);
            case ExitStatement:
                return static context =>
                {
                    context.ExitRequested = true;
                    return Flow.Exit;
                };
            case DropStatement:
                return static context =>
                {
                    context.Dropped = true;
                    context.ExitRequested = true;
                    return Flow.Exit;
                };
            case BreakStatement b:
                if (_loopDepth == 0 && _switchDepth == 0)
                {
                    Error(b.Line, b.Column, "'break' outside a switch or a while loop", "break");
                }

                return static _ => Flow.Break;
            default:
                Error(statement.Line, statement.Column, "unsupported statement", statement.GetType().Name);
                return static _ => Flow.Next;
        }
    }

    private ScriptExecutor CompileIf(IfStatement s)
    {
        var condition = CompileCondition(s.Condition);
        var then = CompileStatement(s.Then);
        if (s.Else is null)
        {
            return context =>
            {
                if (condition(context))
                {
                    return then(context);
                }

                return context.ExitRequested ? Flow.Exit : Flow.Next;
            };
        }

        var otherwise = CompileStatement(s.Else);
        return context =>
        {
            if (condition(context))
            {
                return then(context);
            }

            return context.ExitRequested ? Flow.Exit : otherwise(context);
        };
    }

    private ScriptExecutor CompileWhile(WhileStatement s)
    {
        var condition = CompileCondition(s.Condition);
        _loopDepth++;
        var body = CompileStatement(s.Body);
        _loopDepth--;
        var file = _file;
        var line = s.Line;
        return context =>
        {
            var iterations = 0;
            while (condition(context))
            {
                if (++iterations > MaxWhileLoops)
                {
                    ScriptLog.WhileLimit(context.Host.CoreLogger, file, line, MaxWhileLoops);
                    break;
                }

                var flow = body(context);
                if (flow == Flow.Break)
                {
                    break;
                }

                if (flow != Flow.Next)
                {
                    return flow;
                }
            }

            return context.ExitRequested ? Flow.Exit : Flow.Next;
        };
    }

    private ScriptExecutor CompileForEach(ForEachStatement s)
    {
        var target = BindAssignable(s.Variable);
        var source = BindPv(s.Source.Ref, s.Source.Line, s.Source.Column);
        _loopDepth++;
        var body = CompileStatement(s.Body);
        _loopDepth--;
        if (target is null || source is null)
        {
            return static _ => Flow.Next;
        }

        var set = target.Set!;
        var getAll = source.GetAll;
        var get = source.Get;
        return context =>
        {
            var values = new List<ScriptValue>();
            if (getAll is not null)
            {
                getAll(context, values);
            }
            else if (get(context) is { IsNull: false } single)
            {
                values.Add(single.Materialize());
            }

            foreach (var value in values)
            {
                set(context, value);
                var flow = body(context);
                if (flow == Flow.Break)
                {
                    break;
                }

                if (flow != Flow.Next)
                {
                    return flow;
                }
            }

            return Flow.Next;
        };
    }

    private ScriptExecutor CompileSwitch(SwitchStatement s)
    {
        var subject = CompileValue(s.Subject);
        var values = new ScriptValue[s.Cases.Count];
        var bodies = new ScriptExecutor[s.Cases.Count];
        var defaultIndex = -1;
        _switchDepth++;
        for (var i = 0; i < s.Cases.Count; i++)
        {
            var arm = s.Cases[i];
            if (arm.Value is null)
            {
                if (defaultIndex >= 0)
                {
                    Error(arm.Line, arm.Column, "a second 'default' in one switch", "default");
                }

                defaultIndex = i;
            }
            else
            {
                switch (arm.Value)
                {
                    case NumberLiteral n:
                        values[i] = ScriptValue.FromInt(n.Value);
                        break;
                    case StringLiteral str:
                        values[i] = ScriptValue.FromString(str.Value);
                        break;
                    case NullLiteral:
                        values[i] = ScriptValue.Null;
                        break;
                    default:
                        Error(arm.Value.Line, arm.Value.Column, "a 'case' value must be a number or a quoted string", Describe(arm.Value));
                        break;
                }
            }

            bodies[i] = CompileBlock(arm.Body);
        }

        _switchDepth--;
        return context =>
        {
            var value = subject(context);
            var start = defaultIndex;
            for (var i = 0; i < values.Length; i++)
            {
                if (i != defaultIndex && CaseMatches(value, values[i]))
                {
                    start = i;
                    break;
                }
            }

            if (start < 0)
            {
                return Flow.Next;
            }

            // C-like fall-through until 'break'.
            for (var i = start; i < bodies.Length; i++)
            {
                var flow = bodies[i](context);
                if (flow == Flow.Break)
                {
                    return Flow.Next;
                }

                if (flow != Flow.Next)
                {
                    return flow;
                }
            }

            return Flow.Next;
        };
    }

    private static bool CaseMatches(in ScriptValue subject, in ScriptValue value)
    {
        if (value.IsInt && subject.TryGetInt(out var n))
        {
            return n == value.Int;
        }

        return subject.ContentEquals(value);
    }

    private ScriptExecutor CompileExpressionStatement(ExpressionStatement s)
    {
        if (s.Expression is CallExpression call)
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
                    return Flow.Exit;
                }

                return context.ExitRequested ? Flow.Exit : Flow.Next;
            };
        }

        var value = CompileValue(s.Expression);
        return context =>
        {
            value(context);
            return context.ExitRequested ? Flow.Exit : Flow.Next;
        };
    }

    private ScriptExecutor CompileAssignment(AssignmentStatement s)
    {
        var target = BindAssignable(s.Target);
        var value = CompileValue(s.Value);
        if (target is null)
        {
            return static _ => Flow.Next;
        }

        var set = target.Set!;
        var get = target.Get;
        switch (s.Operator)
        {
            case TokenKind.Assign:
                var add = target.Add ?? set;
                return context =>
                {
                    var v = value(context);
                    if (v.IsNull)
                    {
                        set(context, v); // '= NULL' deletes
                    }
                    else
                    {
                        add(context, v);
                    }

                    return Flow.Next;
                };
            case TokenKind.ColonAssign:
                return context =>
                {
                    set(context, value(context));
                    return Flow.Next;
                };
            default:
                var op = s.Operator switch
                {
                    TokenKind.PlusAssign => TokenKind.Plus,
                    TokenKind.MinusAssign => TokenKind.Minus,
                    TokenKind.StarAssign => TokenKind.Star,
                    TokenKind.SlashAssign => TokenKind.Slash,
                    TokenKind.PercentAssign => TokenKind.Percent,
                    TokenKind.AmpersandAssign => TokenKind.Ampersand,
                    TokenKind.PipeAssign => TokenKind.Pipe,
                    _ => TokenKind.Caret,
                };
                var combine = Arithmetic(op, s.Line, s.Column);
                return context =>
                {
                    set(context, combine(context, get(context), value(context)));
                    return Flow.Next;
                };
        }
    }

    /// <summary>A pseudo-variable that is assigned to: bound, and reported when it is read-only; null after an error.</summary>
    private PvAccessor? BindAssignable(PseudoVariableExpression target)
    {
        var accessor = BindPv(target.Ref, target.Line, target.Column);
        if (accessor is { Set: null })
        {
            Error(target.Line, target.Column, $"{accessor.Name} cannot be assigned (read-only pseudo-variable)", accessor.Name);
            return null;
        }

        return accessor;
    }

    private ScriptExecutor CompileRouteCall(RouteCallStatement s)
    {
        var handle = Reference(RouteType.Request, s.Name, s.Line, s.Column, s.Name);
        _currentRoute?.Callees.Add(handle);
        var arguments = new ScriptEvaluator[s.Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = CompileValue(s.Arguments[i]);
        }

        if (arguments.Length == 0)
        {
            return context => AfterRoute(context, handle.Run(context, context.RouteType));
        }

        return context =>
        {
            var values = new ScriptValue[arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                values[i] = arguments[i](context).Materialize();
            }

            var saved = context.RouteArguments;
            context.RouteArguments = values;
            try
            {
                return AfterRoute(context, handle.Run(context, context.RouteType));
            }
            finally
            {
                context.RouteArguments = saved;
            }
        };
    }

    private static Flow AfterRoute(ScriptContext context, int code)
    {
        context.ReturnCode = code;
        if (context.ExitRequested)
        {
            return Flow.Exit;
        }

        // OpenSIPS: a route returning 0 ends the script, like exit.
        if (code == 0)
        {
            context.ExitRequested = true;
            return Flow.Exit;
        }

        return Flow.Next;
    }

    private ScriptExecutor CompileReturn(ReturnStatement s)
    {
        if (s.Value is null)
        {
            return static context =>
            {
                context.ReturnCode = 1;
                return Flow.Return;
            };
        }

        var value = CompileValue(s.Value);
        return context =>
        {
            context.ReturnCode = (int)Math.Clamp(value(context).AsInt(), int.MinValue, int.MaxValue);
            return Flow.Return;
        };
    }
}
