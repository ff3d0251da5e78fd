namespace Parley.Dialogs.Persistence;

/// <summary>
/// The driver layer of dialog persistence: one implementation per database engine (Parley.Persistence has SQLite and
/// PostgreSQL). The dialog module never runs these calls on the SIP receive path; a background writer owns them, so
/// an implementation may block, be slow or throw (every exception is counted and the write retried).
/// </summary>
public interface IDialogStore : IAsyncDisposable
{
    /// <summary>What this store writes to, without the password (for log lines), e.g. <c>sqlite:///var/lib/parley.db</c>.</summary>
    string Description { get; }

    /// <summary>
    /// True for an embedded file the proxy owns (SQLite): a missing schema is created at start. A server database's
    /// schema is the operator's (<c>parley db init</c>), and a missing one is refused at start.
    /// </summary>
    bool IsEmbedded { get; }

    /// <summary>
    /// The <c>table_version</c> of the dialog table in the <c>version</c> table, or null when the version table or the
    /// row is missing (the schema was never created).
    /// </summary>
    Task<int?> GetTableVersionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates what is missing of the schema: the <c>version</c> table, the dialog table (with the configured names) and
    /// its version row <c>(table_name, 12)</c>. Leaves an existing dialog table and its rows alone.
    /// </summary>
    Task CreateSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Every row of the dialog table.</summary>
    Task<IReadOnlyList<DialogRow>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="writes"/> in one transaction (all or none). A batch holds at most one write per
    /// <c>dlg_id</c>, so the store may group them by kind. Deletes go <paramref name="deleteBatchSize"/> ids per
    /// statement (<c>timer_bulk_del_no</c>). An insert of an existing <c>dlg_id</c> replaces the row (a retried insert
    /// must not fail); an update or delete of a missing row is not an error.
    /// </summary>
    Task WriteAsync(IReadOnlyList<DialogWrite> writes, int deleteBatchSize, CancellationToken cancellationToken);

    /// <summary>Deletes every row of the dialog table (MI <c>dlg_restore_db</c>, db_mode 3 after loading).</summary>
    Task DeleteAllAsync(CancellationToken cancellationToken);
}

/// <summary>Opens stores from <c>db_url</c>s.</summary>
public interface IDialogStoreFactory
{
    /// <summary>
    /// Null when this build can open <paramref name="url"/>; otherwise a message for the person who wrote it (an unknown
    /// scheme, a malformed URL, or <c>mysql://</c>, which is recognised but has no connector here).
    /// </summary>
    string? Check(string url);

    /// <summary>A store for <paramref name="url"/> (already <see cref="Check"/>ed) and the configured table and column names. Opens no connection yet.</summary>
    IDialogStore Open(string url, DialogTableSchema schema);
}

/// <summary>What a <see cref="IDialogStore.WriteAsync"/> entry does.</summary>
public enum DialogWriteKind
{
    /// <summary>INSERT of every column (replacing a row with the same <c>dlg_id</c>): a dialog confirmed, or re-written.</summary>
    Insert,

    /// <summary>
    /// UPDATE of the 13 columns that change during a call (opensips-behaviour.md §6.2): state, timeout, both CSeqs, both
    /// ping CSeqs, flags, vars, profiles, script_flags, module_flags and both contacts.
    /// </summary>
    Update,

    /// <summary>UPDATE of vars, profiles, script_flags and module_flags only.</summary>
    UpdateValues,

    /// <summary>UPDATE of timeout only (<c>$DLG_timeout</c>, MI on a confirmed dialog).</summary>
    UpdateTimeout,

    /// <summary>DELETE by <c>dlg_id</c>.</summary>
    Delete,
}

/// <summary>One write of a batch: <see cref="Row"/> is null only for <see cref="DialogWriteKind.Delete"/>.</summary>
public readonly record struct DialogWrite(DialogWriteKind Kind, ulong DialogId, DialogRow? Row);

/// <summary>
/// One row of the dialog table, schema version 12 (opensips-behaviour.md §6.1), as .NET values. The store maps these
/// properties to the column names of <see cref="DialogTableSchema"/>.
/// </summary>
public sealed class DialogRow
{
    /// <summary><c>dlg_id</c> = (h_entry &lt;&lt; 32) | h_id.</summary>
    public ulong DialogId { get; set; }

    public string CallId { get; set; } = string.Empty;

    public string FromUri { get; set; } = string.Empty;

    public string FromTag { get; set; } = string.Empty;

    public string ToUri { get; set; } = string.Empty;

    public string ToTag { get; set; } = string.Empty;

    public string? MangledFromUri { get; set; }

    public string? MangledToUri { get; set; }

    /// <summary><c>caller_cseq</c> (CHAR(11)): the caller leg's <c>r_cseq</c> as decimal text.</summary>
    public string CallerCSeq { get; set; } = "0";

    /// <summary><c>callee_cseq</c> (CHAR(11)).</summary>
    public string CalleeCSeq { get; set; } = "0";

    public uint CallerPingCSeq { get; set; }

    public uint CalleePingCSeq { get; set; }

