namespace Parley.Management.Mi;

/// <summary>Handler of a MI command.</summary>
public delegate ValueTask<MiResult> MiHandler(MiRequest request, CancellationToken cancellationToken);

/// <summary>
/// A MI command: name, help text, exporting module, accepted parameter recipes and a handler.
/// The handler sees the matched recipe through <see cref="MiRequest.Recipe"/>.
/// </summary>
public sealed class MiCommand
{
    public MiCommand(string name, string? help, IReadOnlyList<MiRecipe> recipes, MiHandler handler,
        string module = "core", bool namedParamsOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(recipes);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(module);
        if (recipes.Count == 0)
        {
            throw new ArgumentException("A command needs at least one recipe (use an empty one for no parameters).", nameof(recipes));
        }

        Name = name;
        Help = help;
        Recipes = recipes;
        Handler = handler;
        Module = module;
        NamedParamsOnly = namedParamsOnly;
    }

    /// <summary>Convenience constructor for a synchronous handler.</summary>
    public MiCommand(string name, string? help, IReadOnlyList<MiRecipe> recipes, Func<MiRequest, MiResult> handler,
        string module = "core", bool namedParamsOnly = false)
        : this(name, help, recipes, Wrap(handler), module, namedParamsOnly)
    {
    }

    public string Name { get; }

    /// <summary>Help text (<c>help {mi_cmd}</c>); null means "not available for this command".</summary>
    public string? Help { get; }

    /// <summary>Exporting module ("Exported by" in <c>help</c>), "core" for core commands.</summary>
    public string Module { get; }

    public IReadOnlyList<MiRecipe> Recipes { get; }

    public MiHandler Handler { get; }

    /// <summary>OpenSIPS's MI_NAMED_PARAMS_ONLY: positional params are rejected.</summary>
    public bool NamedParamsOnly { get; }

    private static MiHandler Wrap(Func<MiRequest, MiResult> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return (request, _) => new ValueTask<MiResult>(handler(request));
    }
}
