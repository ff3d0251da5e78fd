using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>
/// What the dialog module knows about the message being processed (OpenSIPS's processing context): the dialog it
/// belongs to, the leg the request goes to, a <c>$DLG_timeout</c> written before the dialog exists, and a dialog
/// created here that no transaction has taken yet. Reset for every message; a dialog created by a message that never
/// got a transaction is failed then, as OpenSIPS does when the request's pending tm callbacks are released.
/// </summary>
internal sealed class DialogContextState : IContextState
{
    public static readonly ContextSlot<DialogContextState> Slot = new();

    public DialogManager? Owner { get; set; }

    /// <summary>The current dialog (<c>ctx_dialog</c>).</summary>
    public Dialog? Dialog { get; set; }

    /// <summary>The leg the request goes to (<c>ctx_lastdstleg</c>): 0 the caller, ≥1 a callee, -1 unknown.</summary>
    public int DestinationLeg { get; set; } = -1;

    /// <summary><c>$DLG_timeout</c> written while no dialog existed (0: none).</summary>
    public int Timeout { get; set; }

    /// <summary><c>$DLG_options_ping_interval</c> / <c>$DLG_reinvite_ping_interval</c> written while no dialog existed (0: none).</summary>
    public int OptionsPingInterval { get; set; }

    public int ReinvitePingInterval { get; set; }

    /// <summary>Created by <c>create_dialog</c> in this context and not attached to a transaction yet.</summary>
    public Dialog? PendingCreate { get; set; }

    /// <summary>The request's CSeq before §3.6 renumbered it (0: not renumbered); its replies get it back.</summary>
    public uint OriginalCSeq { get; set; }

    /// <summary><c>load_dialog_ctx</c> switched the context to another dialog; <see cref="SavedDialog"/> comes back at unload.</summary>
    public bool Loaded { get; set; }

    public Dialog? SavedDialog { get; set; }

    public int SavedDestinationLeg { get; set; } = -1;

    public void Reset()
    {
        OriginalCSeq = 0;
        var pending = PendingCreate;
        var owner = Owner;
        Dialog = null;
        DestinationLeg = -1;
        Timeout = 0;
        OptionsPingInterval = 0;
        ReinvitePingInterval = 0;
        PendingCreate = null;
        Loaded = false;
        SavedDialog = null;
        SavedDestinationLeg = -1;
        if (pending is not null)
        {
            owner?.OnCreateAbandoned(pending);
        }
    }
}
