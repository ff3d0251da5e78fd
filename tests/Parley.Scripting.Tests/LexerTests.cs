using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class LexerTests
{
    private static List<Token> Lex(string text)
    {
        var (tokens, diagnostics) = Lexer.Tokenize(text, "t.cfg");
        Assert.Empty(diagnostics);
        return [.. tokens];
    }

    private static TokenKind[] Kinds(string text) => [.. Lex(text).Select(t => t.Kind)];

    [Fact]
    public void Tokenize_Empty_OnlyEndOfFile()
    {
        Assert.Equal([TokenKind.EndOfFile], Kinds(string.Empty));
    }

    [Theory]
    [InlineData("if", nameof(TokenKind.If))]
    [InlineData("else", nameof(TokenKind.Else))]
    [InlineData("while", nameof(TokenKind.While))]
    [InlineData("for", nameof(TokenKind.For))]
    [InlineData("switch", nameof(TokenKind.Switch))]
    [InlineData("case", nameof(TokenKind.Case))]
    [InlineData("default", nameof(TokenKind.Default))]
    [InlineData("break", nameof(TokenKind.Break))]
    [InlineData("return", nameof(TokenKind.Return))]
    [InlineData("exit", nameof(TokenKind.Exit))]
    [InlineData("drop", nameof(TokenKind.Drop))]
    [InlineData("route", nameof(TokenKind.Route))]
    [InlineData("branch_route", nameof(TokenKind.BranchRoute))]
    [InlineData("failure_route", nameof(TokenKind.FailureRoute))]
    [InlineData("onreply_route", nameof(TokenKind.OnReplyRoute))]
    [InlineData("local_route", nameof(TokenKind.LocalRoute))]
    [InlineData("error_route", nameof(TokenKind.ErrorRoute))]
    [InlineData("startup_route", nameof(TokenKind.StartupRoute))]
    [InlineData("timer_route", nameof(TokenKind.TimerRoute))]
    [InlineData("event_route", nameof(TokenKind.EventRoute))]
    [InlineData("loadmodule", nameof(TokenKind.LoadModule))]
    [InlineData("modparam", nameof(TokenKind.ModParam))]
    [InlineData("include_file", nameof(TokenKind.IncludeFile))]
    [InlineData("import_file", nameof(TokenKind.ImportFile))]
    [InlineData("NULL", nameof(TokenKind.Null))]
    [InlineData("t_relay", nameof(TokenKind.Identifier))]
    [InlineData("myself", nameof(TokenKind.Identifier))]
    [InlineData("_x1", nameof(TokenKind.Identifier))]
    public void Tokenize_Word_KeywordOrIdentifier(string text, string expected)
    {
        var token = Lex(text)[0];

        Assert.Equal(Enum.Parse<TokenKind>(expected), token.Kind);
        Assert.Equal(text, token.Text);
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
    [InlineData("==", nameof(TokenKind.Equal))]
    [InlineData("!=", nameof(TokenKind.NotEqual))]
    [InlineData("<", nameof(TokenKind.Less))]
    [InlineData(">", nameof(TokenKind.Greater))]
    [InlineData("<=", nameof(TokenKind.LessEqual))]
    [InlineData(">=", nameof(TokenKind.GreaterEqual))]
    [InlineData("=~", nameof(TokenKind.Match))]
    [InlineData("!~", nameof(TokenKind.NotMatch))]
    [InlineData("&&", nameof(TokenKind.AndAnd))]
    [InlineData("||", nameof(TokenKind.OrOr))]
    [InlineData("!", nameof(TokenKind.Not))]
    [InlineData("+", nameof(TokenKind.Plus))]
    [InlineData("-", nameof(TokenKind.Minus))]
    [InlineData("*", nameof(TokenKind.Star))]
    [InlineData("/", nameof(TokenKind.Slash))]
    [InlineData("%", nameof(TokenKind.Percent))]
    [InlineData("&", nameof(TokenKind.Ampersand))]
    [InlineData("|", nameof(TokenKind.Pipe))]
    [InlineData("^", nameof(TokenKind.Caret))]
    [InlineData("~", nameof(TokenKind.Tilde))]
    [InlineData("<<", nameof(TokenKind.ShiftLeft))]
    [InlineData(">>", nameof(TokenKind.ShiftRight))]
    [InlineData(".", nameof(TokenKind.Dot))]
    [InlineData("(", nameof(TokenKind.LeftParen))]
    [InlineData(")", nameof(TokenKind.RightParen))]
    [InlineData("{", nameof(TokenKind.LeftBrace))]
    [InlineData("}", nameof(TokenKind.RightBrace))]
    [InlineData("[", nameof(TokenKind.LeftBracket))]
    [InlineData("]", nameof(TokenKind.RightBracket))]
    [InlineData(",", nameof(TokenKind.Comma))]
    [InlineData(";", nameof(TokenKind.Semicolon))]
    [InlineData(":", nameof(TokenKind.Colon))]
    public void Tokenize_Operator_SingleTokenOfKind(string text, string expected)
    {
        Assert.Equal([Enum.Parse<TokenKind>(expected), TokenKind.EndOfFile], Kinds(text));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("0x1", 1L)]
    [InlineData("0xFF", 255L)]
    [InlineData("0x7fffffff", 2147483647L)]
    [InlineData("0660", 432L)]
    [InlineData("0600", 384L)]
    [InlineData("00", 0L)]
    [InlineData("089", 89L)]
    public void Tokenize_Number_Value(string text, long expected)
    {
        var token = Lex(text)[0];

        Assert.Equal(TokenKind.Number, token.Kind);
        Assert.Equal(expected, token.NumberValue);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.0/8")]
    public void Tokenize_Ipv4Literal_OneToken(string text)
    {
        var token = Lex(text)[0];

        Assert.Equal(TokenKind.IpAddress, token.Kind);
        Assert.Equal(text, token.Text);
    }

    [Fact]
    public void Tokenize_NegativeNumber_MinusThenNumber()
    {
        Assert.Equal([TokenKind.Minus, TokenKind.Number, TokenKind.EndOfFile], Kinds("-1"));
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("'abc'", "abc")]
    [InlineData("\"a\\\"b\"", "a\"b")]
    [InlineData("\"line\\r\\n\"", "line\r\n")]
    [InlineData("\"tab\\there\\a\"", "tab\there\a")]
    [InlineData("\"back\\\\slash\"", "back\\slash")]
    [InlineData("\"hex\\x41\\x9\"", "hexA\t")]
    [InlineData("\"octal\\101\\12\"", "octalA\n")]
    [InlineData("\"^\\+?[0-9]+\\.\"", "^\\+?[0-9]+\\.")]
    [InlineData("\"keep \\1 and \\'\"", "keep \\1 and \\'")]
    [InlineData("\"joined \\\nline\"", "joined line")]
    [InlineData("\"multi\nline\"", "multi\nline")]
    [InlineData("'raw \\n \\\\ \"'", "raw \\n \\\\ \"")]
    [InlineData("\"$fu/$tu\"", "$fu/$tu")]
    [InlineData("\"a # not a comment\"", "a # not a comment")]
    public void Tokenize_String_DecodesEscapes(string text, string expected)
    {
        var token = Lex(text)[0];

        Assert.Equal(TokenKind.String, token.Kind);
        Assert.Equal(expected, token.StringValue);
        Assert.Equal(text, token.Text);
    }

    [Theory]
    [InlineData("$ru", "ru", null, null)]
    [InlineData("$DLG_timeout", "DLG_timeout", null, null)]
    [InlineData("$T_reply_code", "T_reply_code", null, null)]
    [InlineData("$avp(x)", "avp", "x", null)]
    [InlineData("$var(x)", "var", "x", null)]
    [InlineData("$hdr(From)", "hdr", "From", null)]
    [InlineData("$rb(application/sdp)", "rb", "application/sdp", null)]
    [InlineData("$hdr(Via)[1]", "hdr", "Via", "1")]
    [InlineData("$(avp(callee_array)[$var(it)])", "avp", "callee_array", "$var(it)")]
    [InlineData("$json(a(b)c)", "json", "a(b)c", null)]
    public void Tokenize_PseudoVariable_OneTokenWithStructure(string text, string name, string? inner, string? index)
    {
        var tokens = Lex(text);

        Assert.Equal(2, tokens.Count);
        var pv = Assert.IsType<PvRef>(tokens[0].Pv);
        Assert.Equal(TokenKind.PseudoVariable, tokens[0].Kind);
        Assert.Equal(text, tokens[0].Text);
        Assert.Equal(name, pv.Name);
        Assert.Equal(inner, pv.Inner);
        Assert.Equal(index, pv.Index);
    }

    [Fact]
    public void Tokenize_PseudoVariableWithTransformations_ListsThemRaw()
    {
        var pv = Lex("$(hdr(From)[0]{uri.user}{s.len})")[0].Pv!;

        Assert.Equal("hdr", pv.Name);
        Assert.Equal("From", pv.Inner);
        Assert.Equal("0", pv.Index);
        Assert.Equal(["uri.user", "s.len"], pv.Transformations);
    }

    [Fact]
    public void Tokenize_TransformationWithNestedArguments_KeepsBracesInside()
    {
        var pv = Lex("$(var(x){s.select,1,{x}}{s.int})")[0].Pv!;

        Assert.Equal("var", pv.Name);
        Assert.Equal(["s.select,1,{x}", "s.int"], pv.Transformations);
    }

    [Fact]
    public void Tokenize_PseudoVariableFollowedByOperator_StopsAtName()
    {
        Assert.Equal([TokenKind.PseudoVariable, TokenKind.Equal, TokenKind.String, TokenKind.EndOfFile], Kinds("$rU==\"alice\""));
    }

    [Theory]
    [InlineData("# hash comment\nx")]
    [InlineData("// slash comment\nx")]
    [InlineData("/* block\n comment */x")]
    [InlineData("/* a */ /* b */ x # tail")]
    [InlineData("/* outer /* nested */ still comment */ x")]
    public void Tokenize_Comments_Skipped(string text)
    {
        var tokens = Lex(text);

        Assert.Equal(2, tokens.Count);
        Assert.Equal("x", tokens[0].Text);
    }

    [Fact]
    public void Tokenize_Positions_OneBasedLineAndColumnWithFile()
    {
        var tokens = Lex("route {\n\tif ($ru)\n    exit;\n}");

        Assert.Equal((1, 1), (tokens[0].Line, tokens[0].Column));
        Assert.Equal((1, 7), (tokens[1].Line, tokens[1].Column));
        Assert.Equal((2, 2), (tokens[2].Line, tokens[2].Column));
        Assert.Equal((2, 5), (tokens[3].Line, tokens[3].Column));
        Assert.Equal((2, 6), (tokens[4].Line, tokens[4].Column));
        Assert.Equal((3, 5), (tokens[6].Line, tokens[6].Column));
        Assert.Equal((4, 1), (tokens[8].Line, tokens[8].Column));
        Assert.All(tokens, t => Assert.Equal("t.cfg", t.File));
    }

    [Fact]
    public void Tokenize_UnterminatedString_DiagnosticAtOpeningQuote()
    {
        var (_, diagnostics) = Lexer.Tokenize("x = 1;\n  xlog(\"oops);", "t.cfg");

        var d = Assert.Single(diagnostics);
        Assert.Equal((2, 8), (d.Line, d.Column));
        Assert.Contains("unterminated string", d.Message);
    }

    [Fact]
    public void Tokenize_UnterminatedBlockComment_Diagnostic()
    {
        var (_, diagnostics) = Lexer.Tokenize("x\n/* never closed", "t.cfg");

        var d = Assert.Single(diagnostics);
        Assert.Equal((2, 1), (d.Line, d.Column));
        Assert.Contains("unterminated comment", d.Message);
    }

    [Fact]
    public void Tokenize_StrayCharacter_DiagnosticAndContinues()
    {
        var (tokens, diagnostics) = Lexer.Tokenize("a @ b", "t.cfg");

        var d = Assert.Single(diagnostics);
        Assert.Equal("t.cfg:1:3: error: unexpected character '@' (at '@')", d.ToString());
        Assert.Equal(3, tokens.Count);
    }

    [Fact]
    public void Tokenize_DollarWithoutName_Diagnostic()
    {
        var (_, diagnostics) = Lexer.Tokenize("$ = 1", "t.cfg");

        Assert.Contains("pseudo-variable name", Assert.Single(diagnostics).Message);
    }
}
