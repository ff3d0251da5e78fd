using System.Text;

namespace Parley.Scripting.Syntax;

/// <summary>
/// Recursive-descent parser for OpenSIPS 3.x routing scripts. It collects every error it can find,
/// recovering at ';' or '}' (statements) and at the next top-level keyword (declarations).
/// </summary>
/// <remarks>
/// Expression precedence, lowest to highest, C-like as chosen for Parley:
/// <code>
///   1  ||
///   2  &amp;&amp;
///   3  |  ^  &amp;                 (bitwise)
///   4  ==  !=  =~  !~           (equality and regex match)
///   5  &lt;  &gt;  &lt;=  &gt;=            (relational)
///   6  &lt;&lt;  &gt;&gt;                   (shift)
///   7  +  -  .                  (additive; '.' is string concatenation)
///   8  *  /  %                  (multiplicative)
///   9  !  -  ~                  (unary, right-associative)
///  10  primary: literal, NULL, pseudo-variable, identifier, call, ( expression )
/// </code>
/// All binary levels are left-associative. <c>uri == myself</c> is an ordinary comparison with the
/// identifier <c>myself</c>.
/// <para>
/// How this relates to OpenSIPS 3.x's own grammar (cfg.y): there, a condition is a tree of
/// <c>&amp;&amp;</c>/<c>||</c> (one shared, left-associative level: <c>a || b &amp;&amp; c</c> is
/// <c>(a || b) &amp;&amp; c</c>), <c>!</c> and parentheses over single comparisons
/// (<c>$pv op $pv|"string"|number|NULL|ip/net</c>) or function calls; arithmetic appears on the
/// right of assignments and inside <c>[ ... ]</c> in conditions, where <c>| &amp; ^ &lt;&lt; &gt;&gt;</c> form one level below
/// <c>+ - * / %</c>, which also share one level (<c>1 + 2 * 3</c> is 9). This parser accepts a
/// superset (any expression anywhere); it differs in how unparenthesised mixes of <c>&amp;&amp;</c>
/// with <c>||</c>, or of <c>+ -</c> with <c>* / %</c>, group. The binder is the place to warn on those.
/// Not lexed yet: IPv6 address literals and bare host names with dashes in conditions.
/// </para>
/// </remarks>
internal sealed class Parser
{
    private const int MaxDepth = 200;
    private const int MaxIncludeDepth = 16;

    private static readonly TokenKind[][] BinaryLevels =
    [
        [TokenKind.OrOr],
        [TokenKind.AndAnd],
        [TokenKind.Pipe, TokenKind.Caret, TokenKind.Ampersand],
        [TokenKind.Equal, TokenKind.NotEqual, TokenKind.Match, TokenKind.NotMatch],
        [TokenKind.Less, TokenKind.Greater, TokenKind.LessEqual, TokenKind.GreaterEqual],
        [TokenKind.ShiftLeft, TokenKind.ShiftRight],
        [TokenKind.Plus, TokenKind.Minus, TokenKind.Dot],
        [TokenKind.Star, TokenKind.Slash, TokenKind.Percent],
    ];

    private readonly IReadOnlyList<Token> _tokens;
    private readonly string _text;
    private readonly string _file;
    private readonly List<ScriptDiagnostic> _diagnostics;
    private readonly Func<string, string?>? _loader;
    private readonly int _includeDepth;
    private int _index;
    private int _depth;

    private Parser(string text, string file, List<ScriptDiagnostic> diagnostics, Func<string, string?>? loader, int includeDepth)
    {
        _text = text;
        _file = file;
        _diagnostics = diagnostics;
        _loader = loader;
        _includeDepth = includeDepth;
        var (tokens, lexErrors) = Lexer.Tokenize(text, file);
        _tokens = tokens;
        _diagnostics.AddRange(lexErrors);
    }

