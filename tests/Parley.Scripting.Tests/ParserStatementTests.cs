using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class ParserStatementTests
{
    private static IReadOnlyList<Statement> Body(string statements)
    {
        var result = Parser.Parse($"route {{\n{statements}\n}}", "t.cfg");
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        return Assert.IsType<RouteBlock>(Assert.Single(result.Script.Declarations)).Body.Statements;
    }

    [Fact]
    public void Parse_IfWithoutBraces_SingleStatementBody()
    {
        var statement = Assert.IsType<IfStatement>(Assert.Single(Body("if (is_method(\"ACK\")) t_relay();")));

        Assert.IsType<ExpressionStatement>(statement.Then);
        Assert.Null(statement.Else);
    }

    [Fact]
    public void Parse_IfElseIfElse_NestsInElse()
    {
        var statement = Assert.IsType<IfStatement>(Assert.Single(Body("if (a) { x(); } else if (b) y(); else { z(); }")));

        Assert.IsType<BlockStatement>(statement.Then);
        var inner = Assert.IsType<IfStatement>(statement.Else);
        Assert.IsType<ExpressionStatement>(inner.Then);
        Assert.IsType<BlockStatement>(inner.Else);
    }

    [Fact]
    public void Parse_DanglingElse_BindsToInnermostIf()
    {
        var outer = Assert.IsType<IfStatement>(Assert.Single(Body("if (a) if (b) x(); else y();")));

        Assert.Null(outer.Else);
        Assert.NotNull(Assert.IsType<IfStatement>(outer.Then).Else);
    }

    [Fact]
    public void Parse_While_ConditionAndBody()
    {
        var statement = Assert.IsType<WhileStatement>(Assert.Single(Body("while ($var(i) < 10) { $var(i) = $var(i) + 1; }")));

        Assert.Equal("($var(i) < 10)", AstPrinter.Print(statement.Condition));
        Assert.IsType<AssignmentStatement>(Assert.Single(Assert.IsType<BlockStatement>(statement.Body).Statements));
    }

    [Fact]
    public void Parse_ForEach_VariableSourceAndBody()
    {
        var statement = Assert.IsType<ForEachStatement>(Assert.Single(Body("for ($var(k) in $(avp(list)[*])) xlog(\"$var(k)\\n\");")));

        Assert.Equal("var", statement.Variable.Ref.Name);
        Assert.Equal("*", statement.Source.Ref.Index);
        Assert.IsType<ExpressionStatement>(statement.Body);
    }

    [Fact]
    public void Parse_Switch_CasesDefaultAndBreaks()
    {
        var statement = Assert.IsType<SwitchStatement>(Assert.Single(Body("""
            switch ($rm) {
                case "INVITE":
                    t_relay();
                    break;
                case 1:
                case -2:
                    exit;
                default:
                    drop;
            }
            """)));

        Assert.Equal(4, statement.Cases.Count);
        Assert.Equal("\"INVITE\"", AstPrinter.Print(statement.Cases[0].Value!));
        Assert.IsType<BreakStatement>(statement.Cases[0].Body[1]);
        Assert.Empty(statement.Cases[1].Body);
        Assert.Equal("-2", AstPrinter.Print(statement.Cases[2].Value!));
        Assert.Null(statement.Cases[3].Value);
        Assert.IsType<DropStatement>(Assert.Single(statement.Cases[3].Body));
    }

    [Theory]
    [InlineData("=", nameof(TokenKind.Assign))]
    [InlineData(":=", nameof(TokenKind.ColonAssign))]
    [InlineData("+=", nameof(TokenKind.PlusAssign))]
    [InlineData("-=", nameof(TokenKind.MinusAssign))]
    [InlineData("*=", nameof(TokenKind.StarAssign))]
    [InlineData("/=", nameof(TokenKind.SlashAssign))]
    [InlineData("%=", nameof(TokenKind.PercentAssign))]
    [InlineData("&=", nameof(TokenKind.AmpersandAssign))]
    [InlineData("|=", nameof(TokenKind.PipeAssign))]
    [InlineData("^=", nameof(TokenKind.CaretAssign))]
    public void Parse_Assignment_OperatorAndTarget(string op, string expected)
    {
        var statement = Assert.IsType<AssignmentStatement>(Assert.Single(Body($"$avp(x) {op} \"v\";")));

        Assert.Equal(Enum.Parse<TokenKind>(expected), statement.Operator);
        Assert.Equal("avp", statement.Target.Ref.Name);
        Assert.Equal("\"v\"", AstPrinter.Print(statement.Value));
    }

    [Fact]
    public void Parse_RouteCall_NameAndArguments()
    {
        var statements = Body("route(relay);\nroute(2);\nroute(\"x\", $var(a), 3);");

        Assert.Equal("relay", Assert.IsType<RouteCallStatement>(statements[0]).Name);
        Assert.Equal("2", Assert.IsType<RouteCallStatement>(statements[1]).Name);
        var third = Assert.IsType<RouteCallStatement>(statements[2]);
        Assert.Equal("x", third.Name);
        Assert.Equal(2, third.Arguments.Count);
    }

    [Fact]
    public void Parse_ReturnForms_ValueOptional()
    {
        var statements = Body("return;\nreturn(1);\nreturn -1;");

        Assert.Null(Assert.IsType<ReturnStatement>(statements[0]).Value);
        Assert.Equal("1", AstPrinter.Print(Assert.IsType<ReturnStatement>(statements[1]).Value!));
        Assert.Equal("-1", AstPrinter.Print(Assert.IsType<ReturnStatement>(statements[2]).Value!));
    }

    [Fact]
    public void Parse_ExitDropBreak_Statements()
    {
        var statements = Body("exit;\ndrop;\nexit();");

        Assert.IsType<ExitStatement>(statements[0]);
        Assert.IsType<DropStatement>(statements[1]);
        Assert.IsType<ExitStatement>(statements[2]);
    }

    [Fact]
    public void Parse_ExpressionStatement_CallWithPosition()
    {
        var statement = Assert.IsType<ExpressionStatement>(Assert.Single(Body("    t_on_failure(\"1\");")));

        var call = Assert.IsType<CallExpression>(statement.Expression);
        Assert.Equal("t_on_failure", call.Name);
        Assert.Equal((2, 5), (statement.Line, statement.Column));
    }

    [Fact]
    public void Parse_EmptyStatementsAndNestedBlocks_Accepted()
    {
        var statements = Body(";; { { x(); } ; }");

        var block = Assert.IsType<BlockStatement>(Assert.Single(statements));
        Assert.IsType<BlockStatement>(Assert.Single(block.Statements));
    }
}
