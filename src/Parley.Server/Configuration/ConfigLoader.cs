using System.Globalization;
using System.Text;

namespace Parley.Server.Configuration;

/// <summary>
/// Reads the global section of an <c>opensips.cfg</c>-style file: <c>name = value</c> assignments with <c>#</c>, <c>//</c>
/// and <c>/* */</c> comments. Every error is collected, none stops the scan, so <c>parley -c</c> lists them all at once.
/// The routing script (modules, routes) is compiled by the scripting layer; until it exists such statements are refused
/// with a clear message rather than ignored.
/// </summary>
public static class ConfigLoader
{
    private static readonly string[] KnownParameters =
    [
        "socket", "listen", "log_level", "log_stderror", "stderror_enabled", "debug_mode", "udp_workers", "children",
        "tcp_workers", "server_header", "user_agent_header", "alias", "mpath", "tcp_connection_lifetime", "tcp_max_msg_size",
    ];

    public static (ServerConfig Config, IReadOnlyList<ConfigError> Errors) LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (new ServerConfig(), [new ConfigError(path, 0, 0, "cannot read the configuration file: " + e.Message, "")]);
        }

        return Load(path, text);
    }

    public static (ServerConfig Config, IReadOnlyList<ConfigError> Errors) Load(string file, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<ConfigError>();
        var config = new ServerConfig();
        var sockets = new List<string>();
        var aliases = new List<string>();
        var lexer = new ConfigLexer(file, text, errors);
        while (true)
        {
            var name = lexer.Next();
            if (name.Kind == TokenKind.End)
            {
                break;
            }

            if (name.Kind != TokenKind.Word)
            {
                errors.Add(lexer.Error(name, "expected a parameter name such as 'socket' or 'log_level'"));
                lexer.SkipLine(name);
                continue;
            }

            if (name.Text is "loadmodule" or "modparam" or "route" or "branch_route" or "failure_route" or "onreply_route"
                or "local_route" or "error_route" or "startup_route" or "timer_route" or "event_route" or "include_file" or "import_file"
                || name.Text.StartsWith("route[", StringComparison.Ordinal))
            {
                errors.Add(lexer.Error(name, $"'{name.Text}' belongs to the routing script, which this Parley build cannot run yet; only global parameters are accepted"));
                lexer.SkipStatementOrBlock();
                continue;
            }

            var eq = lexer.Next();
            if (eq.Kind != TokenKind.Equals)
            {
                errors.Add(lexer.Error(eq, $"expected '=' after '{name.Text}'"));
                lexer.SkipLine(eq);
                continue;
            }

            var value = lexer.Next();
            if (value.Kind is not (TokenKind.Word or TokenKind.String or TokenKind.Number))
            {
                errors.Add(lexer.Error(value, $"expected a value for '{name.Text}'"));
                lexer.SkipLine(value);
                continue;
            }

            switch (name.Text)
            {
                case "socket":
                case "listen":
                    var socketError = SocketSpec.Validate(value.Text);
                    if (socketError is null)
                    {
                        sockets.Add(value.Text);
                    }
                    else
                    {
                        errors.Add(lexer.Error(value, socketError));
                    }

                    break;
                case "log_level":
                    if (TryInt(value, errors, lexer, -3, 4, out var level))
                    {
                        config = config with { LogLevel = level };
                    }

                    break;
                case "log_stderror":
                case "stderror_enabled":
                    if (TryBool(value, errors, lexer, out var stderr))
                    {
                        config = config with { LogToStdErr = stderr };
                    }

                    break;
                case "debug_mode":
                    if (TryBool(value, errors, lexer, out var debug) && debug)
                    {
                        config = config with { LogLevel = 4, UdpWorkers = 1, TcpWorkers = 1 };
                    }

                    break;
                case "udp_workers":
                case "children":
                    if (TryInt(value, errors, lexer, 1, 1024, out var workers))
                    {
                        config = config with { UdpWorkers = workers };
                    }

                    break;
                case "tcp_workers":
                    if (TryInt(value, errors, lexer, 1, 1024, out var tcpWorkers))
                    {
                        config = config with { TcpWorkers = tcpWorkers };
                    }

                    break;
                case "tcp_connection_lifetime":
                    if (TryInt(value, errors, lexer, 1, 86400, out var lifetime))
                    {
                        config = config with { TcpConnectionLifetime = lifetime };
                    }

                    break;
                case "tcp_max_msg_size":
                    if (TryInt(value, errors, lexer, 1024, 16 * 1024 * 1024, out var maxSize))
                    {
                        config = config with { MaxMessageSize = maxSize };
                    }

                    break;
                case "server_header":
                    config = config with { ServerHeader = StripHeaderName(value.Text, "Server:") };
                    break;
                case "user_agent_header":
                    config = config with { UserAgentHeader = StripHeaderName(value.Text, "User-Agent:") };
                    break;
                case "alias":
                    aliases.Add(value.Text);
                    break;
                case "mpath":
                    break; // modules are built in; the module path has no meaning but scripts carry it
                default:
                    errors.Add(lexer.Error(name, $"unknown global parameter '{name.Text}'; known ones are: {string.Join(", ", KnownParameters)}"));
                    break;
            }

            var end = lexer.Peek();
            if (end.Kind == TokenKind.Semicolon)
            {
                lexer.Next();
            }
            else if (end.Kind != TokenKind.End && end.Line == value.Line)
            {
                errors.Add(lexer.Error(end, $"unexpected text after the value of '{name.Text}'"));
                lexer.SkipLine(end);
            }
        }

        if (sockets.Count == 0 && errors.Count == 0)
        {
            errors.Add(new ConfigError(file, 1, 1, "no 'socket' is configured; add one such as: socket = udp:127.0.0.1:5060", ""));
        }

        return (config with { Sockets = sockets, Aliases = aliases }, errors);
    }

    private static string StripHeaderName(string value, string prefix) =>
        value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? value[prefix.Length..].Trim() : value;

    private static bool TryInt(Token value, List<ConfigError> errors, ConfigLexer lexer, int min, int max, out int result)
    {
        if (value.Kind == TokenKind.Number && int.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result) && result >= min && result <= max)
        {
            return true;
        }

        errors.Add(lexer.Error(value, $"expected a whole number from {min} to {max}"));
        result = 0;
        return false;
    }

    private static bool TryBool(Token value, List<ConfigError> errors, ConfigLexer lexer, out bool result)
    {
        switch (value.Text.ToUpperInvariant())
        {
            case "YES" or "ON" or "TRUE" or "1":
                result = true;
                return true;
            case "NO" or "OFF" or "FALSE" or "0":
                result = false;
                return true;
            default:
                errors.Add(lexer.Error(value, "expected yes/no, on/off, true/false or 1/0"));
                result = false;
                return false;
        }
    }

    internal enum TokenKind
    {
        End,
        Word,
        Number,
        String,
        Equals,
        Semicolon,
        Other,
    }

    internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column);

    private sealed class ConfigLexer(string file, string text, List<ConfigError> errors)
    {
        private int _pos;
        private int _line = 1;
        private int _lineStart;
        private Token? _peeked;

        public ConfigError Error(Token at, string message) => new(file, at.Line, at.Column, message, at.Kind == TokenKind.End ? "" : at.Text);

        public Token Peek() => _peeked ??= Read();

        public Token Next()
        {
            if (_peeked is { } t)
            {
                _peeked = null;
                return t;
            }

            return Read();
        }

        public void SkipLine(Token from)
        {
            while (Peek() is { Kind: not TokenKind.End } t && t.Line == from.Line)
            {
                Next();
            }
        }

        /// <summary>Skips a statement up to ';' or a whole <c>{ … }</c> block, so one refused block yields one error.</summary>
        public void SkipStatementOrBlock()
        {
            var depth = 0;
            while (true)
            {
                var t = Next();
                if (t.Kind == TokenKind.End)
                {
                    return;
                }

                if (t.Text == "{")
                {
                    depth++;
                }
                else if (t.Text == "}")
                {
                    if (--depth <= 0)
                    {
                        return;
                    }
                }
                else if (t.Kind == TokenKind.Semicolon && depth == 0)
                {
                    return;
                }
                else if (depth == 0 && t.Text == ")" && Peek() is { } p && p.Line != t.Line && p.Text != "{")
                {
                    return; // loadmodule "x.so" / modparam(...) without a trailing ';'
                }
            }
        }

        private Token Read()
        {
            SkipSpaceAndComments();
            if (_pos >= text.Length)
            {
                return new Token(TokenKind.End, "", _line, _pos - _lineStart + 1);
            }

            var line = _line;
            var column = _pos - _lineStart + 1;
            var c = text[_pos];
            if (c == '=')
            {
                _pos++;
                return new Token(TokenKind.Equals, "=", line, column);
            }

            if (c == ';')
            {
                _pos++;
                return new Token(TokenKind.Semicolon, ";", line, column);
            }

            if (c == '"' || c == '\'')
            {
                var sb = new StringBuilder();
                _pos++;
                while (_pos < text.Length && text[_pos] != c && text[_pos] != '\n')
                {
                    if (text[_pos] == '\\' && _pos + 1 < text.Length)
                    {
                        _pos++;
                        sb.Append(text[_pos] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var x => x });
                    }
                    else
                    {
                        sb.Append(text[_pos]);
                    }

                    _pos++;
                }

                if (_pos >= text.Length || text[_pos] != c)
                {
                    errors.Add(new ConfigError(file, line, column, "this string is not closed before the end of the line", sb.ToString()));
                }
                else
                {
                    _pos++;
                }

                return new Token(TokenKind.String, sb.ToString(), line, column);
            }

            var start = _pos;
            if (IsWordChar(c))
            {
                while (_pos < text.Length && IsWordChar(text[_pos]))
                {
                    _pos++;
                }

                var word = text[start.._pos];
                var isNumber = word.Length > 0 && (char.IsAsciiDigit(word[0]) || (word[0] == '-' && word.Length > 1)) && int.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
                return new Token(isNumber ? TokenKind.Number : TokenKind.Word, word, line, column);
            }

            _pos++;
            return new Token(TokenKind.Other, c.ToString(), line, column);
        }

        // Unquoted values like udp:127.0.0.1:5060, [::1] and host names are one word.
        private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-' or '[' or ']' or '/' or '*' or '+';

        private void SkipSpaceAndComments()
        {
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (c == '\n')
                {
                    _pos++;
                    _line++;
                    _lineStart = _pos;
                }
                else if (char.IsWhiteSpace(c))
                {
                    _pos++;
                }
                else if (c == '#' || (c == '/' && _pos + 1 < text.Length && text[_pos + 1] == '/'))
                {
                    while (_pos < text.Length && text[_pos] != '\n')
                    {
                        _pos++;
                    }
                }
                else if (c == '/' && _pos + 1 < text.Length && text[_pos + 1] == '*')
                {
                    var line = _line;
                    var column = _pos - _lineStart + 1;
                    _pos += 2;
                    while (_pos < text.Length && !(text[_pos] == '*' && _pos + 1 < text.Length && text[_pos + 1] == '/'))
                    {
                        if (text[_pos] == '\n')
                        {
                            _line++;
                            _lineStart = _pos + 1;
                        }

                        _pos++;
                    }

                    if (_pos >= text.Length)
                    {
                        errors.Add(new ConfigError(file, line, column, "this /* comment is never closed", "/*"));
                        return;
                    }

                    _pos += 2;
                }
                else
                {
                    return;
                }
            }
        }
    }
}
