using System.Text;
using System.Text.RegularExpressions;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Common;

/// <summary>
/// POSIX extended regular expressions as OpenSIPS's <c>regcomp</c> sees them, over text where one char is one byte of the
/// message (see <see cref="MessageText"/>): the pattern's UTF-8 bytes become chars the same way, so non-ASCII patterns
/// match byte for byte as in C. <c>REG_NEWLINE</c> (OpenSIPS's default for regex parameters and <c>subst</c>) makes
/// <c>^</c>/<c>$</c> match at line boundaries and keeps <c>.</c> and <c>[^…]</c> from matching a newline; without it
/// (<c>subst</c>'s <c>s</c> flag) <c>.</c> matches anything and the anchors only match at the ends.
/// </summary>
internal static class PosixRegex
{
    /// <summary>Compiles a pattern; null with the reason when it is invalid. Compile once per call site, never per message.</summary>
    public static Regex? TryCreate(string pattern, bool ignoreCase, bool newline, out string error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var translated = Translate(ByteView(pattern), newline);
        if (!ignoreCase)
        {
            // ScriptRegex is case-insensitive (OpenSIPS's regex parameters are REG_ICASE); subst without 'i' is not.
            translated = "(?-i:" + translated + ")";
        }

        return ScriptRegex.TryCreate(translated, newline ? RegexOptions.Multiline : RegexOptions.Singleline, out error);
    }

    /// <summary>The pattern with each UTF-8 byte as one char, matching text decoded as Latin-1 from message bytes.</summary>
    public static string ByteView(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (c > 0x7F)
            {
                return Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));
            }
        }

        return text;
    }

    /// <summary>With REG_NEWLINE a non-matching list never matches a newline: <c>[^;]</c> becomes <c>[^\n;]</c>.</summary>
    internal static string Translate(string pattern, bool newline)
    {
        if (!newline || !pattern.Contains("[^", StringComparison.Ordinal))
        {
            return pattern;
        }

        var sb = new StringBuilder(pattern.Length + 8);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[i + 1]);
                i += 2;
                continue;
            }

            if (c != '[')
            {
                sb.Append(c);
                i++;
                continue;
            }

            // A bracket expression: copy it whole ("]" first in the list is a member, "[:class:]" is one unit).
            sb.Append('[');
            i++;
            if (i < pattern.Length && pattern[i] == '^')
            {
                sb.Append("^\\n");
                i++;
            }

            if (i < pattern.Length && pattern[i] == ']')
            {
                sb.Append(']');
                i++;
            }

            while (i < pattern.Length && pattern[i] != ']')
            {
                if (pattern[i] == '[' && i + 1 < pattern.Length && pattern[i + 1] is ':' or '.' or '=')
                {
                    var close = pattern.IndexOf(pattern[i + 1] + "]", i + 2, StringComparison.Ordinal);
                    if (close > 0)
                    {
                        sb.Append(pattern, i, close + 2 - i);
                        i = close + 2;
                        continue;
                    }
                }

                sb.Append(pattern[i]);
                i++;
            }

            if (i < pattern.Length)
            {
                sb.Append(']');
                i++;
            }
        }

        return sb.ToString();
    }
}

/// <summary>
/// A regular-expression argument of a script function (OpenSIPS's <c>CMD_PARAM_REGEX</c>: extended, case-insensitive,
/// newline-sensitive). A constant is compiled once when the call is bound; a variable is compiled when it changes (a
/// one-entry cache per call site, safe to share between workers).
/// </summary>
internal sealed class RegexArgument
{
    private readonly Regex? _constant;
    private readonly ScriptEvaluator? _evaluate;
    private Cached? _cache;

    private RegexArgument(Regex? constant, ScriptEvaluator? evaluate)
    {
        _constant = constant;
        _evaluate = evaluate;
    }

    public static RegexArgument? Bind(FunctionBinder binder, int index)
    {
        var argument = binder.Argument(index);
        if (argument is null)
        {
            binder.Error(index, $"{binder.FunctionName}() needs a regular expression as argument {index + 1}");
            return null;
        }

        if (!argument.IsConstant)
        {
            return new RegexArgument(null, argument.Evaluate);
        }

        var pattern = argument.Constant.AsString();
        var regex = PosixRegex.TryCreate(pattern, ignoreCase: true, newline: true, out var error);
        if (regex is null)
        {
            binder.Error(index, $"bad regular expression '{pattern}': {error}");
            return null;
        }

        return new RegexArgument(regex, null);
    }

    /// <summary>A fixed pattern (typed API, tests).</summary>
    public static RegexArgument FromRegex(Regex regex) => new(regex, null);

    /// <summary>The regex for this call; null when a variable holds an invalid pattern.</summary>
    public Regex? Get(ScriptContext context)
    {
        if (_constant is not null)
        {
            return _constant;
        }

        var pattern = _evaluate!(context).AsString();
        var cache = Volatile.Read(ref _cache);
        if (cache is null || !string.Equals(cache.Pattern, pattern, StringComparison.Ordinal))
        {
            cache = new Cached(pattern, PosixRegex.TryCreate(pattern, ignoreCase: true, newline: true, out _));
            Volatile.Write(ref _cache, cache);
        }

        return cache.Regex;
    }

    private sealed record Cached(string Pattern, Regex? Regex);
}
