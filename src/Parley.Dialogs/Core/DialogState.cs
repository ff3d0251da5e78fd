namespace Parley.Dialogs.Core;

/// <summary>A dialog's state; the numbers are what MI, the database and <c>$DLG_status</c> show (opensips-behaviour.md §1.1).</summary>
public enum DialogState
{
    /// <summary>Created by <c>create_dialog</c>, no reply relayed yet.</summary>
    Unconfirmed = 1,

    /// <summary>A provisional reply (101–199) was relayed.</summary>
    Early = 2,

    /// <summary>A 2xx was relayed; its ACK is not seen yet.</summary>
    ConfirmedNotAcknowledged = 3,

    /// <summary>The ACK of the 2xx was seen.</summary>
    Confirmed = 4,

    /// <summary>Ended (failed, BYE, timeout); may stay listed while references or <c>delete_delay</c> hold it.</summary>
    Deleted = 5,
}
