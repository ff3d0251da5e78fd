namespace Parley.Management.Mi;

/// <summary>JSON type a MI parameter must have (checked before the handler runs).</summary>
public enum MiParamType
{
    /// <summary>Any JSON value.</summary>
    Any,
    /// <summary>A string; a JSON number is accepted and read as its text (as OpenSIPS does).</summary>
    String,
    /// <summary>An integer; a string holding an integer is accepted (as OpenSIPS does).</summary>
    Int,
    /// <summary>A JSON array.</summary>
    Array,
}

/// <summary>One named parameter of a recipe.</summary>
public sealed record MiParam(string Name, MiParamType Type = MiParamType.String)
{
    public static MiParam Str(string name) => new(name, MiParamType.String);
    public static MiParam Int(string name) => new(name, MiParamType.Int);
    public static MiParam Arr(string name) => new(name, MiParamType.Array);
    public static MiParam Any(string name) => new(name, MiParamType.Any);
}

/// <summary>
/// One accepted parameter combination ("recipe" in OpenSIPS). Named parameters must
/// match a recipe exactly; positional parameters are mapped onto a recipe with the same count.
/// Optional parameters are expressed as several recipes, exactly like OpenSIPS.
/// </summary>
public sealed class MiRecipe
{
    public MiRecipe(params MiParam[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
    }

    public IReadOnlyList<MiParam> Parameters { get; }

    /// <summary>Index of <paramref name="name"/> in this recipe, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (string.Equals(Parameters[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A parameter could not be read with the requested type (→ -32602 with <see cref="Exception.Message"/> as data).</summary>
public sealed class MiParamException : Exception
{
    public MiParamException()
    {
    }

    public MiParamException(string message)
        : base(message)
    {
    }

    public MiParamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static MiParamException BadType(string name) => new($"Bad type for parameter '{name}'");

    internal static MiParamException Missing(string name) => new($"Missing parameter '{name}'");
}
