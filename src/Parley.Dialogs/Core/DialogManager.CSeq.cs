using System.Buffers.Text;
using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>
/// CSeq translation once the proxy generated in-dialog requests toward a leg (opensips-behaviour.md §3.6), and the SDP
/// staging of re-INVITE/UPDATE offers (§1.6) that re-INVITE pings and <c>dlg_send_sequential</c> bodies rely on.
/// </summary>
public sealed partial class DialogManager
{
    /// <summary>
    /// §3.6: a request toward a leg the proxy generated requests for leaves with CSeq <c>++last_gen_cseq</c> (an INVITE
    /// also records original → generated for its ACK); an ACK takes the mapped number, or <c>last_gen_cseq</c>. Returns
    /// the original number when its replies must be translated back, else 0. Caller holds the lock.
    /// </summary>
    private static uint TranslateCSeqLocked(ScriptContext context, Dialog dialog, SipMessage msg, int destination, uint cseq)
    {
        if (!dialog.HasLeg(destination) || msg.IndexOf(HeaderKind.CSeq) < 0)
        {
            return 0;
        }

        var leg = dialog.Leg(destination);
        if (leg.LastGeneratedCSeq == 0)
        {
            return 0;
        }

        if (msg.Method == SipMethod.Ack)
        {
            var mapped = leg.MappedGeneratedCSeq != 0 && leg.MappedOriginalCSeq == cseq ? leg.MappedGeneratedCSeq : leg.LastGeneratedCSeq;
            ReplaceCSeqNumber(context, msg, mapped);
            return 0;
        }

        var generated = ++leg.LastGeneratedCSeq;
        if (msg.Method == SipMethod.Invite)
        {
            leg.MappedOriginalCSeq = cseq;
            leg.MappedGeneratedCSeq = generated;
        }

        ReplaceCSeqNumber(context, msg, generated);
        return cseq;
    }

    /// <summary>A reply to a renumbered request goes back with the endpoint's own CSeq (§3.6).</summary>
    private static void RestoreCSeq(ScriptContext context, SipMessage reply, uint original)
    {
        if (reply.IndexOf(HeaderKind.CSeq) >= 0 && ReferenceEquals(context.Msg, reply))
        {
            ReplaceCSeqNumber(context, reply, original);
        }
    }

    /// <summary>Rewrites the number of the CSeq header, keeping the method text as it is.</summary>
    private static void ReplaceCSeqNumber(ScriptContext context, SipMessage msg, uint number)
    {
        var index = msg.IndexOf(HeaderKind.CSeq);
        var value = msg[msg.Headers[index].Value];
        var start = 0;
        while (start < value.Length && value[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        var end = start;
        while (end < value.Length && value[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        Span<byte> text = stackalloc byte[10 + 64];
        if (!Utf8Formatter.TryFormat(number, text, out var written) || value.Length - end > 64)
        {
            return;
        }

        value[end..].CopyTo(text[written..]);
        context.Edits.ReplaceHeaderValue(index, text[..(written + value.Length - end)]);
    }

    /// <summary>A re-INVITE/UPDATE offer is staged on the side that sent it until a 2xx answers it (§1.6). Caller holds the lock.</summary>
    private static void StageSdpLocked(Dialog dialog, SipMessage msg, int destination)
    {
        if (msg.Method is not (SipMethod.Invite or SipMethod.Update) || msg.Body.Length == 0)
        {
            return;
        }

        var source = destination == 0 ? dialog.CalleeIndex : 0;
        if (dialog.HasLeg(source))
        {
            dialog.Leg(source).StagedSdp = msg[msg.Body].ToArray();
        }
    }

    /// <summary>A 2xx to a re-INVITE/UPDATE toward <paramref name="destination"/>: the staged offer and the answer become the legs' SDPs.</summary>
    private static void CommitSdp(Dialog dialog, SipMessage reply, int destination)
    {
        lock (dialog.Bucket.Gate)
        {
            var source = destination == 0 ? dialog.CalleeIndex : 0;
            if (dialog.HasLeg(source) && dialog.Leg(source).StagedSdp is { } staged)
            {
                dialog.Leg(source).Sdp = staged;
                dialog.Leg(source).StagedSdp = null;
            }

            if (dialog.HasLeg(destination) && reply.Body.Length > 0)
            {
                dialog.Leg(destination).Sdp = reply[reply.Body].ToArray();
            }
        }
    }

    /// <summary>An ACK with a body (the answer to a late offer) is the sending side's SDP. Caller holds the lock.</summary>
    private static void CommitAckSdpLocked(Dialog dialog, SipMessage msg, int destination)
    {
        if (msg.Body.Length == 0)
        {
            return;
        }

        var source = destination == 0 ? dialog.CalleeIndex : 0;
        if (dialog.HasLeg(source))
        {
            dialog.Leg(source).Sdp = msg[msg.Body].ToArray();
        }
    }
}
