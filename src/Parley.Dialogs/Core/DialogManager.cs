using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Parley.Dialogs.Profiles;
using Parley.Management.Events;
using Parley.Management.Statistics;
using Parley.Modules.Rr;
using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;
using Parley.Transactions.Timers;
using Parley.Transport;

namespace Parley.Dialogs.Core;

/// <summary>
/// The dialog engine behind the <c>dialog</c> module's script functions, variables and MI commands: the table, the state
/// machine with its side effects (opensips-behaviour.md §1), sequential matching (§3), profiles (§4), the lifetime and
/// delete timers (§5) and the BYEs the proxy sends. It observes tm only through <see cref="ITmApi"/> callbacks, as
/// OpenSIPS's dialog does, and works without tm too (no transaction is ever attached then).
/// </summary>
/// <remarks>
/// Locking: every field of a dialog is guarded by its bucket's lock; profile counters by the profile bucket's lock,
/// always taken inside the dialog's, never the other way round. Transitions are computed under the dialog's lock and
/// their side effects (callbacks, script routes, events, statistics, BYEs) run after it is released, in the order of
/// §1.3. A dialog leaves the table once it is deleted and nothing holds it any more: the transactions it is attached to
/// and the BYEs in flight (OpenSIPS's references), plus <c>delete_delay</c>.
/// </remarks>
public sealed partial class DialogManager : IDisposable
{
    /// <summary>The event raised on every state change (manual §1.11.1).</summary>
    public const string StateChangedEvent = "E_DLG_STATE_CHANGED";

    private const TmCallbackType InviteCallbacks = TmCallbackType.RequestBuilt | TmCallbackType.ResponsePreOut
        | TmCallbackType.LocalResponseOut | TmCallbackType.TransactionCancelled | TmCallbackType.TransactionDeleted;

    private readonly ILogger _logger;
    private readonly EventBus? _events;
    private readonly byte[] _rrParam;
    private readonly TmCallback _onInviteEvent;
    private readonly TmCallback _onSequentialEvent;
    private readonly TmCallback _onRequestIn;
    private readonly ConcurrentDictionary<ITmTransaction, Dialog> _byTransaction = new(ReferenceEqualityComparer.Instance);
    private readonly string?[] _socketNames = new string?[64];
    private readonly List<string> _flagNames = [];
    private DialogCallbackRegistration[] _createdCallbacks = [];
    private DialogCallbackRegistration[] _loadedCallbacks = [];
    private ITmApi? _tm;

    internal DialogManager(DialogOptions options, ProfileRegistry profiles, StatisticsRegistry statistics, EventBus? events,
        TimeProvider time, ILogger logger, Random? random = null)
    {
        Options = options;
        Profiles = profiles;
        Time = time;
        _logger = logger;
        _events = events;
        _rrParam = System.Text.Encoding.ASCII.GetBytes(options.RrParam);
        Table = new DialogTable(options.HashSize, random ?? Random.Shared);
        Statistics = new DialogStatistics(statistics);
        Wheel = new TimerWheel(time, TimeSpan.FromMilliseconds(100));
        _onInviteEvent = OnInviteTransactionEvent;
        _onSequentialEvent = OnSequentialTransactionEvent;
        _onRequestIn = OnRequestIn;
        events?.Publish(StateChangedEvent);
    }

    public DialogOptions Options { get; }

    public ProfileRegistry Profiles { get; }

    public TimeProvider Time { get; }

    internal DialogTable Table { get; }

    internal DialogStatistics Statistics { get; }

    /// <summary>The lifetime and delete timers; the module runs it while the server runs, tests advance it.</summary>
    public TimerWheel Wheel { get; }

    /// <summary>rr, when loaded: the DID cookie goes on its Record-Route.</summary>
    internal RrModule? Rr { get; set; }

    /// <summary>Runs <c>dlg_on_answer/timeout/hangup</c> routes; null when there is no script (typed-API use).</summary>
    internal IDialogRouteRunner? Routes { get; set; }

