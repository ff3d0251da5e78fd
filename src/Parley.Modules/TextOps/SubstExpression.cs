using System.Text;
using System.Text.RegularExpressions;
using Parley.Modules.Common;
using Parley.Scripting.Runtime;

namespace Parley.Modules.TextOps;

/// <summary>
/// A sed-like <c>/re/replacement/flags</c> of <c>subst</c>, <c>subst_uri</c>, <c>subst_user</c> and <c>subst_body</c>,
/// parsed as OpenSIPS's <c>subst_parser</c>: the first character is the separator (anything but <c>\</c>), an escaped
/// separator does not end a part, the regex is POSIX extended and newline-sensitive, case-sensitive unless the
/// <c>i</c> flag is given; <c>s</c> lets <c>.</c> match newlines; <c>g</c> replaces every match, not just the first.
/// In the replacement <c>\0</c>-<c>\9</c> are the match and its groups, <c>\u</c> the current Request-URI,
/// <c>\n \r \t \\</c> the usual characters, any other escaped character itself.
/// </summary>
internal sealed class SubstExpression
{
    private SubstExpression(Regex regex, bool global, Token[] replacement)
    {
        Regex = regex;
        Global = global;
        Replacement = replacement;
    }

    public Regex Regex { get; }

    public bool Global { get; }

    public Token[] Replacement { get; }

    internal enum TokenKind
    {
        Literal,
        Group,
        RequestUri,
    }

    internal readonly record struct Token(TokenKind Kind, byte[]? Literal, int Group);

    public static SubstExpression? TryParse(string text, out string error)
    {
        if (!TrySplit(text, out var pattern, out var replacement, out var flags, out error))
        {
            return null;
        }

        var tokens = ParseReplacement(replacement);
        var regex = Compile(pattern, flags, out error);
        return regex is null ? null : new SubstExpression(regex, flags.Contains('g', StringComparison.Ordinal), tokens);
    }

    /// <summary>Splits <c>/re/repl/flags</c>; flags are checked (only i, s and g exist).</summary>
    public static bool TrySplit(string text, out string pattern, out string replacement, out string flags, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        pattern = replacement = flags = string.Empty;
        error = string.Empty;
        if (text.Length < 3)
        {
            error = $"expression is too short: '{text}'";
            return false;
        }

        var separator = text[0];
        if (separator == '\\')
        {
            error = $"invalid separator '\\' in '{text}'";
            return false;
        }

        var p = 1;
        while (p < text.Length && !(text[p] == separator && text[p - 1] != '\\'))
        {
            p++;
        }

        if (p >= text.Length)
        {
            error = $"no separator after the regular expression in '{text}'";
            return false;
        }

        pattern = text[1..p];
        var replacementStart = ++p;
        var escape = false;
        for (; p < text.Length; p++)
        {
            if (escape)
            {
                escape = false;
            }
            else if (text[p] == '\\')
            {
                escape = true;
            }
            else if (text[p] == separator)
            {
                break;
            }
        }

        if (p >= text.Length)
        {
            error = $"missing separator after the replacement in '{text}'";
            return false;
        }

        replacement = text[replacementStart..p];
        flags = text[(p + 1)..];
        foreach (var f in flags)
        {
            if (f is not ('i' or 's' or 'g'))
            {
                error = $"unknown flag '{f}' in '{text}'";
                return false;
            }
        }

        return true;
    }

    /// <summary>The regex of a pattern with subst flags; cached by callers, never compiled per message.</summary>
    public static Regex? Compile(string pattern, string flags, out string error) =>
        PosixRegex.TryCreate(pattern, ignoreCase: flags.Contains('i', StringComparison.Ordinal), newline: !flags.Contains('s', StringComparison.Ordinal), out error);

    public static Token[] ParseReplacement(string replacement)
    {
        var tokens = new List<Token>();
        var literal = new StringBuilder();
        for (var i = 0; i < replacement.Length; i++)
        {
            var c = replacement[i];
            if (c != '\\' || i + 1 >= replacement.Length)
            {
                literal.Append(c);
                continue;
            }

            var e = replacement[++i];
            switch (e)
            {
                case 'n':
                    literal.Append('\n');
                    break;
                case 'r':
                    literal.Append('\r');
                    break;
                case 't':
                    literal.Append('\t');
                    break;
                case 'u':
                    Flush(tokens, literal);
                    tokens.Add(new Token(TokenKind.RequestUri, null, 0));
                    break;
                case >= '0' and <= '9':
                    Flush(tokens, literal);
                    tokens.Add(new Token(TokenKind.Group, null, e - '0'));
                    break;
                default:
                    literal.Append(e); // \\ \$ and the separator are themselves
                    break;
            }
        }

        Flush(tokens, literal);
        return [.. tokens];
    }

