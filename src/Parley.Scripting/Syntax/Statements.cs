namespace Parley.Scripting.Syntax;

/// <summary>Base of all statement nodes; Line and Column locate the statement's first token.</summary>
internal abstract record Statement(int Line, int Column);

internal sealed record BlockStatement(IReadOnlyList<Statement> Statements, int Line, int Column) : Statement(Line, Column);

internal sealed record IfStatement(Expression Condition, Statement Then, Statement? Else, int Line, int Column) : Statement(Line, Column);

internal sealed record WhileStatement(Expression Condition, Statement Body, int Line, int Column) : Statement(Line, Column);

/// <summary><c>for ($var(x) in $(avp(list)[*])) body</c>: iterates the values of a var, avp or json.</summary>
internal sealed record ForEachStatement(PseudoVariableExpression Variable, PseudoVariableExpression Source, Statement Body, int Line, int Column) : Statement(Line, Column);

/// <summary>One <c>case X:</c> (Value set) or <c>default:</c> (Value null) arm and its statements.</summary>
internal sealed record SwitchCase(Expression? Value, IReadOnlyList<Statement> Body, int Line, int Column);

internal sealed record SwitchStatement(Expression Subject, IReadOnlyList<SwitchCase> Cases, int Line, int Column) : Statement(Line, Column);

internal sealed record ExpressionStatement(Expression Expression, int Line, int Column) : Statement(Line, Column);

/// <summary><c>$pv = value</c>, with <c>=</c>, <c>:=</c> or a compound operator (<c>+= -= *= /= %= &amp;= |= ^=</c>).</summary>
internal sealed record AssignmentStatement(PseudoVariableExpression Target, TokenKind Operator, Expression Value, int Line, int Column) : Statement(Line, Column);

/// <summary><c>route(name)</c> or <c>route(name, arg, ...)</c>.</summary>
internal sealed record RouteCallStatement(string Name, IReadOnlyList<Expression> Arguments, int Line, int Column) : Statement(Line, Column);

internal sealed record ReturnStatement(Expression? Value, int Line, int Column) : Statement(Line, Column);

internal sealed record ExitStatement(int Line, int Column) : Statement(Line, Column);

internal sealed record DropStatement(int Line, int Column) : Statement(Line, Column);

internal sealed record BreakStatement(int Line, int Column) : Statement(Line, Column);
