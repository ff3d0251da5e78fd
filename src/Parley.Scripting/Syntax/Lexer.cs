using System.Globalization;
using System.Text;

namespace Parley.Scripting.Syntax;

/// <summary>
/// Turns OpenSIPS 3.x script text into tokens. Errors (unterminated strings or comments, stray
/// characters) are reported as <see cref="ScriptDiagnostic"/> values; the lexer never throws on input.
/// </summary>
internal sealed class Lexer
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.Ordinal)
    {
        ["if"] = TokenKind.If,
        ["else"] = TokenKind.Else,
        ["while"] = TokenKind.While,
        ["for"] = TokenKind.For,
        ["switch"] = TokenKind.Switch,
        ["case"] = TokenKind.Case,
        ["default"] = TokenKind.Default,
        ["break"] = TokenKind.Break,
        ["return"] = TokenKind.Return,
        ["exit"] = TokenKind.Exit,
        ["drop"] = TokenKind.Drop,
        ["route"] = TokenKind.Route,
        ["branch_route"] = TokenKind.BranchRoute,
        ["failure_route"] = TokenKind.FailureRoute,
        ["onreply_route"] = TokenKind.OnReplyRoute,
        ["local_route"] = TokenKind.LocalRoute,
        ["error_route"] = TokenKind.ErrorRoute,
        ["startup_route"] = TokenKind.StartupRoute,
        ["timer_route"] = TokenKind.TimerRoute,
        ["event_route"] = TokenKind.EventRoute,
        ["loadmodule"] = TokenKind.LoadModule,
        ["modparam"] = TokenKind.ModParam,
        ["include_file"] = TokenKind.IncludeFile,
        ["import_file"] = TokenKind.ImportFile,
        ["NULL"] = TokenKind.Null,
    };

    private readonly string _text;
    private readonly string _file;
    private readonly List<Token> _tokens = [];
    private readonly List<ScriptDiagnostic> _diagnostics = [];
    private int _pos;
    private int _line = 1;
    private int _column = 1;

    private Lexer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    /// <summary>Tokenizes <paramref name="text"/>; the token list always ends with an EndOfFile token.</summary>
    public static (IReadOnlyList<Token> Tokens, IReadOnlyList<ScriptDiagnostic> Diagnostics) Tokenize(string text, string file = "<script>")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        var lexer = new Lexer(text, file);
        lexer.Run();
        return (lexer._tokens, lexer._diagnostics);
    }

    private char Current => _pos < _text.Length ? _text[_pos] : '\0';

    private char Peek(int ahead) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private void Advance()
    {
        if (_pos >= _text.Length)
        {
            return;
        }

        if (_text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _pos++;
    }

    private void Run()
    {
        while (true)
        {
            SkipTriviaAndComments();
            if (_pos >= _text.Length)
            {
                _tokens.Add(new Token(TokenKind.EndOfFile, string.Empty, _file, _line, _column, _pos, 0));
                return;
            }

            LexToken();
        }
    }

    private void SkipTriviaAndComments()
    {
        while (_pos < _text.Length)
        {
            var c = Current;
            if (char.IsWhiteSpace(c))
            {
                Advance();
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (_pos < _text.Length && Current != '\n')
                {
                    Advance();
                }
            }
            else if (c == '/' && Peek(1) == '*')
            {
                int line = _line, column = _column;
                Advance();
                Advance();
                // Block comments nest, as in the OpenSIPS lexer.
                var closed = false;
                var nesting = 1;
                while (_pos < _text.Length)
                {
                    if (Current == '*' && Peek(1) == '/')
                    {
                        Advance();
                        Advance();
                        if (--nesting == 0)
                        {
                            closed = true;
                            break;
                        }
                    }
                    else if (Current == '/' && Peek(1) == '*')
                    {
                        Advance();
                        Advance();
                        nesting++;
                    }
                    else
                    {
                        Advance();
                    }
                }

                if (!closed)
                {
                    _diagnostics.Add(new ScriptDiagnostic(_file, line, column, "unterminated comment: '/*' is never closed by '*/'", "/*"));
                }
            }
            else
            {
                return;
            }
        }
    }

    private void LexToken()
    {
        int start = _pos, line = _line, column = _column;
        var c = Current;
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (char.IsAsciiLetterOrDigit(Current) || Current == '_')
            {
                Advance();
            }

            var word = _text[start.._pos];
            var kind = Keywords.GetValueOrDefault(word, TokenKind.Identifier);
            _tokens.Add(new Token(kind, word, _file, line, column, start, _pos - start));
            return;
        }

        if (char.IsAsciiDigit(c))
        {
            LexNumber(start, line, column);
            return;
        }

        if (c is '"' or '\'')
        {
            LexString(start, line, column, c);
            return;
        }

        if (c == '$')
        {
            LexPseudoVariable(start, line, column);
            return;
        }

        var (opKind, length) = MatchOperator(c, Peek(1));
        if (length == 0)
        {
            Advance();
            _diagnostics.Add(new ScriptDiagnostic(_file, line, column, $"unexpected character '{c}'", c.ToString()));
            return;
        }

        for (var i = 0; i < length; i++)
        {
            Advance();
        }

        _tokens.Add(new Token(opKind, _text[start.._pos], _file, line, column, start, length));
    }

    private static (TokenKind Kind, int Length) MatchOperator(char c, char next) => (c, next) switch
    {
        (':', '=') => (TokenKind.ColonAssign, 2),
        ('+', '=') => (TokenKind.PlusAssign, 2),
        ('-', '=') => (TokenKind.MinusAssign, 2),
        ('*', '=') => (TokenKind.StarAssign, 2),
        ('/', '=') => (TokenKind.SlashAssign, 2),
        ('%', '=') => (TokenKind.PercentAssign, 2),
        ('&', '=') => (TokenKind.AmpersandAssign, 2),
        ('|', '=') => (TokenKind.PipeAssign, 2),
        ('^', '=') => (TokenKind.CaretAssign, 2),
        ('=', '=') => (TokenKind.Equal, 2),
        ('!', '=') => (TokenKind.NotEqual, 2),
        ('<', '=') => (TokenKind.LessEqual, 2),
        ('>', '=') => (TokenKind.GreaterEqual, 2),
        ('=', '~') => (TokenKind.Match, 2),
        ('!', '~') => (TokenKind.NotMatch, 2),
        ('&', '&') => (TokenKind.AndAnd, 2),
        ('|', '|') => (TokenKind.OrOr, 2),
        ('<', '<') => (TokenKind.ShiftLeft, 2),
        ('>', '>') => (TokenKind.ShiftRight, 2),
        ('=', _) => (TokenKind.Assign, 1),
        ('<', _) => (TokenKind.Less, 1),
        ('>', _) => (TokenKind.Greater, 1),
        ('!', _) => (TokenKind.Not, 1),
        ('+', _) => (TokenKind.Plus, 1),
        ('-', _) => (TokenKind.Minus, 1),
        ('*', _) => (TokenKind.Star, 1),
        ('/', _) => (TokenKind.Slash, 1),
        ('%', _) => (TokenKind.Percent, 1),
        ('&', _) => (TokenKind.Ampersand, 1),
        ('|', _) => (TokenKind.Pipe, 1),
        ('^', _) => (TokenKind.Caret, 1),
        ('~', _) => (TokenKind.Tilde, 1),
        ('.', _) => (TokenKind.Dot, 1),
        ('(', _) => (TokenKind.LeftParen, 1),
        (')', _) => (TokenKind.RightParen, 1),
        ('{', _) => (TokenKind.LeftBrace, 1),
        ('}', _) => (TokenKind.RightBrace, 1),
        ('[', _) => (TokenKind.LeftBracket, 1),
        (']', _) => (TokenKind.RightBracket, 1),
        (',', _) => (TokenKind.Comma, 1),
        (';', _) => (TokenKind.Semicolon, 1),
        (':', _) => (TokenKind.Colon, 1),
        _ => (TokenKind.EndOfFile, 0),
    };

    private static bool TryOctal(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.Length < 2 || digits[0] != '0' || digits.Length > 21)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (c is < '0' or > '7')
            {
                value = 0;
                return false;
            }

            value = (value * 8) + (c - '0');
        }

        return true;
    }

    private void LexNumber(int start, int line, int column)
    {
        long value = 0;
        if (Current == '0' && (Peek(1) is 'x' or 'X') && char.IsAsciiHexDigit(Peek(2)))
        {
            Advance();
            Advance();
            var digitsStart = _pos;
            while (char.IsAsciiHexDigit(Current))
            {
                Advance();
            }

            if (!long.TryParse(_text.AsSpan(digitsStart, _pos - digitsStart), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
            {
                _diagnostics.Add(new ScriptDiagnostic(_file, line, column, "hexadecimal number is too large", _text[start.._pos]));
            }
        }
        else
        {
            while (char.IsAsciiDigit(Current))
            {
                Advance();
            }

            if (TryLexIpv4(start, line, column))
            {
                return;
            }

            if (TryOctal(_text.AsSpan(start, _pos - start), out value))
            {
                // OpenSIPS's cfg.lex OCTNUMBER (0[0-7]+): modparam("mi_fifo", "fifo_mode", 0660) is octal.
            }
            else if (!long.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                _diagnostics.Add(new ScriptDiagnostic(_file, line, column, "number is too large", _text[start.._pos]));
            }
        }

        _tokens.Add(new Token(TokenKind.Number, _text[start.._pos], _file, line, column, start, _pos - start) { NumberValue = value });
    }

    /// <summary>
    /// Strings follow the OpenSIPS 3.x lexer (cfg.lex): double-quoted strings decode \n \r \a \t \" \\,
    /// \xH or \xHH, two- or three-digit octal \ooo, and a backslash before a line break joins the lines;
    /// any other backslash is kept as written (so regular expressions such as "^\+1" survive). Single-quoted
    /// strings are raw: no escapes at all. Both may span lines.
    /// </summary>
    /// <summary>
    /// After the first octet's digits: <c>a.b.c.d</c> with an optional adjacent <c>/mask</c> is one
    /// IpAddress token (OpenSIPS's IPV4ADDR/IPNET), as in <c>$si == 10.0.0.0/8</c>.
    /// </summary>
    private bool TryLexIpv4(int start, int line, int column)
    {
        var i = _pos;
        for (var octet = 0; octet < 3; octet++)
        {
            if (i >= _text.Length || _text[i] != '.' || i + 1 >= _text.Length || !char.IsAsciiDigit(_text[i + 1]))
            {
                return false;
            }

            i++;
            while (i < _text.Length && char.IsAsciiDigit(_text[i]))
            {
                i++;
            }
        }

        if (i + 1 < _text.Length && _text[i] == '/' && char.IsAsciiDigit(_text[i + 1]))
        {
            i++;
            while (i < _text.Length && char.IsAsciiDigit(_text[i]))
            {
                i++;
            }
        }

        while (_pos < i)
        {
            Advance();
        }

        _tokens.Add(new Token(TokenKind.IpAddress, _text[start.._pos], _file, line, column, start, _pos - start));
        return true;
    }

    private void LexString(int start, int line, int column, char quote)
    {
        Advance();
        var sb = new StringBuilder();
        var closed = false;
        while (_pos < _text.Length)
        {
            var c = Current;
            if (c == quote)
            {
                Advance();
                closed = true;
                break;
            }

            if (c == '\\' && quote == '"' && _pos + 1 < _text.Length)
            {
                LexEscape(sb);
                continue;
            }

            sb.Append(c);
            Advance();
        }

        if (!closed)
        {
            _diagnostics.Add(new ScriptDiagnostic(_file, line, column, $"unterminated string: the {quote} opened here is never closed", _text[start..Math.Min(_pos, start + 20)]));
        }

        _tokens.Add(new Token(TokenKind.String, _text[start.._pos], _file, line, column, start, _pos - start) { StringValue = sb.ToString() });
    }

    private void LexEscape(StringBuilder sb)
    {
        var next = Peek(1);
        char? simple = next switch
        {
            'n' => '\n',
            'r' => '\r',
            'a' => '\a',
            't' => '\t',
            '"' => '"',
            '\\' => '\\',
            _ => null,
        };
        if (simple is { } decoded)
        {
            sb.Append(decoded);
            Advance();
            Advance();
            return;
        }

        if (next == '\n' || (next == '\r' && Peek(2) == '\n'))
        {
            Advance();
            if (Current == '\r')
            {
                Advance();
            }

            Advance();
            return;
        }

        if (next == 'x' && char.IsAsciiHexDigit(Peek(2)))
        {
            var digits = char.IsAsciiHexDigit(Peek(3)) ? 2 : 1;
            sb.Append((char)int.Parse(_text.AsSpan(_pos + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            for (var i = 0; i < 2 + digits; i++)
            {
                Advance();
            }

            return;
        }

        if (IsOctal(next) && IsOctal(Peek(2)))
        {
            var digits = IsOctal(Peek(3)) ? 3 : 2;
            var value = 0;
            for (var i = 1; i <= digits; i++)
            {
                value = (value * 8) + (Peek(i) - '0');
            }

            sb.Append((char)(value & 0xFF));
            for (var i = 0; i < 1 + digits; i++)
            {
                Advance();
            }

            return;
        }

        // Unknown escape: the backslash stays, the next character is read normally.
        sb.Append('\\');
        Advance();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private void LexPseudoVariable(int start, int line, int column)
    {
        Advance();
        if (Current == '(')
        {
            if (!SkipBalanced(')'))
            {
                _diagnostics.Add(new ScriptDiagnostic(_file, line, column, "unterminated pseudo-variable: '$(' is never closed by ')'", _text[start..Math.Min(_pos, start + 20)]));
            }
        }
        else
        {
            var nameStart = _pos;
            while (PvRef.IsNameChar(Current))
            {
                Advance();
            }

            if (_pos == nameStart)
            {
                _diagnostics.Add(new ScriptDiagnostic(_file, line, column, "expected a pseudo-variable name after '$'", "$"));
            }

            if (Current == '(' && _pos > nameStart && !SkipBalanced(')'))
            {
                _diagnostics.Add(new ScriptDiagnostic(_file, line, column, $"unterminated pseudo-variable: '(' after '${_text[nameStart.._pos].Split('(')[0]}' is never closed", _text[start..Math.Min(_pos, start + 20)]));
            }

            if (Current == '[' && _pos > nameStart && !SkipBalanced(']'))
            {
                _diagnostics.Add(new ScriptDiagnostic(_file, line, column, "unterminated pseudo-variable index: '[' is never closed by ']'", _text[start..Math.Min(_pos, start + 20)]));
            }
        }

        var raw = _text[start.._pos];
        _tokens.Add(new Token(TokenKind.PseudoVariable, raw, _file, line, column, start, _pos - start) { Pv = PvRef.Parse(raw) });
    }

    /// <summary>Consumes a bracketed group with nesting (any of (), [], {}); stops at end of line on failure.</summary>
    private bool SkipBalanced(char close)
    {
        var depth = 0;
        while (_pos < _text.Length)
        {
            var c = Current;
            if (c == '\n')
            {
                return false;
            }

            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth--;
                if (depth == 0)
                {
                    Advance();
                    return c == close;
                }
            }

            Advance();
        }

        return false;
    }
}
