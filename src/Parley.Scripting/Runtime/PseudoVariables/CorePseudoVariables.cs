using System.Text;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// The pseudo-variables of the OpenSIPS core: script variables (<c>$var</c>), AVPs (<c>$avp</c>) and the message,
/// transport and routing variables (<c>$ru</c>, <c>$hdr(name)</c>, <c>$si</c>…). Each is bound once per reference at
/// compile time; reading one of the message parts returns a byte view of the message, so it allocates nothing.
/// </summary>
public static class CorePseudoVariables
{
    /// <summary>Adds a <see cref="PvFactory"/> for every core pseudo-variable name.</summary>
    public static void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RequestUriVariables.Register(registry);
        HeaderVariables.Register(registry);
        MessageVariables.Register(registry);
        TransportVariables.Register(registry);
        ScriptVariables.Register(registry);
        BranchVariables.Register(registry);
    }

    /// <summary>Adds a pseudo-variable that takes neither an argument nor an index.</summary>
    internal static void AddSimple(ScriptRegistry registry, string name, ScriptEvaluator get, PvSetter? set = null) =>
        registry.AddPseudoVariable(name, request => NoArgumentNoIndex(request) ? new PvAccessor(request.Text, get, set) : null);

    /// <summary>Reports an argument or index given to a pseudo-variable that takes none.</summary>
    internal static bool NoArgumentNoIndex(PvBindRequest request) => NoArgument(request) && NoIndex(request);

    internal static bool NoArgument(PvBindRequest request)
    {
        if (request.Argument is null)
        {
            return true;
        }

        request.Error($"${request.Name} takes no argument, but {request.Text} gives '({request.Argument})'");
        return false;
    }

    internal static bool NoIndex(PvBindRequest request)
    {
        if (request.Index is null)
        {
            return true;
        }

        request.Error($"${request.Name} has a single value and takes no index, but {request.Text} gives '[{request.Index}]'");
        return false;
    }

    /// <summary>The argument in parentheses, trimmed; reports an error when it is missing or empty.</summary>
    internal static string? RequiredArgument(PvBindRequest request, string what)
    {
        var argument = request.Argument?.Trim();
        if (string.IsNullOrEmpty(argument))
        {
            request.Error($"${request.Name} needs {what} in parentheses, as in ${request.Name}({what}); got {request.Text}");
            return null;
        }

        return argument;
    }

    /// <summary>Joins values as OpenSIPS prints a multi-valued variable read with <c>[*]</c>.</summary>
    internal static ScriptValue Join(List<ScriptValue> values, string separator)
    {
        if (values.Count == 0)
        {
            return ScriptValue.Null;
        }

        if (values.Count == 1)
        {
            return values[0];
        }

        var sb = new StringBuilder();
        foreach (var v in values)
        {
            if (sb.Length > 0)
            {
                sb.Append(separator);
            }

            sb.Append(v.AsString());
        }

        return ScriptValue.FromString(sb.ToString());
    }

    /// <summary>Resolves an OpenSIPS index (0 first, -1 last) against a count; -1 when out of range.</summary>
    internal static int ResolveIndex(int index, int count)
    {
        var i = index >= 0 ? index : count + index;
        return i >= 0 && i < count ? i : -1;
    }
}
