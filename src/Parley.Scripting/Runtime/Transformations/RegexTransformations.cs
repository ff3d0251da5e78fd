using System.Text;
using System.Text.RegularExpressions;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>
/// <c>{re.subst,/re/replacement/flags}</c>: sed-like substitution with a POSIX extended regular expression. The first
/// character is the delimiter (a backslash escapes it); flags are <c>i</c> (ignore case), <c>g</c> (every match, not
/// just the first) and <c>s</c> (accepted for compatibility). In the replacement <c>\0</c>–<c>\9</c> are the groups and
/// <c>\\</c> a backslash. Without a match the input is returned unchanged.
/// </summary>
internal static class RegexTransformations
{
    public static void Register(ScriptRegistry registry) => registry.AddTransformation("re.subst", Bind);

    private static TransformFunc? Bind(TransformBindRequest request)
    {
        var comma = request.Text.IndexOf(',', StringComparison.Ordinal);
        var expression = comma < 0 ? string.Empty : request.Text[(comma + 1)..].Trim();
        if (expression.Length == 0)
        {
            request.Error($"{{re.subst}} is written {{re.subst,/regex/replacement/flags}}, but {{{request.Text}}} has no expression");
            return null;
        }

        if (expression.StartsWith('$'))
        {
            // The whole expression comes from a variable: parsed (and cached) when the transformation runs.
            var argument = request.DynamicArgument(0);
            if (argument is null)
            {
                return null;
            }

            var cache = new DynamicCache();
            return (ctx, v) =>
            {
                if (v.IsNull)
                {
                    return v;
                }

                var text = argument(ctx).AsString();
                var last = cache.Last;
                if (last is null || !string.Equals(last.Source, text, StringComparison.Ordinal))
                {
                    last = Substitution.TryParse(text, out _);
                    if (last is null)
                    {
                        return ScriptValue.Null;
                    }

                    cache.Last = last;
                }

                return last.Apply(v);
            };
        }

        var substitution = Substitution.TryParse(expression, out var error);
        if (substitution is null)
        {
            request.Error($"bad substitution '{expression}' in {{{request.Text}}}: {error}");
            return null;
        }

        return (_, v) => v.IsNull ? v : substitution.Apply(v);
    }

    /// <summary>The last expression a dynamic <c>re.subst</c> compiled (replaced whole, so workers can share it).</summary>
    private sealed class DynamicCache
    {
        public volatile Substitution? Last;
    }

    /// <summary>A parsed <c>/regex/replacement/flags</c>.</summary>
    internal sealed class Substitution
    {
        private readonly Regex _regex;
        private readonly string _replacement;
        private readonly bool _global;

        private Substitution(string source, Regex regex, string replacement, bool global)
        {
            Source = source;
            _regex = regex;
            _replacement = replacement;
            _global = global;
        }

        public string Source { get; }

        public static Substitution? TryParse(string source, out string error)
        {
            // Braces are escaped inside a transformation ({re.subst,/a\{2\}/b/}): unescape them first.
            var text = source.Replace("\\{", "{", StringComparison.Ordinal).Replace("\\}", "}", StringComparison.Ordinal);
            if (text.Length < 4)
            {
                error = "expected /regex/replacement/flags";
                return null;
            }

            var delimiter = text[0];
            var pattern = ReadPart(text, 1, delimiter, out var next);
            if (next < 0)
            {
                error = $"the regular expression is not closed by '{delimiter}'";
                return null;
            }

            var replacement = ReadPart(text, next, delimiter, out next);
            if (next < 0)
            {
                error = $"the replacement is not closed by '{delimiter}'";
                return null;
            }

            var options = RegexOptions.CultureInvariant;
            var global = false;
            foreach (var flag in text.AsSpan(next))
            {
                switch (flag)
                {
                    case 'i':
                        options |= RegexOptions.IgnoreCase;
                        break;
                    case 'g':
                        global = true;
                        break;
                    case 's':
                        break;
                    default:
                        error = $"unknown flag '{flag}' (expected i, g or s)";
                        return null;
                }
            }

            if (pattern.Length == 0)
            {
                error = "the regular expression is empty";
                return null;
            }

            try
            {
                var regex = new Regex(ScriptRegex.TranslatePosix(pattern), options, TimeSpan.FromMilliseconds(100));
                for (var i = 0; i < replacement.Length - 1; i++)
                {
                    if (replacement[i] == '\\' && char.IsAsciiDigit(replacement[i + 1]) && replacement[i + 1] - '0' >= regex.GetGroupNumbers().Length)
                    {
                        error = $"the replacement refers to group \\{replacement[i + 1]}, but the expression has only {regex.GetGroupNumbers().Length - 1}";
                        return null;
                    }

                    if (replacement[i] == '\\')
                    {
                        i++;
                    }
                }

                error = string.Empty;
                return new Substitution(source, regex, replacement, global);
            }
            catch (ArgumentException e)
            {
                error = e.Message;
                return null;
            }
        }

        /// <summary>Text up to the next unescaped <paramref name="delimiter"/> (an escaped delimiter loses its backslash).</summary>
        private static string ReadPart(string text, int start, char delimiter, out int next)
        {
            var sb = new StringBuilder();
            for (var i = start; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\' && i + 1 < text.Length && text[i + 1] == delimiter)
                {
                    sb.Append(delimiter);
                    i++;
                }
                else if (c == '\\' && i + 1 < text.Length)
                {
                    sb.Append(c).Append(text[i + 1]);
                    i++;
                }
                else if (c == delimiter)
                {
                    next = i + 1;
                    return sb.ToString();
                }
                else
                {
                    sb.Append(c);
                }
            }

            next = -1;
            return string.Empty;
        }

        public ScriptValue Apply(in ScriptValue input)
        {
            var text = input.AsString();
            Match match;
            try
            {
                match = _regex.Match(text);
            }
            catch (RegexMatchTimeoutException)
            {
                return ScriptValue.Null;
            }

            if (!match.Success)
            {
                return input;
            }

            var sb = new StringBuilder(text.Length + _replacement.Length);
            var position = 0;
            var previousEnd = -1;
            while (match.Success)
            {
                if (match.Length == 0 && match.Index == previousEnd)
                {
                    // As sed: an empty match right where the previous match ended does not count.
                    if (match.Index >= text.Length)
                    {
                        break;
                    }

                    match = _regex.Match(text, match.Index + 1);
                    continue;
                }

                sb.Append(text, position, match.Index - position);
                AppendReplacement(sb, match);
                position = previousEnd = match.Index + match.Length;
                if (!_global)
                {
                    break;
                }

                if (match.Length == 0)
                {
                    // Search on from the next character (it is copied with the text before the next match).
                    if (position >= text.Length)
                    {
                        break;
                    }

                    match = _regex.Match(text, position + 1);
                    continue;
                }

                match = match.NextMatch();
            }

            if (position < text.Length)
            {
                sb.Append(text, position, text.Length - position);
            }

            return ScriptValue.FromString(sb.ToString());
        }

        private void AppendReplacement(StringBuilder sb, Match match)
        {
            var r = _replacement;
            for (var i = 0; i < r.Length; i++)
            {
                if (r[i] == '\\' && i + 1 < r.Length)
                {
                    var next = r[++i];
                    if (char.IsAsciiDigit(next))
                    {
                        sb.Append(match.Groups[next - '0'].Value);
                    }
                    else
                    {
                        sb.Append(next switch
                        {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            _ => next,
                        });
                    }
                }
                else
                {
                    sb.Append(r[i]);
                }
            }
        }
    }
}