    /// <summary>Dialogs in the table, deleted ones waiting for their references included.</summary>
    public int Count => Table.Count;

    /// <summary>Gives the manager tm (OpenSIPS's <c>load_tm_api</c>): registers the global request-in callback.</summary>
    public void AttachTm(ITmApi tm)
    {
        ArgumentNullException.ThrowIfNull(tm);
        if (_tm is not null)
        {
            return;
        }

        _tm = tm;
        tm.RegisterCallback(TmCallbackType.RequestIn, _onRequestIn);
    }

    /// <summary>
    /// Registers a callback (<c>register_dlgcb</c>): on <paramref name="dialog"/>, or, without one, for every new dialog
    /// (<see cref="DialogCallbackType.Created"/>) or every dialog loaded from the database (<see cref="DialogCallbackType.Loaded"/>).
    /// </summary>
    public void RegisterCallback(Dialog? dialog, DialogCallbackType types, DialogCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var registration = new DialogCallbackRegistration(types, callback);
        if (dialog is null)
        {
            if (types is not (DialogCallbackType.Created or DialogCallbackType.Loaded))
            {
                throw new ArgumentException("Only DialogCallbackType.Created or DialogCallbackType.Loaded can be registered without a dialog, and alone.", nameof(types));
            }

            lock (_flagNames)
            {
                if (types == DialogCallbackType.Created)
                {
                    _createdCallbacks = [.. _createdCallbacks, registration];
                }
                else
                {
                    _loadedCallbacks = [.. _loadedCallbacks, registration];
                }
            }

            return;
        }

        if ((types & (DialogCallbackType.Created | DialogCallbackType.Loaded)) != 0)
        {
            throw new ArgumentException("DialogCallbackType.Created and Loaded are global: register them without a dialog.", nameof(types));
        }

        lock (dialog.Bucket.Gate)
        {
            (dialog.Callbacks ??= []).Add(registration);
        }
    }

    /// <summary>The dialog of the message in <paramref name="context"/>: matched or created here, else the one of its transaction.</summary>
    public Dialog? Current(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(DialogContextState.Slot);
        if (state.Dialog is { } dialog && state.Owner == this)
        {
            return dialog;
        }

        return _tm?.Current(context) is { } tx && _byTransaction.TryGetValue(tx, out var attached) ? attached : null;
    }

    /// <summary>The destination leg recorded for the message (<c>ctx_lastdstleg</c>), -1 when unknown.</summary>
    internal int DestinationLeg(ScriptContext context)
    {
        var state = context.GetState(DialogContextState.Slot);
        return state.Owner == this ? state.DestinationLeg : -1;
    }

    /// <summary>Looks a dialog up by DID (<c>h_entry.h_id</c>), deleted ones included.</summary>
    public Dialog? FindByDid(ReadOnlySpan<char> did) =>
        DialogId.TryParse(did, out var entry, out var id) ? Table.Find(entry, id) : null;

