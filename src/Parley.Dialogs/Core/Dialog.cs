using Parley.Dialogs.Profiles;
using Parley.Scripting.Runtime;
using Parley.Transactions.Timers;

namespace Parley.Dialogs.Core;

/// <summary>
/// A dialog (OpenSIPS's <c>dlg_cell</c>). Every mutable field is guarded by <see cref="Bucket"/>'s lock; read them under
/// it (<see cref="DialogManager"/> and the MI do). Identity (<see cref="CallId"/>, the URIs, <see cref="Entry"/> and,
/// once linked, <see cref="Id"/>) never changes.
/// </summary>
public sealed partial class Dialog : ITimerTarget
{
    internal const int LifetimeTimerTag = 0;
    internal const int DeleteTimerTag = 1;

    private DialogLeg[] _legs = new DialogLeg[2];
    private string? _did;
    private DialogHooks? _hooks;

    internal Dialog(DialogManager owner, DialogBucket bucket, byte[] callId, byte[] fromUri, byte[] toUri)
    {
        Owner = owner;
        Bucket = bucket;
        CallId = callId;
        FromUri = fromUri;
        ToUri = toUri;
    }

    internal DialogManager Owner { get; }

    internal DialogBucket Bucket { get; }

    /// <summary><c>h_entry</c>: the bucket of the Call-ID.</summary>
    public uint Entry => Bucket.Entry;

    /// <summary><c>h_id</c>: assigned when the dialog is linked into its bucket.</summary>
    public uint Id { get; internal set; }

    /// <summary>The DID (<c>$DLG_did</c>, MI <c>ID</c>): reverse-hex entry and id.</summary>
    public string Did => _did ??= DialogId.Format(Entry, Id);

    /// <summary>MI's <c>db_id</c>.</summary>
    public ulong DbId => DialogId.DbId(Entry, Id);

    internal byte[] CallId { get; }

    internal byte[] FromUri { get; }

    internal byte[] ToUri { get; }

    public DialogState State { get; internal set; } = DialogState.Unconfirmed;

    public DialogCreateFlags Flags { get; internal set; }

    internal DialogInternalFlags Internal { get; set; }

    /// <summary>Dialog flags of <c>set_dlg_flag</c> (bit i for the i-th named flag).</summary>
    internal uint UserFlags { get; set; }

    /// <summary>Legs in use: 0 is the caller.</summary>
    internal int LegCount { get; private set; }

    /// <summary>The first leg that answered 2xx (OpenSIPS's <c>DLG_LEG_200OK</c>); 0 until then.</summary>
    internal int AnsweredLeg { get; set; }

    /// <summary>"The callee": leg 1 before any 2xx, the 200-OK leg after (OpenSIPS's <c>callee_idx</c>).</summary>
    internal int CalleeIndex => AnsweredLeg != 0 ? AnsweredLeg : 1;

    /// <summary>Number of Record-Route headers of the initial INVITE (<c>from_rr_nb</c>).</summary>
    internal int CallerRecordRouteCount { get; set; }

    /// <summary>Confirmation time (unix seconds), 0 before.</summary>
    internal long StartUnix { get; set; }

    /// <summary>The lifetime applied at confirmation or at the last re-arm, in seconds.</summary>
    internal int LifetimeSeconds { get; set; }

    /// <summary>When the lifetime ends (unix seconds), 0 when the dialog is not on the lifetime timer.</summary>
    internal long ExpiresUnix { get; set; }

    internal TimerHandle LifetimeTimer { get; set; }

    internal TimerHandle DeleteTimer { get; set; }

    /// <summary>The end reason (<c>$DLG_end_reason</c>), null while none is set.</summary>
    internal string? EndReason { get; set; }

    /// <summary><c>$DLG_del_delay</c>; -1 uses <c>delete_delay</c>.</summary>
    internal int DeleteDelaySeconds { get; set; } = -1;

    internal RouteHandle? OnAnswerRoute
    {
        get => _hooks?.OnAnswerRoute;
        set => Hooks(value is not null)?.OnAnswerRoute = value;
    }

    internal RouteHandle? OnTimeoutRoute
    {
        get => _hooks?.OnTimeoutRoute;
        set => Hooks(value is not null)?.OnTimeoutRoute = value;
    }

    internal RouteHandle? OnHangupRoute
    {
        get => _hooks?.OnHangupRoute;
        set => Hooks(value is not null)?.OnHangupRoute = value;
    }

    /// <summary>Set by <c>set_dlg_sharing_tag</c>; honoured by the cluster issue.</summary>
    internal string? SharingTag
    {
        get => _hooks?.SharingTag;
        set => Hooks(value is not null)?.SharingTag = value;
    }