    public string? CallerRouteSet { get; set; }

    public string? CalleeRouteSet { get; set; }

    public string? CallerContact { get; set; }

    public string? CalleeContact { get; set; }

    /// <summary><c>caller_sock</c>, e.g. <c>udp:127.0.0.1:5060</c>; empty when unknown (the column is NOT NULL).</summary>
    public string CallerSocket { get; set; } = string.Empty;

    public string CalleeSocket { get; set; } = string.Empty;

    /// <summary>1..5 (<c>DialogState</c>).</summary>
    public int State { get; set; }

    /// <summary>Unix seconds of confirmation.</summary>
    public long StartTime { get; set; }

    /// <summary>Absolute unix seconds of expiry.</summary>
    public long Timeout { get; set; }

    /// <summary><c>vars</c> (BLOB/BYTEA): <c>name#T#value|…</c>, escaped; null when not flushed.</summary>
    public byte[]? Vars { get; set; }

    /// <summary><c>profiles</c>: <c>name[/s|/b]#1#value|…</c>, escaped; null when not flushed.</summary>
    public string? Profiles { get; set; }

    /// <summary><c>script_flags</c>: the set dialog flag names, space-separated; null when not flushed.</summary>
    public string? ScriptFlags { get; set; }

    public uint ModuleFlags { get; set; }

    /// <summary><c>flags</c>: the internal flag bits of §6.1.</summary>
    public uint Flags { get; set; }

    public string? RouteOnAnswer { get; set; }

    public string? RouteOnTimeout { get; set; }

    public string? RouteOnHangup { get; set; }
}

/// <summary>
/// The dialog table's name and column names: <c>table_name</c> and the <c>*_column</c> module parameters, plus the
/// columns OpenSIPS does not let one rename. Keys of <see cref="Columns"/> are the parameter names
/// (<c>call_id_column</c>, …) and, for the fixed ones, the column names themselves.
/// </summary>
public sealed class DialogTableSchema
{
    /// <summary>The schema version this build reads and writes (OpenSIPS 3.x's <c>dialog</c> table).</summary>
    public const int Version = 12;

    public DialogTableSchema(string tableName, IReadOnlyDictionary<string, string> renamed)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        ArgumentNullException.ThrowIfNull(renamed);
        TableName = tableName;
        string Name(string parameter, string fallback) => renamed.TryGetValue(parameter, out var name) ? name : fallback;
        DialogId = Name("dlg_id_column", "dlg_id");
        CallId = Name("call_id_column", "callid");
        FromUri = Name("from_uri_column", "from_uri");
        FromTag = Name("from_tag_column", "from_tag");
        ToUri = Name("to_uri_column", "to_uri");
        ToTag = Name("to_tag_column", "to_tag");
        CallerCSeq = Name("from_cseq_column", "caller_cseq");
        CalleeCSeq = Name("to_cseq_column", "callee_cseq");
        CallerRouteSet = Name("from_route_column", "caller_route_set");
        CalleeRouteSet = Name("to_route_column", "callee_route_set");
        CallerContact = Name("from_contact_column", "caller_contact");
        CalleeContact = Name("to_contact_column", "callee_contact");
        CallerSocket = Name("from_sock_column", "caller_sock");
        CalleeSocket = Name("to_sock_column", "callee_sock");
        State = Name("state_column", "state");
        StartTime = Name("start_time_column", "start_time");
        Timeout = Name("timeout_column", "timeout");
        Profiles = Name("profiles_column", "profiles");
        Vars = Name("vars_column", "vars");
        ScriptFlags = Name("sflags_column", "script_flags");
        ModuleFlags = Name("mflags_column", "module_flags");
        Flags = Name("flags_column", "flags");
    }

    /// <summary>The default names (<c>dialog</c> and OpenSIPS's column names).</summary>
    public static DialogTableSchema Default { get; } = new("dialog", new Dictionary<string, string>());

    public string TableName { get; }

    public string DialogId { get; }

    public string CallId { get; }

    public string FromUri { get; }

    public string FromTag { get; }

    public string ToUri { get; }

    public string ToTag { get; }

    public string MangledFromUri => "mangled_from_uri";

    public string MangledToUri => "mangled_to_uri";

    public string CallerCSeq { get; }

    public string CalleeCSeq { get; }

    public string CallerPingCSeq => "caller_ping_cseq";

    public string CalleePingCSeq => "callee_ping_cseq";

    public string CallerRouteSet { get; }

    public string CalleeRouteSet { get; }

    public string CallerContact { get; }

    public string CalleeContact { get; }

    public string CallerSocket { get; }

    public string CalleeSocket { get; }

    public string State { get; }

    public string StartTime { get; }

    public string Timeout { get; }

    public string Vars { get; }

    public string Profiles { get; }

    public string ScriptFlags { get; }

    public string ModuleFlags { get; }

    public string Flags { get; }

    public string RouteOnAnswer => "rt_on_answer";

    public string RouteOnTimeout => "rt_on_timeout";

    public string RouteOnHangup => "rt_on_hangup";
}
