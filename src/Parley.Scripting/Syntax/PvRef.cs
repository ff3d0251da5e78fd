using System.Text;

namespace Parley.Scripting.Syntax;

/// <summary>
/// The inner structure of a pseudo-variable reference such as <c>$ru</c>, <c>$hdr(From)</c>,
/// <c>$(avp(x)[1]{s.len})</c>: its name, the argument in parentheses, the index in brackets and
/// the transformations in braces (raw text, without the braces).
/// </summary>
internal sealed record PvRef(string Raw, string Name, string? Inner, string? Index, IReadOnlyList<string> Transformations)
{
    /// <summary>Splits the raw text of a pseudo-variable token (starting with '$'). Never throws.</summary>
    public static PvRef Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var body = raw.Length > 0 && raw[0] == '$' ? raw[1..] : raw;
        var wrapped = body.Length >= 2 && body[0] == '(' && body[^1] == ')';
        if (wrapped)
        {
            body = body[1..^1];
        }

        var i = 0;
        while (i < body.Length && IsNameChar(body[i]))
        {
            i++;
        }

        var name = body[..i];
        string? inner = null;
        string? index = null;
        var transformations = new List<string>();
        if (i < body.Length && body[i] == '(')
        {
            inner = ReadGroup(body, ref i, '(', ')');
        }

        if (i < body.Length && body[i] == '[')
        {
            index = ReadGroup(body, ref i, '[', ']');
        }

        while (wrapped && i < body.Length && body[i] == '{')
        {
            transformations.Add(ReadGroup(body, ref i, '{', '}'));
        }

        return new PvRef(raw, name, inner, index, transformations);
    }

    internal static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.';

    private static string ReadGroup(string s, ref int i, char open, char close)
    {
        var depth = 0;
        var start = i + 1;
        var sb = new StringBuilder();
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == open)
            {
                depth++;
            }
            else if (c == close)
            {
                depth--;
                if (depth == 0)
                {
                    i++;
                    return sb.ToString();
                }
            }

            if (i >= start)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
