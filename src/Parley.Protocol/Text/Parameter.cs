namespace Parley.Protocol.Text;

/// <summary>
/// One <c>name[=value]</c> item. Ranges are relative to the span given to the enumerator and hold the raw
/// text: URI values keep their escapes, quoted values keep their quotes (see <see cref="IsQuoted"/>).
/// </summary>
public readonly record struct Parameter(ByteRange Name, ByteRange Value, bool HasValue, bool IsQuoted)
{
    /// <summary>Shifts both ranges, for example to make them absolute in a message buffer.</summary>
    public Parameter Offset(int delta) =>
        new(new ByteRange(Name.Start + delta, Name.Length), HasValue ? new ByteRange(Value.Start + delta, Value.Length) : Value, HasValue, IsQuoted);
}
