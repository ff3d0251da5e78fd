using System.Text.Json.Nodes;
using Parley.Protocol;

namespace Parley.Dialogs.Core;

/// <summary>The dialog callback types of the developer guide (§2.1.1, OpenSIPS's <c>DLGCB_*</c>).</summary>
[Flags]
public enum DialogCallbackType
{
    None = 0,

    /// <summary>Loaded from the database (start-up, <c>dlg_db_sync</c>); global: registered without a dialog, alone.</summary>
    Loaded = 1 << 0,

    /// <summary>The dialog's row was written to the database (<c>DLGCB_DB_SAVED</c>).</summary>
    Saved = 1 << 1,

    /// <summary>A dialog was created (global: registered without a dialog, alone).</summary>
    Created = 1 << 2,

    /// <summary>Negatively replied (non-2xx), or its transaction went away unanswered.</summary>
    Failed = 1 << 3,

    /// <summary>A 2xx was relayed.</summary>
    Confirmed = 1 << 4,

    /// <summary>A sequential request matched.</summary>
    RequestWithin = 1 << 5,

    /// <summary>Ended by BYE (received, or the first final reply to the BYEs the proxy sent).</summary>
    Terminated = 1 << 6,

    /// <summary>The lifetime ended without BYEs being sent.</summary>
    Expired = 1 << 7,

    /// <summary>The first provisional reply (101–199) was relayed.</summary>
    Early = 1 << 8,

    /// <summary>A reply to the initial INVITE is being relayed.</summary>
    ResponseForwarded = 1 << 9,

    /// <summary>A reply to a sequential request is being relayed.</summary>
    ResponseWithin = 1 << 10,

    /// <summary><c>dlg_list_ctx</c> asks modules for their context.</summary>
    MiContext = 1 << 11,

    /// <summary>The dialog is removed from memory.</summary>
    Destroy = 1 << 12,
}

/// <summary>What a callback is told. The message is valid only during the call (null for timer-driven events).</summary>
public readonly record struct DialogCallbackArgs(DialogCallbackType Type, SipMessage? Message, DialogDirection Direction)
{
    /// <summary>For <see cref="DialogCallbackType.MiContext"/>: the dialog's <c>context</c> object of <c>dlg_list_ctx</c>, to add members to.</summary>
    public JsonObject? MiContext { get; init; }
}

/// <summary>A dialog callback (<c>register_dlgcb</c>). Runs outside the dialog's lock; do not block.</summary>
public delegate void DialogCallback(Dialog dialog, in DialogCallbackArgs args);

internal sealed record DialogCallbackRegistration(DialogCallbackType Types, DialogCallback Callback);
