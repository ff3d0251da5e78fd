using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests.TestSupport;

/// <summary>
/// tm as the dialog module sees it (<see cref="ITmApi"/>), driven by the test: transactions are created on demand and
/// fire the callbacks tm would, UAC requests are recorded and answered when the test says so.
/// </summary>
internal sealed class FakeTm : ITmApi
{
    private readonly List<(TmCallbackType Types, TmCallback Callback, object? Parameter)> _global = [];
    private readonly Dictionary<ScriptContext, (FakeTransaction Tx, long Generation)> _current = new(ReferenceEqualityComparer.Instance);
    private readonly List<FakeTransaction> _all = [];
    private uint _label;

    public List<UacRequest> Sent { get; } = [];

    public List<TaskCompletionSource<UacReply>> Pending { get; } = [];

    public List<FakeTransaction> Cancelled { get; } = [];

    /// <summary>When set, <see cref="SendRequestAsync"/> throws (a send that cannot even start).</summary>
    public bool FailSends { get; set; }

    public int GlobalCallbackCount => _global.Count;

    public void RegisterCallback(TmCallbackType types, TmCallback callback, object? parameter = null) => _global.Add((types, callback, parameter));

    /// <summary>t_gett: the transaction of the message the context is processing now (a new message has none until t_newtran).</summary>
    public ITmTransaction? Current(ScriptContext context) =>
        _current.TryGetValue(context, out var entry) && entry.Generation == context.Generation && !entry.Tx.Deleted ? entry.Tx : null;

    public ITmTransaction? FindInvite(string callId, uint cseq) => null;

    public ITmTransaction? Find(int hashEntry, uint label)
    {
        foreach (var tx in _all)
        {
            if (tx.HashEntry == hashEntry && tx.Label == label && !tx.Deleted)
            {
                return tx;
            }
        }

        return null;
    }

    public bool Reply(ITmTransaction transaction, int code, string reason, string? toTag = null, string? headers = null, byte[]? body = null) => false;

    public bool Cancel(ITmTransaction transaction, string? reasonHeaderValue = null)
    {
        Cancelled.Add((FakeTransaction)transaction);
        return true;
    }

    public Task<UacReply> SendRequestAsync(UacRequest request, CancellationToken cancellationToken = default)
    {
        if (FailSends)
        {
            throw new InvalidOperationException("no route to the destination");
        }

        Sent.Add(request);
        var pending = new TaskCompletionSource<UacReply>(TaskCreationOptions.None);
        Pending.Add(pending);
        return pending.Task;
    }

    /// <summary>What t_newtran/t_relay do: a server transaction for the context's request, announced to the global callbacks.</summary>
    public FakeTransaction NewTransaction(ScriptContext context)
    {
        var request = context.Msg;
        var tx = new FakeTransaction(request.Method, 100 + _all.Count, ++_label, request.Detach());
        _all.Add(tx);
        _current[context] = (tx, context.Generation);
        foreach (var (types, callback, parameter) in _global)
        {
            if ((types & TmCallbackType.RequestIn) != 0)
            {
                callback(tx, new TmCallbackArgs(TmCallbackType.RequestIn, request, null, 0, -1, context, parameter));
            }
        }

        return tx;
    }

    /// <summary>Forgets which transaction a context has (a new message begins).</summary>
    public void Forget(ScriptContext context) => _current.Remove(context);
}

internal sealed class FakeTransaction(SipMethod method, int hashEntry, uint label, SipMessage request) : ITmTransaction
{
    private readonly List<(TmCallbackType Types, TmCallback Callback, object? Parameter)> _callbacks = [];

    public string Id => $"{HashEntry}.{Label}";

    public int HashEntry { get; } = hashEntry;

    public uint Label { get; } = label;

    public SipMethod Method { get; } = method;

    public bool IsInvite => Method == SipMethod.Invite;

    public bool IsLocal => false;

    public SipMessage Request { get; } = request;

    public MessageSource Source => default;

    public int LastStatus { get; private set; }

    public string LocalToTag => string.Empty;

    public int BranchCount { get; private set; }

    public bool Cancelled { get; private set; }

    public bool Deleted { get; private set; }

    /// <summary>Makes <see cref="RegisterCallback"/> refuse, as for a transaction being deleted.</summary>
    public bool RefuseCallbacks { get; set; }

    public int CallbackCount => _callbacks.Count;

    public string BranchUri(int index) => "sip:callee@127.0.0.1:5070";

    public string BranchDestination(int index) => "udp:127.0.0.1:5070";

    public bool RegisterCallback(TmCallbackType types, TmCallback callback, object? parameter = null)
    {
        if (RefuseCallbacks || Deleted)
        {
            return false;
        }

        _callbacks.Add((types, callback, parameter));
        return true;
    }

    /// <summary>Fires every callback registered for <paramref name="type"/>.</summary>
    public void Fire(TmCallbackType type, SipMessage? request = null, SipMessage? reply = null, int code = 0, int branch = -1, ScriptContext? context = null)
    {
        if (type is TmCallbackType.ResponsePreOut or TmCallbackType.LocalResponseOut && code >= 100)
        {
            LastStatus = code;
        }

        if (type == TmCallbackType.RequestBuilt)
        {
            BranchCount = Math.Max(BranchCount, branch + 1);
        }

        if (type == TmCallbackType.TransactionCancelled)
        {
            Cancelled = true;
        }

        foreach (var (types, callback, parameter) in _callbacks.ToArray())
        {
            if ((types & type) != 0)
            {
                callback(this, new TmCallbackArgs(type, request ?? Request, reply, code, branch, context, parameter));
            }
        }

        if (type == TmCallbackType.TransactionDeleted)
        {
            Deleted = true;
        }
    }
}
