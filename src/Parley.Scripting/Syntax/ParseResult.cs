namespace Parley.Scripting.Syntax;

/// <summary>The AST of a script and every diagnostic found in it (empty when the script is valid).</summary>
internal sealed record ParseResult(ScriptFile Script, IReadOnlyList<ScriptDiagnostic> Diagnostics)
{
    public bool Success => Diagnostics.Count == 0;
}
