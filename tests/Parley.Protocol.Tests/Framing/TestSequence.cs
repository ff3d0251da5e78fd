using System.Buffers;

namespace Parley.Protocol.Tests.Framing;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a PipeReader hands them out.</summary>
internal static class TestSequence
{
    public static ReadOnlySequence<byte> Create(params ReadOnlyMemory<byte>[] segments)
    {
        var first = new Segment(segments[0], 0);
        var last = first;
        for (int i = 1; i < segments.Length; i++)
        {
            last = last.Append(segments[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        var segments = new ReadOnlyMemory<byte>[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            segments[i] = bytes.AsMemory(i, 1);
        }

        return Create(segments);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
