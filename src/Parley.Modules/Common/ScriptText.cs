using System.Buffers.Text;
using System.Text;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Common;

/// <summary>
/// Script values as UTF-8 bytes for the modules that write them into messages. A byte view of the message is returned
/// as it is; strings and integers are encoded into scratch buffers owned by the context, so steady-state calls
/// allocate nothing. Module objects are shared by every worker, so scratch space lives in the context, never in the
/// module.
/// </summary>
internal static class ScriptText
{
    /// <summary>Number of independent scratch buffers: a function can hold this many encoded values at once.</summary>
    public const int Buffers = 4;

    private static readonly ContextSlot<Scratch> Slot = new();

    /// <summary>The UTF-8 bytes of <paramref name="value"/> (NULL is empty); valid until buffer <paramref name="which"/> is reused.</summary>
    public static ReadOnlySpan<byte> Utf8(ScriptContext context, ScriptValue value, int which)
    {
        switch (value.Kind)
        {
            case ScriptValueKind.Null:
                return default;
            case ScriptValueKind.Bytes:
                return value.Utf8Bytes;
            case ScriptValueKind.Int:
            {
                var buffer = Buffer(context, which, 20);
                Utf8Formatter.TryFormat(value.Int, buffer, out var n);
                return buffer[..n];
            }

            default:
            {
                var s = value.StringOrNull!;
                var buffer = Buffer(context, which, Encoding.UTF8.GetMaxByteCount(s.Length));
                var n = Encoding.UTF8.GetBytes(s, buffer);
                return buffer[..n];
            }
        }
    }

    /// <summary>Scratch buffer <paramref name="which"/> with room for at least <paramref name="size"/> bytes.</summary>
    public static Span<byte> Buffer(ScriptContext context, int which, int size) => context.GetState(Slot).Get(which, size);

    /// <summary>The UTF-8 of a constant, for values known when a call is bound.</summary>
    public static byte[] Constant(string text) => Encoding.UTF8.GetBytes(text);

    private sealed class Scratch : IContextState
    {
        private readonly byte[][] _buffers = [new byte[256], new byte[256], new byte[256], new byte[256]];

        public void Reset()
        {
            // The buffers are kept for the next message: they only ever grow to the size of typical values.
        }

        public Span<byte> Get(int which, int size)
        {
            if (_buffers[which].Length < size)
            {
                _buffers[which] = new byte[Math.Max(size, _buffers[which].Length * 2)];
            }

            return _buffers[which];
        }
    }
}
