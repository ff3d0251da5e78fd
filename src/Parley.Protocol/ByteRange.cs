namespace Parley.Protocol;

/// <summary>A slice of a message buffer: offsets, never copies. <see cref="Start"/> is absolute in the owning buffer.</summary>
public readonly record struct ByteRange(int Start, int Length)
{
    public static readonly ByteRange Empty;

    public int End => Start + Length;

    public bool IsEmpty => Length == 0;

    public static ByteRange FromBounds(int start, int end) => new(start, end - start);
}
