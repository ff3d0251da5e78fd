using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Management.Mi;
using Parley.Scripting.Runtime;

namespace Parley.Management.Modules;

/// <summary>
/// OpenSIPS's <c>mi_script</c>: <c>mi(command[, ret_var[, params_avp[, vals_avp]]])</c> runs an MI command from the
/// script through the same registry and dispatcher as HTTP and the FIFO. Parameters come from the command text
/// (space-separated, positional: <c>mi("get_statistics dialog:")</c>), or from <c>params_avp</c> (values, positional)
/// or <c>params_avp</c> + <c>vals_avp</c> (names and values, named). On success it returns 1 and sets
/// <c>ret_var</c> to the result (a string result as is, anything else as compact JSON); on failure it returns -1 and
/// sets <c>ret_var</c> to the error message. The call waits for the command, as OpenSIPS's synchronous <c>mi()</c>.
/// </summary>
public sealed class MiScriptModule(JsonRpcDispatcher dispatcher, MiCommandRegistry commands) : ScriptModule
{
    public override string Name => "mi_script";

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddFunction(new ScriptFunctionDefinition("mi", 1, 4, RouteMask.All, Bind) { Module = Name });
    }

    /// <summary>Runs <paramref name="command"/> with <paramref name="parameters"/> (object, array, or null for none).</summary>
    public MiResult Run(string command, JsonNode? parameters)
    {
        ArgumentNullException.ThrowIfNull(command);
        var element = parameters is null ? default : JsonSerializer.SerializeToElement(parameters, JsonNodeContext.Default.JsonNode);
        var pending = dispatcher.ExecuteAsync(command, element);
        return pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Splits <c>"cmd arg1 arg2"</c> into the command and positional string parameters.</summary>
    public static (string Command, JsonArray? Parameters) ParseCommandText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length <= 1)
        {
            return (parts.Length == 0 ? string.Empty : parts[0], null);
        }

        var array = new JsonArray();
        for (var i = 1; i < parts.Length; i++)
        {
            array.Add(parts[i]);
        }

        return (parts[0], array);
    }

    private ScriptFunctionBody? Bind(FunctionBinder b)
    {
        var command = b.Argument(0);
        if (command is null)
        {
            return null;
        }

        PvAccessor? result = null;
        if (!b.IsMissing(1))
        {
            result = b.WritableVariable(1);
            if (result is null)
            {
                return null;
            }
        }

        PvAccessor? names = null;
        PvAccessor? values = null;
        if (!b.IsMissing(2))
        {
            names = b.WritableVariable(2);
            if (names is null)
            {
                return null;
            }
        }

        if (!b.IsMissing(3))
        {
            values = b.WritableVariable(3);
            if (values is null)
            {
                return null;
            }
        }

        return context =>
        {
            var (name, positional) = ParseCommandText(command.Evaluate(context).AsString());
            JsonNode? parameters = ShapeWords(name, positional);
            if (names is not null)
            {
                parameters = BuildParameters(context, names, values);
            }

            var outcome = Run(name, parameters);
            if (outcome.IsError)
            {
                result?.Set!(context, ScriptValue.FromString(outcome.ErrorMessage));
                return -1;
            }

            if (result is not null)
            {
                var text = outcome.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : outcome.Value?.ToJsonString() ?? "null";
                result.Set!(context, ScriptValue.FromString(text));
            }

            return 1;
        };
    }

    /// <summary>
    /// Words after the command are positional strings, except for a command whose only parameter is an array
    /// (<c>get_statistics</c>, <c>reset_statistics</c>): the words are then that array, as opensips-cli sends them.
    /// </summary>
    private JsonArray? ShapeWords(string name, JsonArray? words)
    {
        if (words is null || !commands.TryGet(name, out var command))
        {
            return words;
        }

        var arrayRecipe = false;
        foreach (var recipe in command.Recipes)
        {
            if (recipe.Parameters.Count == words.Count && (words.Count != 1 || recipe.Parameters[0].Type != MiParamType.Array))
            {
                return words; // a recipe takes the words one by one
            }

            arrayRecipe |= recipe.Parameters.Count == 1 && recipe.Parameters[0].Type == MiParamType.Array;
        }

        return arrayRecipe ? [words] : words;
    }

    /// <summary>One AVP: positional values; two: names and values (named), paired in AVP order.</summary>
    private static JsonNode BuildParameters(ScriptContext context, PvAccessor first, PvAccessor? second)
    {
        var firstValues = AllValues(context, first);
        if (second is null)
        {
            var array = new JsonArray();
            foreach (var v in firstValues)
            {
                array.Add(ToJson(v));
            }

            return array;
        }

        var secondValues = AllValues(context, second);
        var obj = new JsonObject();
        for (var i = 0; i < firstValues.Count && i < secondValues.Count; i++)
        {
            obj[firstValues[i].AsString()] = ToJson(secondValues[i]);
        }

        return obj;
    }

    internal static List<ScriptValue> AllValues(ScriptContext context, PvAccessor accessor)
    {
        var list = new List<ScriptValue>();
        if (accessor.GetAll is { } all)
        {
            all(context, list);
            list.Reverse(); // AVPs list newest first; parameters go in the order they were added
        }
        else if (accessor.Get(context) is { IsNull: false } single)
        {
            list.Add(single);
        }

        return list;
    }

    internal static JsonNode? ToJson(ScriptValue value) => value.Kind switch
    {
        ScriptValueKind.Null => null,
        ScriptValueKind.Int => JsonValue.Create(value.Int),
        _ => JsonValue.Create(value.AsString()),
    };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
internal sealed partial class JsonNodeContext : System.Text.Json.Serialization.JsonSerializerContext;
