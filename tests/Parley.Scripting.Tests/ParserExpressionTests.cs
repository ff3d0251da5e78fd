using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class ParserExpressionTests
{
    private static string ParseCondition(string condition)
    {
        var result = Parser.Parse($"route {{ if ({condition}) exit; }}", "t.cfg");
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        var route = Assert.IsType<RouteBlock>(Assert.Single(result.Script.Declarations));
        var ifStatement = Assert.IsType<IfStatement>(Assert.Single(route.Body.Statements));
        return AstPrinter.Print(ifStatement.Condition);
    }

    [Theory]
    [InlineData("a || b && c", "(a || (b && c))")]
    [InlineData("a && b || c", "((a && b) || c)")]
    [InlineData("a && b | c", "(a && (b | c))")]
    [InlineData("a | b == c", "(a | (b == c))")]
    [InlineData("a & b ^ c | d", "(((a & b) ^ c) | d)")]
    [InlineData("a == b < c", "(a == (b < c))")]
    [InlineData("a < b << c", "(a < (b << c))")]
    [InlineData("a << b + c", "(a << (b + c))")]
    [InlineData("a + b * c", "(a + (b * c))")]
    [InlineData("a * b + c", "((a * b) + c)")]
    [InlineData("a - b - c", "((a - b) - c)")]
    [InlineData("a / b % c", "((a / b) % c)")]
    [InlineData("!a && b", "((!a) && b)")]
    [InlineData("!(a && b)", "(!(a && b))")]
    [InlineData("-a * b", "((-a) * b)")]
    [InlineData("~a & b", "((~a) & b)")]
    [InlineData("!!a", "(!(!a))")]
    [InlineData("(a + b) * c", "((a + b) * c)")]
    [InlineData("-1", "-1")]
    [InlineData("$ru =~ \"^sip:\" || $rU !~ \"x\"", "(($ru =~ \"^sip:\") || ($rU !~ \"x\"))")]
    [InlineData("uri == myself", "(uri == myself)")]
    [InlineData("$DLG_status == NULL && !match_dialog()", "(($DLG_status == NULL) && (!match_dialog()))")]
    [InlineData("$var(a) . \"x\" == \"bx\"", "(($var(a) . \"x\") == \"bx\")")]
    [InlineData("$si == 10.0.0.0/8 || $si == 127.0.0.1", "(($si == 10.0.0.0/8) || ($si == 127.0.0.1))")]
    [InlineData("[$var(a) + 1] == 2", "(($var(a) + 1) == 2)")]
    [InlineData("$rb(application/sdp) && !has_totag()", "($rb(application/sdp) && (!has_totag()))")]
    public void Parse_Condition_FollowsPrecedenceTable(string condition, string expected)
    {
        Assert.Equal(expected, ParseCondition(condition));
    }

    [Theory]
    [InlineData("t_relay()", "t_relay()")]
    [InlineData("t_relay( ,\"tcp:1.2.3.4:5060\")", "t_relay(_, \"tcp:1.2.3.4:5060\")")]
    [InlineData("f(487, \"x\", , $var(c))", "f(487, \"x\", _, $var(c))")]
    [InlineData("get_profile_size(\"in\",,$var(size))", "get_profile_size(\"in\", _, $var(size))")]
    [InlineData("f(1,)", "f(1, _)")]
    [InlineData("f(0x4, -2, L_ERR, $avp(x))", "f(4, -2, L_ERR, $avp(x))")]
    [InlineData("f(\"a\" \"b\")", "f(\"ab\")")]
    [InlineData("f(g(h(1)))", "f(g(h(1)))")]
    public void Parse_CallArguments_EmptyAndNestedAndConcatenated(string call, string expected)
    {
        Assert.Equal(expected, ParseCondition(call));
    }

    [Fact]
    public void Parse_PseudoVariableInExpression_KeepsStructure()
    {
        var result = Parser.Parse("route { $var(x) = $(avp(list)[$var(i)]{s.int}); }", "t.cfg");

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        var assignment = Assert.IsType<AssignmentStatement>(((RouteBlock)result.Script.Declarations[0]).Body.Statements[0]);
        var value = Assert.IsType<PseudoVariableExpression>(assignment.Value);
        Assert.Equal("avp", value.Ref.Name);
        Assert.Equal("list", value.Ref.Inner);
        Assert.Equal("$var(i)", value.Ref.Index);
        Assert.Equal(["s.int"], value.Ref.Transformations);
    }
}
