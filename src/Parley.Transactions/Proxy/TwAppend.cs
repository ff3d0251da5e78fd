using Parley.Scripting.Runtime;

namespace Parley.Transactions.Proxy;

/// <summary>
/// One <c>tw_append</c> definition (tm manual; OpenSIPS <c>parse_tw_append</c>): extra lines <c>t_write_req</c> and
/// <c>t_write_unix</c> add to what they write. Syntax: <c>append_name ':' element (';' element)*</c>, element =
/// <c>[name '='] pseudo-variable</c>. Each named element is printed <c>name: value</c> (omitted when NULL); the only
/// element allowed without a name is <c>$rb</c>, which puts the message body in the body line whatever its position.
/// </summary>
internal sealed class TwAppend
{
    private TwAppend(string name, bool addBody, IReadOnlyList<(string Name, PvAccessor Value)> elements)
    {
        Name = name;
        AddBody = addBody;
        Elements = elements;
    }

    public string Name { get; }

    /// <summary>A bare <c>$rb</c> was given: the body is written for every method, not only INVITE.</summary>
    public bool AddBody { get; }

    public IReadOnlyList<(string Name, PvAccessor Value)> Elements { get; }

    /// <summary>Parses a definition; null with <paramref name="error"/> when it does not follow the syntax or names an unknown variable.</summary>
    public static TwAppend? Parse(string text, ScriptRegistry registry, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(registry);
        var i = SkipSpaces(text, 0);
        var nameStart = i;
        while (i < text.Length && text[i] != ':' && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        var name = text[nameStart..i];
        i = SkipSpaces(text, i);
        if (name.Length == 0 || i >= text.Length || text[i] != ':')
        {
            return Fail($"'{text}' is not append_name:element(;element)*", out error);
        }

        i++;
        var addBody = false;
        var elements = new List<(string, PvAccessor)>();
        while (i < text.Length)
        {
            i = SkipSpaces(text, i);
            if (i >= text.Length)
            {
                return Fail($"'{text}': an element is missing after ';'", out error);
            }

            var elementStart = i;
            while (i < text.Length && text[i] is not ('=' or ';') && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var elementName = text[elementStart..i];
            i = SkipSpaces(text, i);
            if (elementName.Length == 0 || (i < text.Length && text[i] is not ('=' or ';')))
            {
                return Fail($"'{text}': bad element at position {elementStart}", out error);
            }

            var named = i < text.Length && text[i] == '=';
            i = named ? SkipSpaces(text, i + 1) : elementStart;
            var specEnd = ScanPseudoVariable(text, i);
            if (specEnd < 0)
            {
                return Fail($"'{text}': expected a pseudo-variable at position {i}", out error);
            }

            var spec = text[i..specEnd];
            if (!named)
            {
                if (spec != "$rb")
                {
                    return Fail($"'{text}': only $rb may be given without a name, not '{spec}'", out error);
                }

                addBody = true;
            }
            else
            {
                var accessor = registry.BindPseudoVariable(spec, out var problem);
                if (accessor is null)
                {
                    return Fail($"'{text}': {problem}", out error);
                }

                elements.Add((elementName, accessor));
            }

            i = SkipSpaces(text, specEnd);
            if (i < text.Length && text[i++] != ';')
            {
                return Fail($"'{text}': expected ';' at position {i - 1}", out error);
            }
        }

        error = null;
        return new TwAppend(name, addBody, elements);
    }

    private static TwAppend? Fail(string message, out string? error)
    {
        error = message;
        return null;
    }

    private static int SkipSpaces(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>The end of the pseudo-variable starting at <paramref name="start"/>: <c>$name</c>, <c>$name(arg)</c>, <c>$name[i]</c>, <c>$(…)</c>; -1 if none.</summary>
    internal static int ScanPseudoVariable(string text, int start)
    {
        if (start >= text.Length - 1 || text[start] != '$')
        {
            return -1;
        }

        var i = start + 1;
        if (text[i] == '(')
        {
            return SkipGroup(text, i, '(', ')');
        }

        var nameStart = i;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '.'))
        {
            i++;
        }

        if (i == nameStart)
        {
            return -1;
        }

        if (i < text.Length && text[i] == '(')
        {
            i = SkipGroup(text, i, '(', ')');
            if (i < 0)
            {
                return -1;
            }
        }

        if (i < text.Length && text[i] == '[')
        {
            i = SkipGroup(text, i, '[', ']');
        }

        return i;
    }

    private static int SkipGroup(string text, int i, char open, char close)
    {
        var depth = 0;
        for (; i < text.Length; i++)
        {
            if (text[i] == open)
            {
                depth++;
            }
            else if (text[i] == close && --depth == 0)
            {
                return i + 1;
            }
        }

        return -1;
    }
}
