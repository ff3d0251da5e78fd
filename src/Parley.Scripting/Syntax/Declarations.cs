namespace Parley.Scripting.Syntax;

/// <summary>Base of top-level script items.</summary>
internal abstract record Declaration(int Line, int Column);

/// <summary>
/// A global parameter such as <c>log_level=2</c> or <c>socket=udp:127.0.0.1:5060</c>. Value is set
/// when the right-hand side is a single literal; RawValue always holds the source text.
/// </summary>
internal sealed record GlobalParameter(string Name, Expression? Value, string RawValue, int Line, int Column) : Declaration(Line, Column)
{
    /// <summary>Where the value starts (its first token).</summary>
    public int ValueLine { get; init; }

    public int ValueColumn { get; init; }
}

internal sealed record LoadModuleDeclaration(string Path, int Line, int Column) : Declaration(Line, Column);

internal sealed record ModParamDeclaration(string Module, string Parameter, Expression Value, int Line, int Column) : Declaration(Line, Column);

/// <summary>
/// A route block. Name is null for the main request route and unnamed onreply routes; Options holds
/// the extra bracket item (timer interval or <c>async</c> for event routes).
/// </summary>
internal sealed record RouteBlock(RouteType Type, string? Name, string? Options, BlockStatement Body, int Line, int Column) : Declaration(Line, Column);

/// <summary><c>include_file</c>/<c>import_file</c>; Included is the parsed file when a loader resolved it.</summary>
internal sealed record IncludeDeclaration(string Path, bool IsImport, ScriptFile? Included, int Line, int Column) : Declaration(Line, Column);

/// <summary>A parsed script file.</summary>
internal sealed record ScriptFile(string File, IReadOnlyList<Declaration> Declarations);
