using System.Text.Json.Nodes;

namespace Parley.Cli;

/// <summary>
/// Turns <c>mi &lt;command&gt; [args…]</c> into JSON-RPC <c>params</c> exactly as opensips-cli's
/// <c>opensipscli/modules/mi.py</c> (<c>parse_params</c>) does:
/// <list type="bullet">
/// <item>every argument <c>name=value</c> (name made of letters, <c>.</c>, <c>-</c>, <c>_</c>) → named parameters, an object;
/// no argument at all counts as named too, so <c>params</c> is <c>{}</c>;</item>
/// <item>otherwise → positional parameters, an array;</item>
/// <item>values are always JSON strings (opensips-cli converts nothing; the server reads numbers from strings);</item>
/// <item>commands whose parameter is an array (<see cref="ArrayParamCommands"/>): given by name, the value is split
/// shell-style into the array; given by position, every argument from the array's index on becomes one array.</item>
/// </list>
/// One deliberate difference: opensips-cli quietly sends everything positionally when named and positional arguments are
/// mixed; Parley refuses (a stray <c>a=b</c> among positional values is almost always a mistake).
/// </summary>
internal static class MiParams
{
    /// <summary>
    /// opensips-cli's <c>MI_ARRAY_PARAMS_COMMANDS</c>: command → (index of the array among positional parameters,
    /// name of the array parameter).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (int Index, string Name)> ArrayParamCommands =
        new Dictionary<string, (int, string)>(StringComparer.Ordinal)
        {
            ["fs_subscribe"] = (1, "events"),
            ["fs_unsubscribe"] = (1, "events"),
            ["b2b_trigger_scenario"] = (1, "scenario_params"),
            ["dlg_push_var"] = (2, "DID"),
            ["get_statistics"] = (0, "statistics"),
            ["list_statistics"] = (0, "statistics"),
            ["reset_statistics"] = (0, "statistics"),
            ["trace_start"] = (0, "filter"),
            ["raise_event"] = (1, "params"),
            ["dfks_set_feature"] = (4, "values"),
        };

    /// <summary>The <c>params</c> member for <paramref name="command"/> called with <paramref name="args"/>.</summary>
    public static JsonNode Build(string command, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(args);

        int named = 0;
        string? firstNamed = null;
        string? firstPositional = null;
        foreach (var arg in args)
        {
            if (NameLength(arg) > 0)
            {
                named++;
                firstNamed ??= arg;
            }
            else
            {
                firstPositional ??= arg;
            }
        }

        bool hasArray = ArrayParamCommands.TryGetValue(command, out var array);
        if (named == args.Count)
        {
            var obj = new JsonObject();
            foreach (var arg in args)
            {
                int n = NameLength(arg);
                string name = arg[..n];
                string value = arg[(n + 1)..];
                // A repeated name keeps its first position and takes the last value, as a Python dict does.
                obj[name] = hasArray && array.Name == name ? StringArray(ShellWords.Split(value), 0) : JsonValue.Create(value);
            }

            return obj;
        }

        if (named > 0)
        {
            throw new CliUsageException(
                $"cannot mix named and positional parameters ('{firstNamed}' and '{firstPositional}'): " +
                "give every parameter as name=value, or none");
        }

        var positional = new JsonArray();
        int fixedCount = hasArray ? Math.Min(array.Index, args.Count) : args.Count;
        for (int i = 0; i < fixedCount; i++)
        {
            positional.Add(JsonValue.Create(args[i]));
        }

        if (hasArray && args.Count > array.Index)
        {
            positional.Add(StringArray(args, array.Index));
        }

        return positional;
    }

    /// <summary>Length of the parameter name when <paramref name="arg"/> is <c>name=…</c> (Python's <c>re.match('([a-zA-Z\.\-_]+)=')</c>), else 0.</summary>
    internal static int NameLength(string arg)
    {
        int i = 0;
        while (i < arg.Length && (char.IsAsciiLetter(arg[i]) || arg[i] is '.' or '-' or '_'))
        {
            i++;
        }

        return i > 0 && i < arg.Length && arg[i] == '=' ? i : 0;
    }

    private static JsonArray StringArray(IReadOnlyList<string> items, int start)
    {
        var result = new JsonArray();
        for (int i = start; i < items.Count; i++)
        {
            result.Add(JsonValue.Create(items[i]));
        }

        return result;
    }
}
