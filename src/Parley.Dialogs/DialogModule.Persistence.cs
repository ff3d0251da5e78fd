using Parley.Dialogs.Persistence;
using Parley.Management.Mi;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Dialogs;

/// <summary>
/// Dialog persistence in the module's life (manual §1.6.9–1.6.40, §1.9.8, §1.9.10): the store is opened at
/// <see cref="Initialize"/> (no connection yet), the schema checked and the dialogs loaded at <see cref="Start"/> before
/// any SIP message is read, the writer stopped and the final flush run at <see cref="StopAsync"/>.
/// </summary>
public sealed partial class DialogModule
{
    /// <summary>How long start-up waits for the database before refusing to start.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(30);

    private DialogPersistence? _persistence;

    /// <summary>The persistence engine (null with db_mode 0).</summary>
    public DialogPersistence? Persistence => _persistence;

    private void InitializePersistence(Core.DialogManager manager, Parley.Management.Statistics.StatisticsRegistry statistics)
    {
        if (_options.DbMode == 0 || _stores is null)
        {
            return;
        }

        var schema = new DialogTableSchema(_options.TableName, _options.Columns);
        _persistence = new DialogPersistence(manager, _stores.Open(_options.DbUrl, schema), statistics,
            _management.Loggers.CreateLogger("Parley.Dialog.Db"));

        // db_mode 3 writes nothing while running: the SIP path need not even mark.
        if (_options.DbMode is 1 or 2)
        {
            manager.Persistence = _persistence;
        }
    }

    /// <summary>The start-up load; a database that cannot be read, or a wrong schema, stops the start with the reason.</summary>
    private void StartPersistence()
    {
        if (_persistence is not { } persistence)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(LoadTimeout);
        try
        {
            persistence.LoadAsync(FindRoute, timeout.Token).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"dialog: cannot load dialogs from {persistence.Store.Description}: {e.Message}", e);
        }

        persistence.Start();
    }

    private RouteHandle? FindRoute(string name) => _registry?.Script?.FindRoute(RouteType.Request, name);

    private static void RegisterPersistenceCommands(MiCommandRegistry registry, DialogModule module)
    {
        registry.Register(new MiCommand("dlg_db_sync", "reloads the dialogs from the database (newer in-memory state wins)", [new MiRecipe()],
            async (_, ct) =>
            {
                if (module._persistence is not { } persistence)
                {
                    return MiResult.Error(400, "Cannot sync in no-db mode");
                }

                try
                {
                    await persistence.SyncFromDatabaseAsync(module.FindRoute, ct).ConfigureAwait(false);
                    return MiResult.Ok();
                }
                catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
                {
                    persistence.Errors.Increment();
                    return MiResult.Error(500, "Failed to sync dialogs from DB: " + e.Message);
                }
            }, "dialog"));
        registry.Register(new MiCommand("dlg_restore_db", "empties the dialog table and writes every confirmed dialog from memory", [new MiRecipe()],
            async (_, ct) =>
            {
                if (module._persistence is not { } persistence)
                {
                    return MiResult.Error(400, "Cannot restore in no-db mode");
                }

                try
                {
                    await persistence.RestoreDatabaseAsync(ct).ConfigureAwait(false);
                    return MiResult.Ok();
                }
                catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
                {
                    persistence.Errors.Increment();
                    return MiResult.Error(500, "Failed to restore the dialog table: " + e.Message);
                }
            }, "dialog"));
    }
}