    /// <summary>
    /// Parses a script. <paramref name="loader"/>, when given, reads included files: it receives the
    /// path resolved relative to the including file and returns the text, or null when unreadable.
    /// Never throws on malformed input.
    /// </summary>
    public static ParseResult Parse(string text, string file = "<script>", Func<string, string?>? loader = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        var diagnostics = new List<ScriptDiagnostic>();
        var script = ParseInto(text, file, diagnostics, loader, 0);
        return new ParseResult(script, InSourceOrder(diagnostics));
    }

    /// <summary>
    /// Orders diagnostics by line and column within each file (lexer and parser errors interleave),
    /// keeping files in the order they were first reported and ties in discovery order.
    /// </summary>
    private static List<ScriptDiagnostic> InSourceOrder(List<ScriptDiagnostic> diagnostics)
    {
        var files = new List<string>();
        foreach (var d in diagnostics)
        {
            if (!files.Contains(d.File))
            {
                files.Add(d.File);
            }
        }

        var ordered = new List<ScriptDiagnostic>(diagnostics.Count);
        foreach (var file in files)
        {
            var inFile = new List<(ScriptDiagnostic Diagnostic, int Index)>();
            for (var i = 0; i < diagnostics.Count; i++)
            {
                if (diagnostics[i].File == file)
                {
                    inFile.Add((diagnostics[i], i));
                }
            }

            inFile.Sort(static (a, b) =>
            {
                var byLine = a.Diagnostic.Line.CompareTo(b.Diagnostic.Line);
                if (byLine != 0)
                {
                    return byLine;
                }

                var byColumn = a.Diagnostic.Column.CompareTo(b.Diagnostic.Column);
                return byColumn != 0 ? byColumn : a.Index.CompareTo(b.Index);
            });
            foreach (var (diagnostic, _) in inFile)
            {
                ordered.Add(diagnostic);
            }
        }

        return ordered;
    }

    private static ScriptFile ParseInto(string text, string file, List<ScriptDiagnostic> diagnostics, Func<string, string?>? loader, int includeDepth)
        => new Parser(text, file, diagnostics, loader, includeDepth).ParseScript();

    private Token Current => _tokens[_index];

    private Token PeekToken(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private bool At(TokenKind kind) => Current.Kind == kind;

    private Token Next()
    {
        var token = Current;
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }

        return token;
    }

    private bool Accept(TokenKind kind)
    {
        if (At(kind))
        {
            Next();
            return true;
        }

        return false;
    }

    private static string Describe(Token token) => token.Kind == TokenKind.EndOfFile ? "end of file" : $"'{token.Text}'";

    private void Report(Token at, string message)
        => _diagnostics.Add(new ScriptDiagnostic(at.File, at.Line, at.Column, message, at.Kind == TokenKind.EndOfFile ? "<end of file>" : at.Text));

    private ParseAbortException Fail(Token at, string message)
    {
        Report(at, message);
        return new ParseAbortException(message);
    }

    private Token Expect(TokenKind kind, string message)
    {
        if (!At(kind))
        {
            throw Fail(Current, $"{message}, found {Describe(Current)}");
        }

        return Next();
    }

    // ---------------------------------------------------------------- top level

    private ScriptFile ParseScript()
    {
        var declarations = new List<Declaration>();
        while (!At(TokenKind.EndOfFile))
        {
            var start = _index;
            try
            {
                var declaration = ParseDeclaration();
                if (declaration is not null)
                {
                    declarations.Add(declaration);
                }
            }
            catch (ParseAbortException)
            {
                SynchronizeTopLevel(start);
            }
        }

        return new ScriptFile(_file, declarations);
    }

    private static bool StartsDeclaration(TokenKind kind) => kind is TokenKind.Route or TokenKind.BranchRoute or TokenKind.FailureRoute
        or TokenKind.OnReplyRoute or TokenKind.LocalRoute or TokenKind.ErrorRoute or TokenKind.StartupRoute or TokenKind.TimerRoute
        or TokenKind.EventRoute or TokenKind.LoadModule or TokenKind.ModParam or TokenKind.IncludeFile or TokenKind.ImportFile;

