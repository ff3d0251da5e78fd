using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

/// <summary>Renders expressions as fully parenthesised text so tests can assert tree shape.</summary>
internal static class AstPrinter
{
    public static string Print(Expression expression) => expression switch
    {
        NumberLiteral n => n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StringLiteral s => $"\"{s.Value}\"",
        NullLiteral => "NULL",
        AddressLiteral a => a.Text,
        IdentifierExpression i => i.Name,
        PseudoVariableExpression p => p.Ref.Raw,
        UnaryExpression u => $"({Op(u.Operator)}{Print(u.Operand)})",
        BinaryExpression b => $"({Print(b.Left)} {Op(b.Operator)} {Print(b.Right)})",
        CallExpression c => $"{c.Name}({string.Join(", ", c.Arguments.Select(Print))})",
        EmptyArgument => "_",
        _ => "?",
    };

    private static string Op(TokenKind kind) => kind switch
    {
        TokenKind.OrOr => "||",
        TokenKind.AndAnd => "&&",
        TokenKind.Pipe => "|",
        TokenKind.Caret => "^",
        TokenKind.Ampersand => "&",
        TokenKind.Equal => "==",
        TokenKind.NotEqual => "!=",
        TokenKind.Match => "=~",
        TokenKind.NotMatch => "!~",
        TokenKind.Less => "<",
        TokenKind.Greater => ">",
        TokenKind.LessEqual => "<=",
        TokenKind.GreaterEqual => ">=",
        TokenKind.ShiftLeft => "<<",
        TokenKind.ShiftRight => ">>",
        TokenKind.Plus => "+",
        TokenKind.Minus => "-",
        TokenKind.Dot => ".",
        TokenKind.Star => "*",
        TokenKind.Slash => "/",
        TokenKind.Percent => "%",
        TokenKind.Not => "!",
        TokenKind.Tilde => "~",
        _ => kind.ToString(),
    };
}
