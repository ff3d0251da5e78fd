using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Management.Mi;

/// <summary>
/// A request as its handler sees it: the command, the matched recipe and the parameters,
/// addressed by name whether they were sent named or positionally.
/// </summary>
public sealed class MiRequest
{
    private readonly JsonElement[] _values;

    internal MiRequest(MiCommand command, MiRecipe recipe, JsonElement[] values, bool positional)
    {
        Command = command;
        Recipe = recipe;
        _values = values;
        IsPositional = positional;
    }

    /// <summary>Builds a request directly (for tests or internal callers); values are keyed by recipe name.</summary>
    public static MiRequest Create(MiCommand command, MiRecipe recipe, IReadOnlyDictionary<string, JsonElement> values)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(values);
        var arr = new JsonElement[recipe.Parameters.Count];
        for (int i = 0; i < arr.Length; i++)
        {
            if (values.TryGetValue(recipe.Parameters[i].Name, out var v))
            {
                arr[i] = v.Clone();
            }
        }

        return new MiRequest(command, recipe, arr, false);
    }

    public MiCommand Command { get; }

    /// <summary>Where intermediate results go (set by a transport that can stream them), or null.</summary>
    internal Action<JsonNode>? Progress { get; set; }

    /// <summary>Whether the transport streams intermediate results (<see cref="ReportProgress"/> is not a no-op).</summary>
    public bool CanReportProgress => Progress is not null;

    /// <summary>
    /// Hands an intermediate result to the client before the final one (OpenSIPS's async MI handler called with
    /// done=0, e.g. t_uac_dlg's provisional replies with tm's <c>pass_provisional_replies</c>): the FIFO writes it as
    /// a JSON-RPC response with the request's id; HTTP, the script's <c>mi()</c> and notifications drop it.
    /// Safe from any thread; a report after the handler finished is dropped.
    /// </summary>
    public void ReportProgress(JsonNode result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Progress?.Invoke(result);
    }

    public MiRecipe Recipe { get; }

    /// <summary>True when params came as an array (mapped onto <see cref="Recipe"/> by position).</summary>
    public bool IsPositional { get; }

    /// <summary>Whether the matched recipe has parameter <paramref name="name"/>.</summary>
    public bool Has(string name) => Recipe.IndexOf(name) >= 0;

    /// <summary>The raw JSON value of a parameter.</summary>
    public JsonElement GetRaw(string name)
    {
        int i = Recipe.IndexOf(name);
        if (i < 0 || _values[i].ValueKind == JsonValueKind.Undefined)
        {
            throw MiParamException.Missing(name);
        }

        return _values[i];
    }

    /// <summary>A string parameter; a number is returned as its JSON text.</summary>
    public string GetString(string name)
    {
        var e = GetRaw(name);
        return TryReadString(e, out var s) ? s : throw MiParamException.BadType(name);
    }

    /// <summary>An integer parameter; a string holding an integer is accepted.</summary>
    public int GetInt(string name)
    {
        var e = GetRaw(name);
        return TryReadInt(e, out int v) ? v : throw MiParamException.BadType(name);
    }

    /// <summary>An array parameter.</summary>
    public JsonArray GetArray(string name)
    {
        var e = GetRaw(name);
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw MiParamException.BadType(name);
        }

        return JsonNode.Parse(e.GetRawText())!.AsArray();
    }

    /// <summary>Strings of an array parameter (numbers are read as their text).</summary>
    public IReadOnlyList<string> GetStringArray(string name)
    {
        var e = GetRaw(name);
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw MiParamException.BadType(name);
        }

        var list = new List<string>(e.GetArrayLength());
        foreach (var item in e.EnumerateArray())
        {
            list.Add(TryReadString(item, out var s) ? s : throw MiParamException.BadType(name));
        }

        return list;
    }

    internal static bool Conforms(JsonElement e, MiParamType type) => type switch
    {
        MiParamType.String => TryReadString(e, out _),
        MiParamType.Int => TryReadInt(e, out _),
        MiParamType.Array => e.ValueKind == JsonValueKind.Array,
        _ => true,
    };

    private static bool TryReadString(JsonElement e, out string value)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                value = e.GetString()!;
                return true;
            case JsonValueKind.Number:
                value = e.GetRawText();
                return true;
            default:
                value = string.Empty;
                return false;
        }
    }

    private static bool TryReadInt(JsonElement e, out int value)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                return e.TryGetInt32(out value);
            case JsonValueKind.String:
                return int.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
            default:
                value = 0;
                return false;
        }
    }
}
