namespace Parley.Dialogs.Core;

/// <summary>What drives the state machine (opensips-behaviour.md §1.1, OpenSIPS's <c>DLG_EVENT_*</c>).</summary>
internal enum DialogEvent
{
    /// <summary>The INVITE transaction is gone (or never existed).</summary>
    TransactionDeleted = 1,

    /// <summary>A relayed 101–199.</summary>
    Provisional = 2,

    /// <summary>A 2xx about to go upstream.</summary>
    Success = 3,

    /// <summary>A final reply ≥300 about to go upstream (relayed or local).</summary>
    Failure = 4,

    Prack = 5,

    Ack = 6,

    /// <summary>An in-dialog BYE; the lifetime timeout and BYEs sent by the proxy use it too.</summary>
    Bye = 7,

    /// <summary>Any other in-dialog request.</summary>
    Request = 8,
}