    private void SynchronizeTopLevel(int start)
    {
        if (_index == start)
        {
            Next();
        }

        var depth = 0;
        while (!At(TokenKind.EndOfFile))
        {
            if (depth == 0 && StartsDeclaration(Current.Kind) && Current.Column == 1)
            {
                return;
            }

            if (depth == 0 && Current.Kind == TokenKind.Identifier && Current.Column == 1 && PeekToken(1).Kind == TokenKind.Assign)
            {
                return;
            }

            switch (Next().Kind)
            {
                case TokenKind.LeftBrace:
                    depth++;
                    break;
                case TokenKind.RightBrace:
                    depth--;
                    if (depth <= 0)
                    {
                        return;
                    }

                    break;
                case TokenKind.Semicolon when depth == 0:
                    return;
            }
        }
    }

    private Declaration? ParseDeclaration()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Semicolon:
                Next();
                return null;
            case TokenKind.LoadModule:
                {
                    Next();
                    var path = Expect(TokenKind.String, "expected the module file name in quotes after 'loadmodule'");
                    Accept(TokenKind.Semicolon);
                    return new LoadModuleDeclaration(path.StringValue ?? string.Empty, token.Line, token.Column);
                }

            case TokenKind.ModParam:
                return ParseModParam();
            case TokenKind.IncludeFile:
            case TokenKind.ImportFile:
                return ParseInclude();
            case TokenKind.Route:
                return ParseRouteBlock(RouteType.Request, nameRequired: false);
            case TokenKind.BranchRoute:
                return ParseRouteBlock(RouteType.Branch, nameRequired: true);
            case TokenKind.FailureRoute:
                return ParseRouteBlock(RouteType.Failure, nameRequired: true);
            case TokenKind.OnReplyRoute:
                return ParseRouteBlock(RouteType.OnReply, nameRequired: false);
            case TokenKind.LocalRoute:
                return ParseRouteBlock(RouteType.Local, nameRequired: false);
            case TokenKind.ErrorRoute:
                return ParseRouteBlock(RouteType.Error, nameRequired: false);
            case TokenKind.StartupRoute:
                return ParseRouteBlock(RouteType.Startup, nameRequired: false);
            case TokenKind.TimerRoute:
                return ParseRouteBlock(RouteType.Timer, nameRequired: true);
            case TokenKind.EventRoute:
                return ParseRouteBlock(RouteType.Event, nameRequired: true);
            case TokenKind.Identifier:
                if (PeekToken(1).Kind == TokenKind.Assign)
                {
                    return ParseGlobalParameter();
                }

                if (token.Text.EndsWith("_route", StringComparison.Ordinal))
                {
                    throw Fail(token, $"unknown route type '{token.Text}'");
                }

