namespace Parley.Scripting.Syntax;

/// <summary>
/// One token: its kind, the raw source text, its decoded value (string contents, number value)
/// and where it starts (1-based line and column) plus the character offset span in the source.
/// </summary>
internal sealed record Token(TokenKind Kind, string Text, string File, int Line, int Column, int Offset, int Length)
{
    /// <summary>Decoded string contents for <see cref="TokenKind.String"/> tokens.</summary>
    public string? StringValue { get; init; }

    /// <summary>Numeric value for <see cref="TokenKind.Number"/> tokens.</summary>
    public long NumberValue { get; init; }

    /// <summary>Structured view of a <see cref="TokenKind.PseudoVariable"/> token.</summary>
    public PvRef? Pv { get; init; }

    public int EndOffset => Offset + Length;

    public string Position => $"{Line}:{Column}";
}
