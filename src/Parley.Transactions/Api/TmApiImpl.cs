using System.Text;
using Parley.Scripting.Runtime;
using Parley.Transactions.Proxy;

namespace Parley.Transactions.Api;

/// <summary>
/// <see cref="ITmApi"/> over the tm module's core. Global callbacks registered before tm is initialized (a module
/// binding tm while the script is still being compiled) are kept and handed to the core once it exists.
/// </summary>
internal sealed class TmApiImpl(Func<TmCore?> core) : ITmApi
{
    private readonly Lock _gate = new();
    private List<(TmCallbackType Types, TmCallback Callback, object? Parameter)>? _pending = [];

    private TmCore Core => core() ?? throw new InvalidOperationException("tm is not initialized");

    public void RegisterCallback(TmCallbackType types, TmCallback callback, object? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            if (_pending is not null && core() is null)
            {
                if (types == TmCallbackType.None || (types & ~(TmCallbackType.RequestIn | TmCallbackType.LocalTransactionNew)) != 0)
                {
                    throw new ArgumentException("only RequestIn and LocalTransactionNew can be registered globally", nameof(types));
                }

                _pending.Add((types, callback, parameter));
                return;
            }
        }

        Core.RegisterGlobalCallback(types, callback, parameter);
    }

    /// <summary>Hands the callbacks registered before initialization to the new core.</summary>
    public void Attach(TmCore created)
    {
        lock (_gate)
        {
            foreach (var (types, callback, parameter) in _pending ?? [])
            {
                created.RegisterGlobalCallback(types, callback, parameter);
            }

            _pending = null;
        }
    }

    public ITmTransaction? Current(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetState(TmCore.StateSlot).Transaction;
    }

    public ITmTransaction? FindInvite(string callId, uint cseq) => Core.FindInvite(callId, cseq);

    public ITmTransaction? Find(int hashEntry, uint label) => Core.Find(hashEntry, label);

    public bool Reply(ITmTransaction transaction, int code, string reason, string? toTag = null, string? headers = null, byte[]? body = null) =>
        transaction is TmTransaction tx && Core.ReplyOn(tx, code, reason, toTag, headers, body);

    public bool Cancel(ITmTransaction transaction, string? reasonHeaderValue = null) =>
        transaction is TmTransaction tx && Core.CancelTransaction(tx, reasonHeaderValue is null ? null : Encoding.UTF8.GetBytes(reasonHeaderValue));

    public async Task<UacReply> SendRequestAsync(UacRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Core.SendRequestAsync(request, ackSuccess: request.AckSuccess, cancellationToken).ConfigureAwait(false);
        }
        catch (UacSendException e)
        {
            return new UacReply(e.Code, e.Reason, null, null, [], null);
        }
    }
}
