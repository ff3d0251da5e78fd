namespace Parley.Dialogs.Persistence;

/// <summary>
/// A dialog's pending database work (OpenSIPS's <c>DLG_FLAG_NEW/CHANGED/VP_CHANGED/DB_DELETED</c>), guarded by the
/// dialog's bucket lock. The SIP path only sets bits and queues the dialog once; the background writer takes them.
/// </summary>
[Flags]
internal enum DialogDbFlags : byte
{
    None = 0,

    /// <summary>Confirmed and not written yet: the next write is an INSERT of every column.</summary>
    New = 1 << 0,

    /// <summary>State, CSeqs, contacts or timeout moved: the 13-column UPDATE.</summary>
    Changed = 1 << 1,

    /// <summary>Values, profiles or dialog flags changed: the 4-column UPDATE (with <c>db_flush_vals_profiles</c>).</summary>
    ValuesChanged = 1 << 2,

    /// <summary>Only the lifetime moved (<c>$DLG_timeout</c>): the timeout UPDATE.</summary>
    TimeoutChanged = 1 << 3,

    /// <summary>Ended: the row goes (or is never written when it was not yet).</summary>
    Deleted = 1 << 4,

    /// <summary>The table has (or may have) a row for the dialog.</summary>
    InDb = 1 << 5,

    /// <summary>The dialog sits in the writer's queue.</summary>
    Queued = 1 << 6,

    /// <summary>The bits of work still to do.</summary>
    Pending = New | Changed | ValuesChanged | TimeoutChanged | Deleted,
}