    /// <summary>The INVITE server transaction (bucket and label), for cancelling an early dialog from MI.</summary>
    internal int InitialTransactionEntry { get; set; } = -1;

    internal uint InitialTransactionLabel { get; set; }

    /// <summary>What the database still has to learn about this dialog, and whether it has a row (db_mode 1 and 2).</summary>
    internal Persistence.DialogDbFlags DbState { get; set; }

    /// <summary>Loaded from the database at start-up or by <c>dlg_db_sync</c> (<c>DLG_FLAG_FROM_DB</c>).</summary>
    internal bool FromDb { get; set; }

    /// <summary>Holders besides the table: the INVITE and in-dialog transactions and BYEs in flight (OpenSIPS's refs).</summary>
    internal int References { get; set; }

    internal bool Linked { get; set; }

    internal Dialog? Next { get; set; }

    internal Dialog? Previous { get; set; }

    /// <summary><c>$dlg_val</c> values, newest first.</summary>
    internal List<DialogValue>? Values { get; set; }

    /// <summary>Profile memberships, newest first.</summary>
    internal List<ProfileLink>? Profiles { get; set; }

    /// <summary>Callbacks registered on this dialog (<see cref="DialogCallbackType"/>).</summary>
    internal List<DialogCallbackRegistration>? Callbacks
    {
        get => _hooks?.Callbacks;
        set => Hooks(value is not null)?.Callbacks = value;
    }

    /// <summary>
    /// The rarely set members live in <see cref="DialogHooks"/>, created on the first write of a value (null when there is
    /// nothing to store): most dialogs have none, and each field inline would cost every dialog 8 bytes (issue 6's memory
    /// goal: ≤ 1 KiB per dialog).
    /// </summary>
    private DialogHooks? Hooks(bool create) => _hooks ?? (create ? _hooks = new DialogHooks() : null);

    internal DialogLeg Leg(int index) => _legs[index];

    internal bool HasLeg(int index) => (uint)index < (uint)LegCount;

    /// <summary>Adds a leg and returns its index.</summary>
    internal int AddLeg(DialogLeg leg)
    {
        if (LegCount == _legs.Length)
        {
            Array.Resize(ref _legs, _legs.Length * 2);
        }

        _legs[LegCount] = leg;
        return LegCount++;
    }

    /// <summary>The index of the callee leg tagged <paramref name="tag"/>, or -1.</summary>
    internal int FindCallee(ReadOnlySpan<byte> tag)
    {
        for (var i = 1; i < LegCount; i++)
        {
            if (_legs[i].Tag.AsSpan().SequenceEqual(tag))
            {
                return i;
            }
        }

        return -1;
    }

    void ITimerTarget.OnTimer(int tag) => Owner.OnDialogTimer(this, tag);

    public override string ToString() => $"dialog {Did} state {(int)State}";
}

/// <summary>Internal dialog flags (OpenSIPS's <c>DLG_FLAG_*</c> that are not script-visible).</summary>
[Flags]
internal enum DialogInternalFlags
{
    None = 0,

    /// <summary>The INVITE transaction was found and the dialog attached to it (<c>DLG_FLAG_ISINIT</c>).</summary>
    Attached = 1 << 0,

    /// <summary>The caller cancelled (<c>DLG_FLAG_WAS_CANCELLED</c>).</summary>
    WasCancelled = 1 << 1,

    /// <summary>A BYE was seen (<c>DLG_FLAG_HASBYE</c>).</summary>
    HasBye = 1 << 2,

    /// <summary><c>DLG_FLAG_RACE_CONDITION_OCCURRED</c>.</summary>
    RaceOccurred = 1 << 3,

    /// <summary>BYEs were sent on expiry or by MI; their first final reply ends the dialog.</summary>
    ByesSent = 1 << 4,

    /// <summary>The lifetime ended and <c>dlg_on_timeout</c> runs: writing <c>$DLG_timeout</c> there re-arms the timer.</summary>
    Expiring = 1 << 5,
}

/// <summary>One <c>$dlg_val</c>: a name and a string or integer value.</summary>
internal sealed class DialogValue(string name, ScriptValue value)
{
    public string Name { get; } = name;

    public ScriptValue Value { get; set; } = value;
}

/// <summary>A dialog's rarely set members (<c>dlg_on_*</c> routes, sharing tag, callbacks). Guarded by the bucket lock.</summary>
internal sealed class DialogHooks
{
    public RouteHandle? OnAnswerRoute { get; set; }

    public RouteHandle? OnTimeoutRoute { get; set; }

    public RouteHandle? OnHangupRoute { get; set; }

    public string? SharingTag { get; set; }

    public List<DialogCallbackRegistration>? Callbacks { get; set; }
}
