namespace Parley.Scripting.Syntax;

/// <summary>A syntax error found while lexing or parsing a script, with 1-based position.</summary>
public sealed record ScriptDiagnostic(string File, int Line, int Column, string Message, string Text)
{
    public override string ToString() => $"{File}:{Line}:{Column}: error: {Message} (at '{Text}')";
}