    /// <summary>MI's <c>dialog_id</c>: a DID first, then a Call-ID (opensips-behaviour.md §2).</summary>
    public Dialog? FindByDidOrCallId(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return FindByDid(text) ?? Table.FindByCallId(System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Every dialog in table order.</summary>
    public IReadOnlyList<Dialog> Dialogs() => Table.Snapshot();

    public void Dispose() => Wheel.Dispose();

    // ------------------------------------------------------------------ creation

    /// <summary>
    /// <c>create_dialog([flags])</c> (manual §1.7.1, opensips-behaviour.md §1.3 "Creation"): an initial INVITE (no To
    /// tag, a Call-ID and a From tag) gets a dialog in state 1, linked into the table, with the DID cookie on the
    /// Record-Route and tm's callbacks on its transaction (now, or when t_relay creates it). Returns 1, or -1 when the
    /// request cannot start a dialog. A second call changes only the flags, when <paramref name="flagsGiven"/>.
    /// </summary>
    public int CreateDialog(ScriptContext context, DialogCreateFlags flags, bool flagsGiven)
    {
        ArgumentNullException.ThrowIfNull(context);
        var msg = context.Message;
        if (msg is not { IsRequest: true } || msg.Method != SipMethod.Invite || !msg.TryGetTo(out var to) || (to.HasTag && to.Tag.Length > 0))
        {
            return -1;
        }

        var state = context.GetState(DialogContextState.Slot);
        if (state.Dialog is { } existing && state.Owner == this)
        {
            if (flagsGiven)
            {
                const DialogCreateFlags replaced = DialogCreateFlags.ByeOnTimeout | DialogCreateFlags.PingCaller | DialogCreateFlags.PingCallee
                    | DialogCreateFlags.ReinvitePingCaller | DialogCreateFlags.ReinvitePingCallee;
                lock (existing.Bucket.Gate)
                {
                    existing.Flags = (existing.Flags & ~replaced) | flags;
                }
            }

            return 1;
        }

        var callId = DialogId.Trim(msg[msg.CallId]);
        if (callId.IsEmpty || !msg.TryGetFrom(out var from) || !from.HasTag || from.Tag.Length == 0 || !msg.TryGetCSeq(out var cseq))
        {
            return -1;
        }

        var dialog = new Dialog(this, Table.BucketOf(callId), callId.ToArray(), msg[from.Uri].ToArray(), msg[to.Uri].ToArray())
        {
            Flags = flags,
            LifetimeSeconds = state.Owner == this && state.Timeout > 0 ? state.Timeout : Options.DefaultTimeoutSeconds,
            OptionsPingIntervalSeconds = state.Owner == this ? state.OptionsPingInterval : 0,
            ReinvitePingIntervalSeconds = state.Owner == this ? state.ReinvitePingInterval : 0,
        };
        var caller = new DialogLeg
        {
            Tag = msg[from.Tag].ToArray(),
            InviteCSeq = cseq.Number,
            RequestCSeq = 0,
            Contact = SingleContact(msg),
            RouteSet = JoinRecordRoutes(msg, reverse: false, skip: 0, out var count),
            BindAddress = SocketName(context.Source.Listener),
            Sdp = msg.Body.Length > 0 ? msg[msg.Body].ToArray() : null,
        };
        dialog.CallerRecordRouteCount = count;
        dialog.AddLeg(caller);
        Table.Link(dialog);

        state.Owner = this;
        state.Dialog = dialog;
        state.DestinationLeg = 1;

        // The DID cookie rides on our Record-Route so sequential requests find the dialog without a table walk.
        if (Options.MatchMode != DialogMatchMode.DidNone && Rr is { } rr)
        {
            Span<byte> cookie = stackalloc byte[DialogOptions.MaxRrParamLength + DialogId.MaxLength + 2];
            cookie[0] = (byte)';';
            _rrParam.CopyTo(cookie[1..]);
            var n = 1 + _rrParam.Length;
            cookie[n++] = (byte)'=';
            n += DialogId.Format(dialog.Entry, dialog.Id, cookie[n..]);
            rr.AddRecordRouteParam(context, cookie[..n]);
        }

        if (_tm?.Current(context) is { } tx && tx.IsInvite)
        {
            AttachInvite(dialog, tx);
        }
        else
        {
            state.PendingCreate = dialog;
        }

        RunCallbacks(dialog, _createdCallbacks, DialogCallbackType.Created, msg, DialogDirection.Downstream);
        Statistics.Processed.Increment();
        return 1;
    }

    /// <summary>A dialog created by a message that never got a transaction: tm will never report on it, so it fails (TDEL).</summary>
    internal void OnCreateAbandoned(Dialog dialog) => OnInviteGone(dialog, dropReference: false);

    // ------------------------------------------------------------------ shared side effects

    /// <summary>§1.3 "→FAILED": out of every profile, FAILED callbacks, early −1 when it was early, failed +1.</summary>
    private void FailedActions(Dialog dialog, DialogState old, SipMessage? reply)
    {
        RemoveFromProfiles(dialog);
        RunCallbacks(dialog, DialogCallbackType.Failed, reply, DialogDirection.Upstream);
        if (old == DialogState.Early)
        {
            Statistics.Early.Decrement();
        }

        Statistics.Failed.Increment();
    }

    /// <summary>§1.3 "BYE: 3/4→5" after the end reason is set: profiles, timer, TERMINATED callbacks, active −1.</summary>
    private void TerminatedActions(Dialog dialog, SipMessage? message, DialogDirection direction)
    {
        RemoveFromProfiles(dialog);
        lock (dialog.Bucket.Gate)
        {
            StopLifetimeLocked(dialog);
            StopPingsLocked(dialog);
        }

        RunCallbacks(dialog, DialogCallbackType.Terminated, message, direction);
        Statistics.Active.Decrement();
    }

    /// <summary>Drops one reference (a transaction or a BYE) and frees the dialog when nothing holds it any more.</summary>
    private void Unreference(Dialog dialog)
    {
        bool destroyed;
        lock (dialog.Bucket.Gate)
        {
            if (dialog.References > 0)
            {
                dialog.References--;
            }

            destroyed = ReleaseIfDoneLocked(dialog);
        }

        if (destroyed)
        {
            RunCallbacks(dialog, DialogCallbackType.Destroy, null, DialogDirection.None);
        }
    }

    /// <summary>Checks whether a deleted dialog can go: unlinks it (true) or starts its delete timer. Caller holds the lock.</summary>
    private bool ReleaseIfDoneLocked(Dialog dialog)
    {
        if (dialog.State != DialogState.Deleted || dialog.References > 0 || !dialog.Linked || dialog.DeleteTimer != default)
        {
            return false;
        }

        // delete_delay keeps an ended dialog matchable by DID for late in-dialog requests (manual §1.6.8).
        var delay = dialog.DeleteDelaySeconds >= 0 ? dialog.DeleteDelaySeconds : Options.DeleteDelaySeconds;
        if (delay > 0)
        {
            dialog.DeleteTimer = Wheel.Schedule(TimeSpan.FromSeconds(delay), dialog, Dialog.DeleteTimerTag);
            return false;
        }

        Table.UnlinkLocked(dialog);
        return true;
    }

    private void RaiseStateChanged(Dialog dialog, DialogState old, DialogState now)
    {
        MarkDbTransition(dialog, old, now);
        if (_events is null || !_events.HasListeners(StateChangedEvent))
        {
            return;
        }

        string fromTag;
        string toTag;
        lock (dialog.Bucket.Gate)
        {
            fromTag = Utf8(dialog.Leg(0).Tag);
            toTag = dialog.AnsweredLeg != 0 ? Utf8(dialog.Leg(dialog.AnsweredLeg).Tag) : string.Empty;
        }

        _events.Raise(StateChangedEvent,
        [
            new EventParameter("id", JsonValue.Create(dialog.Did)),
            new EventParameter("db_id", JsonValue.Create(dialog.DbId)),
            new EventParameter("callid", JsonValue.Create(Utf8(dialog.CallId))),
            new EventParameter("from_tag", JsonValue.Create(fromTag)),
            new EventParameter("to_tag", JsonValue.Create(toTag)),
            new EventParameter("old_state", JsonValue.Create((int)old)),
            new EventParameter("new_state", JsonValue.Create((int)now)),
        ]);
    }

    private void RunCallbacks(Dialog dialog, DialogCallbackType type, SipMessage? message, DialogDirection direction)
    {
        if (CallbacksOf(dialog) is { } list)
        {
            RunCallbacks(dialog, list, type, message, direction);
        }
    }

    /// <summary>A copy of the dialog's callbacks (they run outside its lock), or null when it has none.</summary>
    private static List<DialogCallbackRegistration>? CallbacksOf(Dialog dialog)
    {
        lock (dialog.Bucket.Gate)
        {
            return dialog.Callbacks is { Count: > 0 } list ? [.. list] : null;
        }
    }

    /// <summary><c>dlg_list_ctx</c> (and <c>$DLG_ctx_json</c>): the dialog's MI_CONTEXT callbacks add to <paramref name="context"/>.</summary>
    internal void RunMiContextCallbacks(Dialog dialog, JsonObject context)
    {
        if (CallbacksOf(dialog) is { } list)
        {
            RunCallbacks(dialog, list, new DialogCallbackArgs(DialogCallbackType.MiContext, null, DialogDirection.None) { MiContext = context });
        }
    }

    private void RunCallbacks(Dialog dialog, IReadOnlyList<DialogCallbackRegistration> list, DialogCallbackType type, SipMessage? message, DialogDirection direction) =>
        RunCallbacks(dialog, list, new DialogCallbackArgs(type, message, direction));

    private void RunCallbacks(Dialog dialog, IReadOnlyList<DialogCallbackRegistration> list, in DialogCallbackArgs args)
    {
        var type = args.Type;
        for (var i = 0; i < list.Count; i++)
        {
            if ((list[i].Types & type) == 0)
            {
                continue;
            }

            try
            {
                list[i].Callback(dialog, in args);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                DialogLog.CallbackFailed(_logger, type.ToString(), e);
            }
        }
    }

    private void RunRoute(Dialog dialog, RouteHandle? route)
    {
        if (route is null || Routes is not { } runner)
        {
            return;
        }

        try
        {
            runner.Run(dialog, route);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DialogLog.RouteFailed(_logger, route.ToString(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>The socket as OpenSIPS prints it (<c>udp:127.0.0.1:5060</c>), formatted once per listener.</summary>
    internal string? SocketName(SipListener? listener)
    {
        if (listener is null)
        {
            return null;
        }

        if ((uint)listener.Id < (uint)_socketNames.Length)
        {
            return _socketNames[listener.Id] ??= listener.ToString();
        }

        return listener.ToString();
    }

    /// <summary>The URI of the message's single Contact; null when there is none, several, or <c>*</c> (§3.5).</summary>
    internal static byte[]? SingleContact(SipMessage msg)
    {
        var contacts = msg.Contacts;
        if (!contacts.MoveNext() || contacts.Current.IsStar)
        {
            return null;
        }

        var first = contacts.Current;
        return contacts.MoveNext() || contacts.Failed ? null : msg[first.Uri].ToArray();
    }

    /// <summary>
    /// The Record-Route values joined with ',' (null when none): in message order for a request, in reverse for a reply
    /// (§3.5), after skipping <paramref name="skip"/> values.
    /// </summary>
    internal static byte[]? JoinRecordRoutes(SipMessage msg, bool reverse, int skip, out int count)
    {
        count = 0;
        var length = 0;
        var values = msg.RecordRoutes;
        while (values.MoveNext())
        {
            count++;
            length += values.Current.Value.Length + 1;
        }

        if (count <= skip)
        {
            return null;
        }

        var ranges = count <= 16 ? stackalloc ByteRange[count] : new ByteRange[count];
        values = msg.RecordRoutes;
        var i = 0;
        while (values.MoveNext())
        {
            ranges[i++] = values.Current.Value;
        }

        var result = new byte[length - 1];
        var n = 0;
        var kept = 0;
        for (var k = 0; k < count; k++)
        {
            if (k < skip)
            {
                continue;
            }

            var range = ranges[reverse ? count - 1 - k : k];
            if (kept++ > 0)
            {
                result[n++] = (byte)',';
            }

            msg[range].CopyTo(result.AsSpan(n));
            n += range.Length;
        }

        return n == result.Length ? result : result.AsSpan(0, n).ToArray();
    }

    internal static string Utf8(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : System.Text.Encoding.UTF8.GetString(bytes);

    internal long NowUnix => Time.GetUtcNow().ToUnixTimeSeconds();
}