                throw Fail(PeekToken(1), $"expected '=' after the global parameter name '{token.Text}', found {Describe(PeekToken(1))}");
            case TokenKind.Else:
                throw Fail(token, "'else' without 'if'");
            case TokenKind.RightBrace:
                throw Fail(token, "unexpected '}' with no open block");
            case TokenKind.If:
            case TokenKind.While:
            case TokenKind.For:
            case TokenKind.Switch:
            case TokenKind.Return:
            case TokenKind.Exit:
            case TokenKind.Drop:
            case TokenKind.PseudoVariable:
                throw Fail(token, $"{Describe(token)} is a statement and must be inside a route block");
            default:
                throw Fail(token, $"expected a global parameter, 'loadmodule', 'modparam' or a route block, found {Describe(token)}");
        }
    }

    private GlobalParameter ParseGlobalParameter()
    {
        var name = Next();
        var equals = Next();
        var first = Current;
        var last = first;
        var count = 0;
        while (!At(TokenKind.EndOfFile) && !At(TokenKind.Semicolon) && Current.Line == equals.Line)
        {
            last = Next();
            count++;
        }

        if (count == 0)
        {
            throw Fail(first, $"expected a value after '{name.Text} ='");
        }

        Accept(TokenKind.Semicolon);
        var raw = _text[first.Offset..last.EndOffset];
        Expression? value = null;
        if (count == 1)
        {
            value = first.Kind switch
            {
                TokenKind.Number => new NumberLiteral(first.NumberValue, first.Line, first.Column),
                TokenKind.String => new StringLiteral(first.StringValue ?? string.Empty, first.Line, first.Column),
                TokenKind.Identifier => new IdentifierExpression(first.Text, first.Line, first.Column),
                _ => null,
            };
        }
        else if (count == 2 && first.Kind == TokenKind.Minus && last.Kind == TokenKind.Number)
        {
            value = new NumberLiteral(-last.NumberValue, first.Line, first.Column);
        }

        return new GlobalParameter(name.Text, value, raw, name.Line, name.Column) { ValueLine = first.Line, ValueColumn = first.Column };
    }

    private ModParamDeclaration ParseModParam()
    {
        var keyword = Next();
        var open = Expect(TokenKind.LeftParen, "expected '(' after 'modparam'");
        var module = Expect(TokenKind.String, "expected the module name in quotes as the first argument of 'modparam'");
        Expect(TokenKind.Comma, "expected ',' after the module name in 'modparam'");
        var parameter = Expect(TokenKind.String, "expected the parameter name in quotes as the second argument of 'modparam'");
        Expect(TokenKind.Comma, "expected ',' after the parameter name in 'modparam'");
        var value = ParseExpression();
        if (!At(TokenKind.RightParen))
        {
            throw Fail(Current, $"expected ')' to close 'modparam' opened at {open.Position}, found {Describe(Current)}");
        }

        Next();
        Accept(TokenKind.Semicolon);
        return new ModParamDeclaration(module.StringValue ?? string.Empty, parameter.StringValue ?? string.Empty, value, keyword.Line, keyword.Column);
    }

    private IncludeDeclaration ParseInclude()
    {
        var keyword = Next();
        var path = Expect(TokenKind.String, $"expected the file name in quotes after '{keyword.Text}'");
        Accept(TokenKind.Semicolon);
        var relative = path.StringValue ?? string.Empty;
        ScriptFile? included = null;
        if (_loader is not null)
        {
            var directory = Path.GetDirectoryName(_file);
            var resolved = Path.IsPathRooted(relative) || string.IsNullOrEmpty(directory) ? relative : Path.Combine(directory, relative);
            if (_includeDepth >= MaxIncludeDepth)
            {
                Report(path, $"'{keyword.Text}' nested more than {MaxIncludeDepth} levels deep (is a file including itself?)");
            }
            else
            {
                var text = _loader(resolved);
                if (text is null)
                {
                    Report(path, $"cannot read the file '{resolved}' named by '{keyword.Text}'");
                }
                else
                {
                    included = ParseInto(text, resolved, _diagnostics, _loader, _includeDepth + 1);
                }
            }
        }

        return new IncludeDeclaration(relative, keyword.Kind == TokenKind.ImportFile, included, keyword.Line, keyword.Column);
    }

    private RouteBlock ParseRouteBlock(RouteType type, bool nameRequired)
    {
        var keyword = Next();
        string? name = null;
        string? options = null;
        if (At(TokenKind.LeftBracket))
        {
            var open = Next();
            name = ParseRouteName(keyword);
            if (At(TokenKind.Comma))
            {
                var optionsText = new StringBuilder();
                while (Accept(TokenKind.Comma))
                {
                    if (!(At(TokenKind.Identifier) || At(TokenKind.Number) || At(TokenKind.String)))
                    {
                        throw Fail(Current, $"expected a value after ',' in '{keyword.Text}[...]', found {Describe(Current)}");
                    }

                    var option = Next();
                    if (optionsText.Length > 0)
                    {
                        optionsText.Append(',');
                    }

                    optionsText.Append(option.StringValue ?? option.Text);
                }

                options = optionsText.ToString();
            }

            if (!At(TokenKind.RightBracket))
            {
                throw Fail(Current, $"expected ']' to close the name of '{keyword.Text}' opened at {open.Position}, found {Describe(Current)}");
            }

            Next();
        }
        else if (nameRequired)
        {
            throw Fail(Current, $"'{keyword.Text}' needs a name in brackets, e.g. {keyword.Text}[name], found {Describe(Current)}");
        }

        if (type == RouteType.Timer && options is null)
        {
            Report(keyword, "'timer_route' needs an interval in seconds, e.g. timer_route[name, 60]");
        }

        if (!At(TokenKind.LeftBrace))
        {
            throw Fail(Current, $"expected '{{' to start the body of '{keyword.Text}', found {Describe(Current)}");
        }

        var body = ParseBlock($"'{keyword.Text}'");
        return new RouteBlock(type, name, options, body, keyword.Line, keyword.Column);
    }

    private string ParseRouteName(Token keyword)
    {
        var token = Current;
        if (token.Kind == TokenKind.String)
        {
            Next();
            return token.StringValue ?? string.Empty;
        }

        if (token.Kind == TokenKind.Number || (token.Text.Length > 0 && (char.IsAsciiLetter(token.Text[0]) || token.Text[0] == '_')))
        {
            Next();
            return token.Text;
        }

        throw Fail(token, $"expected a route name in '{keyword.Text}[...]', found {Describe(token)}");
    }

    // ---------------------------------------------------------------- statements

    private BlockStatement ParseBlock(string owner)
    {
        var open = Next();
        var statements = new List<Statement>();
        while (!At(TokenKind.RightBrace))
        {
            if (At(TokenKind.EndOfFile))
            {
                Report(Current, $"expected '}}' to close the block of {owner} opened at {open.Position}");
                return new BlockStatement(statements, open.Line, open.Column);
            }

            ParseStatementInto(statements);
        }

        Next();
        return new BlockStatement(statements, open.Line, open.Column);
    }

    private void ParseStatementInto(List<Statement> statements)
    {
        var start = _index;
        try
        {
            var statement = ParseStatement();
            if (statement is not null)
            {
                statements.Add(statement);
            }
        }
        catch (ParseAbortException)
        {
            SynchronizeStatement(start);
        }
    }

    /// <summary>Skips to just after the next ';' or to the next '}' closing the current block.</summary>
    private void SynchronizeStatement(int start)
    {
        var depth = 0;
        while (!At(TokenKind.EndOfFile))
        {
            switch (Current.Kind)
            {
                case TokenKind.Semicolon when depth == 0:
                    Next();
                    return;
                case TokenKind.LeftBrace:
                    depth++;
                    break;
                case TokenKind.RightBrace:
                    if (depth == 0)
                    {
                        if (_index == start)
                        {
                            Next();
                        }

                        return;
                    }

                    depth--;
                    if (depth == 0)
                    {
                        Next();
                        return;
                    }

                    break;
            }

            Next();
        }
    }

    private Statement? ParseStatement()
    {
        if (_depth >= MaxDepth)
        {
            throw Fail(Current, "statements are nested too deeply");
        }

        _depth++;
        try
        {
            return ParseStatementCore();
        }
        finally
        {
            _depth--;
        }
    }

    private Statement? ParseStatementCore()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Semicolon:
                Next();
                return null;
            case TokenKind.LeftBrace:
                return ParseBlock("'{'");
            case TokenKind.If:
                return ParseIf();
            case TokenKind.While:
                {
                    Next();
                    var condition = ParseCondition(token);
                    var body = ParseBody(token);
                    return new WhileStatement(condition, body, token.Line, token.Column);
                }

            case TokenKind.Switch:
                return ParseSwitch();
            case TokenKind.For:
                return ParseForEach();
            case TokenKind.Return:
                {
                    Next();
                    Expression? value = null;
                    if (!At(TokenKind.Semicolon))
                    {
                        value = ParseExpression();
                    }

                    ExpectSemicolon("'return'");
                    return new ReturnStatement(value, token.Line, token.Column);
                }

            case TokenKind.Exit:
            case TokenKind.Drop:
                {
                    Next();
                    if (At(TokenKind.LeftParen) && PeekToken(1).Kind == TokenKind.RightParen)
                    {
                        Next();
                        Next();
                    }

                    ExpectSemicolon($"'{token.Text}'");
                    return token.Kind == TokenKind.Exit ? new ExitStatement(token.Line, token.Column) : new DropStatement(token.Line, token.Column);
                }

            case TokenKind.Break:
                Next();
                ExpectSemicolon("'break'");
                return new BreakStatement(token.Line, token.Column);
            case TokenKind.Route:
                return ParseRouteCall();
            case TokenKind.Else:
                throw Fail(token, "'else' without 'if'");
            case TokenKind.Case:
            case TokenKind.Default:
                throw Fail(token, $"'{token.Text}' outside of a 'switch'");
            case TokenKind.BranchRoute:
            case TokenKind.FailureRoute:
            case TokenKind.OnReplyRoute:
            case TokenKind.LocalRoute:
            case TokenKind.ErrorRoute:
            case TokenKind.StartupRoute:
            case TokenKind.TimerRoute:
            case TokenKind.EventRoute:
            case TokenKind.LoadModule:
            case TokenKind.ModParam:
                throw Fail(token, $"'{token.Text}' cannot appear inside a route block (is a '}}' missing above?)");
            case TokenKind.PseudoVariable when IsAssignment(PeekToken(1).Kind):
                {
                    var target = (PseudoVariableExpression)ParsePrimary();
                    var op = Next();
                    var value = ParseExpression();
                    ExpectSemicolon($"the assignment to '{token.Text}'");
                    return new AssignmentStatement(target, op.Kind, value, token.Line, token.Column);
                }

            default:
                {
                    var expression = ParseExpression();
                    var what = expression is CallExpression call ? $"the call to '{call.Name}'" : "the expression";
                    ExpectSemicolon(what);
                    return new ExpressionStatement(expression, token.Line, token.Column);
                }
        }
    }

    private static bool IsAssignment(TokenKind kind) => kind is TokenKind.Assign or TokenKind.ColonAssign or TokenKind.PlusAssign
        or TokenKind.MinusAssign or TokenKind.StarAssign or TokenKind.SlashAssign or TokenKind.PercentAssign
        or TokenKind.AmpersandAssign or TokenKind.PipeAssign or TokenKind.CaretAssign;

    private void ExpectSemicolon(string after)
    {
        if (!Accept(TokenKind.Semicolon))
        {
            throw Fail(Current, $"expected ';' after {after}, found {Describe(Current)}");
        }
    }

    private IfStatement ParseIf()
    {
        var keyword = Next();
        var condition = ParseCondition(keyword);
        var then = ParseBody(keyword);
        Statement? otherwise = null;
        if (At(TokenKind.Else))
        {
            var elseToken = Next();
            otherwise = ParseBody(elseToken);
        }

        return new IfStatement(condition, then, otherwise, keyword.Line, keyword.Column);
    }

    private Expression ParseCondition(Token keyword)
    {
        var open = Expect(TokenKind.LeftParen, $"expected '(' after '{keyword.Text}'");
        var condition = ParseExpression();
        if (!At(TokenKind.RightParen))
        {
            throw Fail(Current, $"expected ')' to close the condition of '{keyword.Text}' opened at {open.Position}, found {Describe(Current)}");
        }

        Next();
        return condition;
    }

    private Statement ParseBody(Token owner)
    {
        if (At(TokenKind.LeftBrace))
        {
            return ParseBlock($"'{owner.Text}'");
        }

        if (At(TokenKind.EndOfFile) || At(TokenKind.RightBrace))
        {
            throw Fail(Current, $"expected a statement or block after '{owner.Text}', found {Describe(Current)}");
        }

        return ParseStatement() ?? new BlockStatement([], owner.Line, owner.Column);
    }

    private ForEachStatement ParseForEach()
    {
        var keyword = Next();
        var open = Expect(TokenKind.LeftParen, "expected '(' after 'for'");
        var variable = Expect(TokenKind.PseudoVariable, "expected the loop variable (e.g. $var(x)) after 'for ('");
        if (!(At(TokenKind.Identifier) && Current.Text == "in"))
        {
            throw Fail(Current, $"expected 'in' after the loop variable '{variable.Text}', found {Describe(Current)}");
        }

        Next();
        var source = Expect(TokenKind.PseudoVariable, "expected the variable to iterate (e.g. $(avp(list)[*])) after 'in'");
        if (!At(TokenKind.RightParen))
        {
            throw Fail(Current, $"expected ')' to close the 'for' opened at {open.Position}, found {Describe(Current)}");
        }

        Next();
        var body = ParseBody(keyword);
        return new ForEachStatement(
            new PseudoVariableExpression(variable.Pv ?? PvRef.Parse(variable.Text), variable.Line, variable.Column),
            new PseudoVariableExpression(source.Pv ?? PvRef.Parse(source.Text), source.Line, source.Column),
            body,
            keyword.Line,
            keyword.Column);
    }

    private SwitchStatement ParseSwitch()
    {
        var keyword = Next();
        var subject = ParseCondition(keyword);
        var open = Expect(TokenKind.LeftBrace, "expected '{' to start the body of 'switch'");
        var cases = new List<SwitchCase>();
        while (!At(TokenKind.RightBrace))
        {
            if (At(TokenKind.EndOfFile))
            {
                Report(Current, $"expected '}}' to close the body of 'switch' opened at {open.Position}");
                return new SwitchStatement(subject, cases, keyword.Line, keyword.Column);
            }

            var label = Current;
            Expression? value = null;
            var start = _index;
            try
            {
                if (Accept(TokenKind.Case))
                {
                    value = ParseExpression();
                }
                else if (!Accept(TokenKind.Default))
                {
                    throw Fail(label, $"expected 'case' or 'default' inside 'switch', found {Describe(label)}");
                }

                Expect(TokenKind.Colon, $"expected ':' after '{label.Text}' label");
            }
            catch (ParseAbortException)
            {
                SynchronizeStatement(start);
                continue;
            }

            var body = new List<Statement>();
            while (!At(TokenKind.Case) && !At(TokenKind.Default) && !At(TokenKind.RightBrace) && !At(TokenKind.EndOfFile))
            {
                ParseStatementInto(body);
            }

            cases.Add(new SwitchCase(value, body, label.Line, label.Column));
        }

        Next();
        return new SwitchStatement(subject, cases, keyword.Line, keyword.Column);
    }

    private RouteCallStatement ParseRouteCall()
    {
        var keyword = Next();
        var open = Expect(TokenKind.LeftParen, "expected '(' after 'route' (inside a route block, 'route' calls another route: route(name);)");
        var name = ParseRouteName(keyword);
        var arguments = new List<Expression>();
        while (Accept(TokenKind.Comma))
        {
            arguments.Add(ParseExpression());
        }

        if (!At(TokenKind.RightParen))
        {
            throw Fail(Current, $"expected ')' to close the call to route '{name}' opened at {open.Position}, found {Describe(Current)}");
        }

        Next();
        ExpectSemicolon($"the call to route '{name}'");
        return new RouteCallStatement(name, arguments, keyword.Line, keyword.Column);
    }

    // ---------------------------------------------------------------- expressions

    private Expression ParseExpression() => ParseBinary(0);

    private Expression ParseBinary(int level)
    {
        if (level == BinaryLevels.Length)
        {
            return ParseUnary();
        }

        var left = ParseBinary(level + 1);
        while (Array.IndexOf(BinaryLevels[level], Current.Kind) >= 0)
        {
            var op = Next();
            var right = ParseBinary(level + 1);
            left = new BinaryExpression(op.Kind, left, right, left.Line, left.Column);
        }

        return left;
    }

    private Expression ParseUnary()
    {
        var token = Current;
        if (token.Kind is TokenKind.Not or TokenKind.Minus or TokenKind.Tilde)
        {
            if (_depth >= MaxDepth)
            {
                throw Fail(token, "expression is nested too deeply");
            }

            _depth++;
            try
            {
                Next();
                var operand = ParseUnary();
                if (token.Kind == TokenKind.Minus && operand is NumberLiteral number)
                {
                    return new NumberLiteral(-number.Value, token.Line, token.Column);
                }

                return new UnaryExpression(token.Kind, operand, token.Line, token.Column);
            }
            finally
            {
                _depth--;
            }
        }

        return ParsePrimary();
    }

    /// <summary>An expression between an opening token and its closing one, guarded against deep nesting.</summary>
    private Expression ParseEnclosed(Token open, TokenKind close, char openChar, char closeChar)
    {
        if (_depth >= MaxDepth)
        {
            throw Fail(open, "expression is nested too deeply");
        }

        _depth++;
        try
        {
            Next();
            var inner = ParseExpression();
            if (!At(close))
            {
                throw Fail(Current, $"expected '{closeChar}' to close the '{openChar}' opened at {open.Position}, found {Describe(Current)}");
            }

            Next();
            return inner;
        }
        finally
        {
            _depth--;
        }
    }

    private Expression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                return new NumberLiteral(token.NumberValue, token.Line, token.Column);
            case TokenKind.String:
                {
                    Next();
                    var value = token.StringValue ?? string.Empty;
                    while (At(TokenKind.String))
                    {
                        value += Next().StringValue;
                    }

                    return new StringLiteral(value, token.Line, token.Column);
                }

            case TokenKind.Null:
                Next();
                return new NullLiteral(token.Line, token.Column);
            case TokenKind.IpAddress:
                Next();
                return new AddressLiteral(token.Text, token.Line, token.Column);
            case TokenKind.LeftBracket:
                // OpenSIPS's "[ expression ]" form: an arithmetic expression evaluated inside a condition.
                return ParseEnclosed(token, TokenKind.RightBracket, '[', ']');

            case TokenKind.PseudoVariable:
                Next();
                return new PseudoVariableExpression(token.Pv ?? PvRef.Parse(token.Text), token.Line, token.Column);
            case TokenKind.Identifier:
                Next();
                if (At(TokenKind.LeftParen))
                {
                    return ParseCallArguments(token);
                }

                return new IdentifierExpression(token.Text, token.Line, token.Column);
            case TokenKind.LeftParen:
                return ParseEnclosed(token, TokenKind.RightParen, '(', ')');

            case TokenKind.Else:
                throw Fail(token, "'else' without 'if'");
            default:
                throw Fail(token, $"expected an expression, found {Describe(token)}");
        }
    }

    private CallExpression ParseCallArguments(Token name)
    {
        Next();
        var arguments = new List<Expression>();
        if (Accept(TokenKind.RightParen))
        {
            return new CallExpression(name.Text, arguments, name.Line, name.Column);
        }

        while (true)
        {
            if (At(TokenKind.Comma) || At(TokenKind.RightParen))
            {
                arguments.Add(new EmptyArgument(Current.Line, Current.Column));
            }
            else
            {
                if (At(TokenKind.EndOfFile) || At(TokenKind.Semicolon) || At(TokenKind.LeftBrace) || At(TokenKind.RightBrace))
                {
                    throw Fail(Current, $"expected ')' to close the call to '{name.Text}' opened at {name.Position}, found {Describe(Current)}");
                }

                arguments.Add(ParseExpression());
            }

            if (Accept(TokenKind.Comma))
            {
                continue;
            }

            if (Accept(TokenKind.RightParen))
            {
                return new CallExpression(name.Text, arguments, name.Line, name.Column);
            }

            throw Fail(Current, $"expected ')' to close the call to '{name.Text}' opened at {name.Position}, found {Describe(Current)}");
        }
    }
}
