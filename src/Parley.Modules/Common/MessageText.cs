using System.Text;
using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Common;

/// <summary>
/// The message as text for regular expressions, one char per byte (Latin-1), so a match's index is an offset into the
/// message buffer, as OpenSIPS's regexec over <c>msg-&gt;buf</c>. Decoded at most once per message and context.
/// </summary>
internal sealed class MessageText : IContextState
{
    private static readonly ContextSlot<MessageText> Slot = new();

    private SipMessage? _message;
    private long _generation;
    private string? _text;

    public void Reset()
    {
        _message = null;
        _text = null;
    }

    /// <summary>The text of <paramref name="message"/> from <see cref="SipMessage.Start"/>: index i is byte Start + i.</summary>
    public static string Of(ScriptContext context, SipMessage message)
    {
        var state = context.GetState(Slot);
        if (state._text is null || !ReferenceEquals(state._message, message) || state._generation != context.Generation)
        {
            state._text = Encoding.Latin1.GetString(message.Buffer, message.Start, message.Length);
            state._message = message;
            state._generation = context.Generation;
        }

        return state._text;
    }
}
