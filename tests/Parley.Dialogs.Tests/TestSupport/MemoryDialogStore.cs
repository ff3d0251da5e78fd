using Parley.Dialogs.Persistence;

namespace Parley.Dialogs.Tests.TestSupport;

/// <summary>
/// An in-memory <see cref="IDialogStore"/> for unit tests of the persistence engine: rows by dlg_id, every batch
/// recorded, and a switch that makes writes fail like a dead database. Applies writes as the contract says (the real
/// drivers are tested against real SQLite and PostgreSQL in Parley.Persistence.Tests).
/// </summary>
internal sealed class MemoryDialogStore : IDialogStore
{
    public Dictionary<ulong, DialogRow> Rows { get; } = [];

    public List<IReadOnlyList<DialogWrite>> Batches { get; } = [];

    public int? Version { get; set; } = DialogTableSchema.Version;

    public bool Failing { get; set; }

    public bool Embedded { get; set; } = true;

    public int DeleteAllCalls { get; private set; }

    public string Description => "memory://test";

    public bool IsEmbedded => Embedded;

    public Task<int?> GetTableVersionAsync(CancellationToken cancellationToken) => Task.FromResult(Version);

    public Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        Version ??= DialogTableSchema.Version;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DialogRow>> LoadAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        return Task.FromResult<IReadOnlyList<DialogRow>>([.. Rows.Values]);
    }

    public Task WriteAsync(IReadOnlyList<DialogWrite> writes, int deleteBatchSize, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Batches.Add([.. writes]);
        foreach (var w in writes)
        {
            switch (w.Kind)
            {
                case DialogWriteKind.Insert:
                    Rows[w.DialogId] = Copy(w.Row!);
                    break;
                case DialogWriteKind.Update when Rows.TryGetValue(w.DialogId, out var row):
                    var r = w.Row!;
                    row.State = r.State;
                    row.Timeout = r.Timeout;
                    row.CallerCSeq = r.CallerCSeq;
                    row.CalleeCSeq = r.CalleeCSeq;
                    row.CallerPingCSeq = r.CallerPingCSeq;
                    row.CalleePingCSeq = r.CalleePingCSeq;
                    row.Flags = r.Flags;
                    row.Vars = r.Vars;
                    row.Profiles = r.Profiles;
                    row.ScriptFlags = r.ScriptFlags;
                    row.ModuleFlags = r.ModuleFlags;
                    row.CallerContact = r.CallerContact;
                    row.CalleeContact = r.CalleeContact;
                    break;
                case DialogWriteKind.UpdateValues when Rows.TryGetValue(w.DialogId, out var row):
                    row.Vars = w.Row!.Vars;
                    row.Profiles = w.Row.Profiles;
                    row.ScriptFlags = w.Row.ScriptFlags;
                    row.ModuleFlags = w.Row.ModuleFlags;
                    break;
                case DialogWriteKind.UpdateTimeout when Rows.TryGetValue(w.DialogId, out var row):
                    row.Timeout = w.Row!.Timeout;
                    break;
                case DialogWriteKind.Delete:
                    Rows.Remove(w.DialogId);
                    break;
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteAllAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        DeleteAllCalls++;
        Rows.Clear();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static DialogRow Copy(DialogRow r) => new()
    {
        DialogId = r.DialogId, CallId = r.CallId, FromUri = r.FromUri, FromTag = r.FromTag, ToUri = r.ToUri, ToTag = r.ToTag,
        MangledFromUri = r.MangledFromUri, MangledToUri = r.MangledToUri, CallerCSeq = r.CallerCSeq, CalleeCSeq = r.CalleeCSeq,
        CallerPingCSeq = r.CallerPingCSeq, CalleePingCSeq = r.CalleePingCSeq, CallerRouteSet = r.CallerRouteSet, CalleeRouteSet = r.CalleeRouteSet,
        CallerContact = r.CallerContact, CalleeContact = r.CalleeContact, CallerSocket = r.CallerSocket, CalleeSocket = r.CalleeSocket,
        State = r.State, StartTime = r.StartTime, Timeout = r.Timeout, Vars = r.Vars, Profiles = r.Profiles, ScriptFlags = r.ScriptFlags,
        ModuleFlags = r.ModuleFlags, Flags = r.Flags, RouteOnAnswer = r.RouteOnAnswer, RouteOnTimeout = r.RouteOnTimeout, RouteOnHangup = r.RouteOnHangup,
    };

    private void ThrowIfFailing()
    {
        if (Failing)
        {
            throw new InvalidOperationException("database down (test)");
        }
    }
}

/// <summary>Opens a <see cref="MemoryDialogStore"/> for any URL but <c>mysql://</c> (refused as the real factory does).</summary>
internal sealed class MemoryDialogStoreFactory : IDialogStoreFactory
{
    public MemoryDialogStore Store { get; } = new();

    public string? Check(string url) => url.StartsWith("mysql:", StringComparison.Ordinal) ? "mysql is not supported (test)" : null;

    public IDialogStore Open(string url, DialogTableSchema schema) => Store;
}
