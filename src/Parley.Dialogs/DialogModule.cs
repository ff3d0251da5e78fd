using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Parley.Dialogs.Core;
using Parley.Dialogs.Management;
using Parley.Dialogs.Persistence;
using Parley.Dialogs.Profiles;
using Parley.Management;
using Parley.Modules.Rr;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Api;

namespace Parley.Dialogs;

/// <summary>
/// OpenSIPS's <c>dialog</c> module (dialog manual). This slice: the dialog table and state machine driven by tm's
/// callbacks, DID and SIP-wise matching through <c>loose_route</c>/<c>match_dialog</c>, <c>create_dialog</c> flags with
/// lifetime expiry and BYEs on timeout, profiles, flags, values, the per-dialog routes, the <c>$DLG_*</c> and
/// <c>$dlg_val</c> variables, the <c>dialog:</c> statistics, <c>E_DLG_STATE_CHANGED</c> and the MI commands of
/// <see cref="DialogMiCommands"/>, and persistence (db_mode 1–3, <c>dlg_db_sync</c>, <c>dlg_restore_db</c>) through
/// <see cref="DialogPersistence"/>. Every parameter of the manual is accepted and validated.
/// </summary>
public sealed partial class DialogModule : ScriptModule, IHostedModule, IDisposable
{
    private readonly ManagementServices _management;
    private readonly DialogOptions _options = new();
    private readonly ProfileRegistry _profiles = new();
    private readonly IDialogStoreFactory? _stores;
    private DialogManager? _manager;
    private ITmApiProvider? _tmProvider;
    private ScriptRegistry? _registry;
    private CancellationTokenSource? _running;
    private Task _wheelTask = Task.CompletedTask;
    private Parley.Management.Statistics.StatisticsRegistry? _privateStatistics;

    /// <param name="management">The management plane the module registers its MI commands, statistics and events into.</param>
    /// <param name="stores">Opens the <c>db_url</c> for db_mode 1–3; null in builds without persistence (db_mode 0 only).</param>
    public DialogModule(ManagementServices management, IDialogStoreFactory? stores = null)
    {
        ArgumentNullException.ThrowIfNull(management);
        _management = management;
        _stores = stores;
    }

    public override string Name => "dialog";

    public override IReadOnlyList<string> Dependencies => ["tm"];

    public override IReadOnlyList<ModuleParameter> Parameters => _options.Parameters;

    public DialogOptions Options => _options;

    /// <summary>The engine: the typed C# API behind every script function and MI command.</summary>
    public DialogManager Manager => _manager ?? throw new InvalidOperationException("dialog is not initialized");

    public override string? Initialize(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (_options.Validate() is { } problem)
        {
            return problem;
        }

        if (_options.DbMode != 0)
        {
            if (_stores is null)
            {
                return $"db_mode {_options.DbMode} needs a database driver, and this build has none";
            }

            if (_stores.Check(_options.DbUrl) is { } badUrl)
            {
                return "db_url: " + badUrl;
            }
        }

        // OpenSIPS's mod_init order: profiles without value first, then with value.
        if (_profiles.Define(_options.ProfilesNoValue, hasValue: false, _options.LogProfileHashSize) is { } noValue)
        {
            return "profiles_no_value: " + noValue;
        }

        if (_profiles.Define(_options.ProfilesWithValue, hasValue: true, _options.LogProfileHashSize) is { } withValue)
        {
            return "profiles_with_value: " + withValue;
        }

        foreach (var profile in _profiles.Profiles)
        {
            if (profile.Shared && string.IsNullOrEmpty(_options.CachedbUrl))
            {
                return $"profile '{profile.FullName}' is shared through CacheDB and needs modparam(\"dialog\", \"cachedb_url\", …)";
            }
        }

        _registry = registry;
        foreach (var module in registry.Modules)
        {
            if (module is ITmApiProvider provider)
            {
                _tmProvider = provider;
            }
        }

        // enable_stats 0: the counters still run ($DLG_count reads them) but are not published to MI or /metrics.
        var statistics = _options.EnableStats ? _management.Statistics : (_privateStatistics = new Parley.Management.Statistics.StatisticsRegistry());
        var manager = new DialogManager(_options, _profiles, statistics, _management.Events, _management.Time,
            _management.Loggers.CreateLogger("Parley.Dialog"));
        if (registry.GetModule<RrModule>() is { } rr)
        {
            manager.Rr = rr;
            rr.RegisterLooseRouteCallback(manager.OnLooseRoute);
        }

        _manager = manager;
        InitializePersistence(manager, statistics);
        DialogMiCommands.Register(_management.Commands, manager);
        RegisterPersistenceCommands(_management.Commands, this);
        return null;
    }

    public void Start(ProxyHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        AttachHost(host);
        StartPersistence();
        _running = new CancellationTokenSource();
        _wheelTask = Manager.Wheel.RunAsync(_running.Token);
    }

    /// <summary>What <see cref="Start"/> does besides running the timers: tm's callbacks and the route runner.</summary>
    internal void AttachHost(ProxyHost host)
    {
        var manager = Manager;
        if (_tmProvider is not null)
        {
            manager.AttachTm(_tmProvider.TmApi);
        }

        manager.Routes = new RouteRunner(host, _registry!, _management.Time, manager);
    }

    public async ValueTask StopAsync()
    {
        if (_running is { } running)
        {
            await running.CancelAsync().ConfigureAwait(false);
            await _wheelTask.ConfigureAwait(false);
            running.Dispose();
            _running = null;
        }

        if (_persistence is { } persistence)
        {
            await persistence.ShutdownAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _running?.Dispose();
        _persistence?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _manager?.Dispose();
        _privateStatistics?.Dispose();
    }

    /// <summary>
    /// Runs <c>dlg_on_answer/timeout/hangup</c> routes on contexts of its own (never a worker's, which may be in the middle
    /// of a message), as a request route whose message is a placeholder, with the dialog as the context's dialog — as
    /// OpenSIPS runs them on a dummy message.
    /// </summary>
    private sealed class RouteRunner(ProxyHost host, ScriptRegistry registry, TimeProvider time, DialogManager manager) : IDialogRouteRunner
    {
        private static readonly byte[] Placeholder = System.Text.Encoding.ASCII.GetBytes(
            "OPTIONS sip:dialog@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdialogroute\r\n" +
            "From: <sip:dialog@127.0.0.1>;tag=dialog\r\nTo: <sip:dialog@127.0.0.1>\r\nCall-ID: dialog-route\r\n" +
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");

        private readonly ConcurrentBag<(ScriptContext Context, SipMessage Message, SipMessageEditor Editor)> _pool = [];

        public void Run(Dialog dialog, RouteHandle route)
        {
            if (!_pool.TryTake(out var slot))
            {
                var message = new SipMessage();
                SipParser.Parse(Placeholder, 0, Placeholder.Length, message, datagram: true);
                slot = (ScriptContext.Create(host, registry, time), message, new SipMessageEditor());
            }

            try
            {
                slot.Editor.Reset(slot.Message);
                slot.Context.Begin(slot.Message, slot.Editor, default, RouteType.Request);
                var state = slot.Context.GetState(DialogContextState.Slot);
                state.Owner = manager;
                state.Dialog = dialog;
                route.Run(slot.Context, RouteType.Request);
                state.Dialog = null;
            }
            finally
            {
                _pool.Add(slot);
            }
        }
    }
}