    /// <summary>The replacement for one match, written into <paramref name="destination"/> (sized by <see cref="ReplacementLength"/>).</summary>
    public static int WriteReplacement(ScriptContext context, Token[] tokens, Match match, Span<byte> destination)
    {
        var n = 0;
        foreach (var token in tokens)
        {
            switch (token.Kind)
            {
                case TokenKind.Literal:
                    token.Literal.CopyTo(destination[n..]);
                    n += token.Literal!.Length;
                    break;
                case TokenKind.Group:
                    var group = match.Groups[token.Group];
                    if (group.Success)
                    {
                        // The text is one char per message byte (Latin-1), so this copies the original bytes.
                        n += Encoding.Latin1.GetBytes(group.ValueSpan, destination[n..]);
                    }

                    break;
                default:
                    if (context.Message is { IsRequest: true })
                    {
                        context.RequestUriText.CopyTo(destination[n..]);
                        n += context.RequestUriText.Length;
                    }

                    break;
            }
        }

        return n;
    }

    public static int ReplacementLength(ScriptContext context, Token[] tokens, Match match)
    {
        var n = 0;
        foreach (var token in tokens)
        {
            n += token.Kind switch
            {
                TokenKind.Literal => token.Literal!.Length,
                TokenKind.Group => match.Groups[token.Group].Length,
                _ => context.Message is { IsRequest: true } ? context.RequestUriText.Length : 0,
            };
        }

        return n;
    }

    private static void Flush(List<Token> tokens, StringBuilder literal)
    {
        if (literal.Length > 0)
        {
            tokens.Add(new Token(TokenKind.Literal, Encoding.UTF8.GetBytes(literal.ToString()), 0));
            literal.Clear();
        }
    }
}

/// <summary>
/// The argument of a subst function: a constant expression is parsed and compiled when the call is bound; one with
/// pseudo-variables (expanded by the script compiler) is split on each call, its regex compiled only when the pattern
/// or flags change (a one-entry cache per call site, safe to share between workers).
/// </summary>
internal sealed class SubstArgument
{
    private readonly SubstExpression? _constant;
    private readonly ScriptEvaluator? _evaluate;
    private Cached? _cache;

    private SubstArgument(SubstExpression? constant, ScriptEvaluator? evaluate)
    {
        _constant = constant;
        _evaluate = evaluate;
    }

    public static SubstArgument? Bind(FunctionBinder binder)
    {
        var argument = binder.Argument(0);
        if (argument is null)
        {
            binder.Error(0, $"{binder.FunctionName}() needs a /regex/replacement/flags expression");
            return null;
        }

        if (!argument.IsConstant)
        {
            return new SubstArgument(null, argument.Evaluate);
        }

        var expression = SubstExpression.TryParse(argument.Constant.AsString(), out var error);
        if (expression is null)
        {
            binder.Error(0, $"bad substitution '{argument.Text}': {error}");
            return null;
        }

        return new SubstArgument(expression, null);
    }

    /// <summary>The regex, flags and replacement for this call; false when a variable made the expression invalid.</summary>
    public bool TryGet(ScriptContext context, out Regex regex, out bool global, out SubstExpression.Token[] replacement)
    {
        if (_constant is not null)
        {
            regex = _constant.Regex;
            global = _constant.Global;
            replacement = _constant.Replacement;
            return true;
        }

        regex = null!;
        global = false;
        replacement = [];
        if (!SubstExpression.TrySplit(_evaluate!(context).AsString(), out var pattern, out var text, out var flags, out _))
        {
            return false;
        }

        var cache = Volatile.Read(ref _cache);
        if (cache is null || !string.Equals(cache.Pattern, pattern, StringComparison.Ordinal) || !string.Equals(cache.Flags, flags, StringComparison.Ordinal))
        {
            cache = new Cached(pattern, flags, SubstExpression.Compile(pattern, flags, out _));
            Volatile.Write(ref _cache, cache);
        }

        if (cache.Regex is null)
        {
            return false;
        }

        regex = cache.Regex;
        global = flags.Contains('g', StringComparison.Ordinal);
        replacement = SubstExpression.ParseReplacement(text);
        return true;
    }

    private sealed record Cached(string Pattern, string Flags, Regex? Regex);
}
