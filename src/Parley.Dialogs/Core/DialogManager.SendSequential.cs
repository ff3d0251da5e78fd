using System.Text;
using Parley.Protocol;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Core;

/// <summary>
/// Requests the proxy sends inside a dialog on demand: <c>dlg_send_sequential</c> (script, manual §1.7.25, and MI,
/// §1.9.13) and <c>dlg_inc_cseq</c> (§1.7.26). They are built like the BYEs (§5.3) and renumbered as §3.6 says.
/// </summary>
public sealed partial class DialogManager
{
    /// <summary>
    /// Sends <paramref name="method"/> toward the caller (<paramref name="toCaller"/>) or the callee with our Contact, an
    /// optional body with its Content-Type, and extra header lines; a 2xx to an INVITE is acknowledged. Completes with the
    /// final reply; null when nothing could be sent (no tm, the dialog is not confirmed, no remote target).
    /// </summary>
    public Task<UacReply>? SendSequential(Dialog dialog, string method, bool toCaller, byte[]? body, string? contentType, string? headers)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (_tm is not { } tm)
        {
            return null;
        }

        UacRequest? request;
        lock (dialog.Bucket.Gate)
        {
            if (dialog.State is not (DialogState.ConfirmedNotAcknowledged or DialogState.Confirmed))
            {
                return null;
            }

            var destination = toCaller ? 0 : dialog.CalleeIndex;
            var source = toCaller ? dialog.CalleeIndex : 0;
            if (!dialog.HasLeg(destination))
            {
                return null;
            }

            var extra = new StringBuilder(128);
            extra.Append("Contact: <").Append(LocalContact(dialog.Leg(destination).BindAddress)).Append(">\r\n");
            if (contentType is { Length: > 0 })
            {
                extra.Append("Content-Type: ").Append(contentType).Append("\r\n");
            }

            if (headers is { Length: > 0 })
            {
                extra.Append(NormalizeHeaders(headers));
            }

            var isInvite = string.Equals(method, "INVITE", StringComparison.OrdinalIgnoreCase);
            request = BuildRequestLocked(dialog, method, destination, source, extra.ToString(), body is { Length: > 0 } ? body : null, ackSuccess: isInvite);
            if (request is null)
            {
                return null;
            }

            dialog.References++;
        }

        Task<UacReply> pending;
        try
        {
            pending = tm.SendRequestAsync(request);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DialogLog.ByeFailed(_logger, dialog.Did, e);
            Unreference(dialog);
            return null;
        }

        return pending.ContinueWith(static (t, state) =>
        {
            var (manager, d) = ((DialogManager, Dialog))state!;
            manager.Unreference(d);
            return t.IsCompletedSuccessfully ? t.Result : new UacReply(500, "Internal Error", null, null, [], null);
        }, (this, dialog), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// <c>dlg_inc_cseq([tag,][inc])</c>: moves the generated CSeq of the leg with this tag (the message's To tag when
    /// null) by <paramref name="increment"/>, starting from the leg's last CSeq when the proxy generated nothing toward it
    /// yet. 1, or -1 when the leg is unknown.
    /// </summary>
    public int IncrementCSeq(Dialog dialog, ReadOnlySpan<byte> tag, long increment)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            var leg = dialog.Leg(0).Tag.AsSpan().SequenceEqual(tag) ? 0 : dialog.FindCallee(tag);
            if (leg < 0)
            {
                return -1;
            }

            var l = dialog.Leg(leg);
            var start = l.LastGeneratedCSeq != 0 ? l.LastGeneratedCSeq : l.RequestCSeq;
            l.LastGeneratedCSeq = (uint)Math.Clamp(start + increment, 1, uint.MaxValue);
            MarkDbLocked(dialog, Parley.Dialogs.Persistence.DialogDbFlags.Changed);
            return 1;
        }
    }

    /// <summary>The body of a UAC reply (the raw message tm kept), or null.</summary>
    internal static byte[]? ReplyBody(UacReply reply)
    {
        if (reply.Message is not { Length: > 0 } bytes)
        {
            return null;
        }

        var message = new SipMessage();
        if (SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status != ParseStatus.Complete || message.Body.Length == 0)
        {
            return null;
        }

        return message[message.Body].ToArray();
    }

    /// <summary>SDP bodies for MI <c>body=inbound|outbound</c>: what the proxy last relayed toward that leg.</summary>
    public byte[]? BodyFor(Dialog dialog, bool toCaller)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        lock (dialog.Bucket.Gate)
        {
            return SdpSentTo(dialog, toCaller ? 0 : dialog.CalleeIndex);
        }
    }
}
