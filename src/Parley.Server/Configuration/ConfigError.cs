namespace Parley.Server.Configuration;

/// <summary>One problem in a configuration file, reported as <c>file:line:column: message</c> like a compiler.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message, string Text)
{
    public override string ToString() => Text.Length == 0
        ? $"{File}:{Line}:{Column}: error: {Message}"
        : $"{File}:{Line}:{Column}: error: {Message} (at '{Text}')";
}
