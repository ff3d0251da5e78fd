namespace Parley.Scripting.Syntax;

/// <summary>Base of all expression nodes; Line and Column locate the node's first token.</summary>
internal abstract record Expression(int Line, int Column);

internal sealed record NumberLiteral(long Value, int Line, int Column) : Expression(Line, Column);

internal sealed record StringLiteral(string Value, int Line, int Column) : Expression(Line, Column);

/// <summary>An IPv4 address or network literal such as <c>10.0.0.1</c> or <c>10.0.0.0/8</c>.</summary>
internal sealed record AddressLiteral(string Text, int Line, int Column) : Expression(Line, Column);

internal sealed record NullLiteral(int Line, int Column) : Expression(Line, Column);

/// <summary>A bare word such as <c>myself</c>, <c>L_ERR</c> or a flag name.</summary>
internal sealed record IdentifierExpression(string Name, int Line, int Column) : Expression(Line, Column);

internal sealed record PseudoVariableExpression(PvRef Ref, int Line, int Column) : Expression(Line, Column);

internal sealed record UnaryExpression(TokenKind Operator, Expression Operand, int Line, int Column) : Expression(Line, Column);

internal sealed record BinaryExpression(TokenKind Operator, Expression Left, Expression Right, int Line, int Column) : Expression(Line, Column);

/// <summary>A call of a core or module function, e.g. <c>t_relay()</c> or <c>is_method("INVITE")</c>.</summary>
internal sealed record CallExpression(string Name, IReadOnlyList<Expression> Arguments, int Line, int Column) : Expression(Line, Column);

/// <summary>A skipped optional argument, as in <c>t_relay( ,"tcp:1.2.3.4:5060")</c>.</summary>
internal sealed record EmptyArgument(int Line, int Column) : Expression(Line, Column);
