namespace Parley.Protocol;

/// <summary>The outcome of <see cref="SipParser.Parse"/>: a value, never an exception (malformed input is expected input).</summary>
public readonly record struct ParseResult(ParseStatus Status, ParseError Error, int Consumed)
{
    public static ParseResult Incomplete => new(ParseStatus.Incomplete, ParseError.None, 0);

    public static ParseResult Invalid(ParseError error) => new(ParseStatus.Invalid, error, 0);
}
