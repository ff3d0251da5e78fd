using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Api;
using Parley.Transactions.Matching;

namespace Parley.Transactions.Proxy;

/// <summary>
/// Transaction callbacks (OpenSIPS's <c>TMCB_*</c>, t_hooks.c): global ones for new transactions, per-transaction ones
/// for everything else, fired from the points of <see cref="TmCore"/> named by <see cref="TmCallbackType"/>. Each runs
/// under the transaction's lock; one that throws is logged and the transaction goes on. A transaction without
/// callbacks pays one mask test per point (no parsing, no allocation); the E2E ACK lookup runs only once some
/// transaction asked for it.
/// </summary>
internal sealed partial class TmCore
{
    private const TmCallbackType GlobalTypes = TmCallbackType.RequestIn | TmCallbackType.LocalTransactionNew;

    private readonly Lock _globalGate = new();
    private (TmCallbackType Types, TmCallback Callback, object? Parameter)[] _global = [];
    private TmCallbackType _globalMask;
    private int _e2eAckWatchers;

    /// <summary>Registers a callback for every new transaction (<see cref="TmCallbackType.RequestIn"/>, <see cref="TmCallbackType.LocalTransactionNew"/>).</summary>
    public void RegisterGlobalCallback(TmCallbackType types, TmCallback callback, object? parameter)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (types == TmCallbackType.None || (types & ~GlobalTypes) != 0)
        {
            throw new ArgumentException("only RequestIn and LocalTransactionNew can be registered globally; register the others on the transaction", nameof(types));
        }

        lock (_globalGate)
        {
            var next = new (TmCallbackType, TmCallback, object?)[_global.Length + 1];
            _global.CopyTo(next, 0);
            next[^1] = (types, callback, parameter);
            Volatile.Write(ref _global, next);
            _globalMask |= types;
        }
    }

    /// <summary>Some transaction wants E2E ACKs: from now on an ACK relayed statelessly is looked up.</summary>
    public void WatchE2EAcks() => Interlocked.Increment(ref _e2eAckWatchers);

    // ------------------------------------------------------------------ hooks called from TmCore.cs

    /// <summary>A new server transaction: the global RequestIn callbacks (t_newtran).</summary>
    private void OnRequestIn(ScriptContext context, TmTransaction tx)
    {
        if ((_globalMask & TmCallbackType.RequestIn) != 0)
        {
            lock (tx.Gate)
            {
                RunGlobal(tx, TmCallbackType.RequestIn, context.Msg, context);
            }
        }
    }

    /// <summary>A branch's request was built (before it is sent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnBranchBuilt(ScriptContext? context, TmBranch branch)
    {
        if ((branch.Transaction.CallbackMask & TmCallbackType.RequestBuilt) != 0)
        {
            Run(branch.Transaction, TmCallbackType.RequestBuilt, ParseCopy(branch.RequestBytes), null, 0, branch.Index, context);
        }
    }

    /// <summary>A branch's request went out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnBranchSent(ScriptContext? context, TmBranch branch)
    {
        if ((branch.Transaction.CallbackMask & TmCallbackType.RequestOut) != 0)
        {
            Run(branch.Transaction, TmCallbackType.RequestOut, ParseCopy(branch.RequestBytes), null, 0, branch.Index, context);
        }
    }

    /// <summary>A reply arrived on a branch (before any onreply_route).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnResponseIn(ScriptContext context, TmBranch branch)
    {
        if ((branch.Transaction.CallbackMask & TmCallbackType.ResponseIn) != 0)
        {
            var reply = context.Msg;
            Run(branch.Transaction, TmCallbackType.ResponseIn, branch.Transaction.Parse(), reply, reply.StatusCode, branch.Index, context);
        }
    }

    /// <summary>The reply being handled on a worker is about to be relayed (still editable through the editor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnRelayPreOut(TmTransaction tx, int status)
    {
        if ((tx.CallbackMask & TmCallbackType.ResponsePreOut) != 0 && tx.CurrentReply is { } current)
        {
            var branch = current.Context.GetState(StateSlot).BranchIndex;
            Run(tx, TmCallbackType.ResponsePreOut, tx.Parse(), current.Context.Msg, status, branch, current.Context);
        }
    }

    /// <summary>The reply being handled on a worker was relayed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnRelayOut(TmTransaction tx, int status)
    {
        if ((tx.CallbackMask & TmCallbackType.ResponseOut) != 0 && tx.CurrentReply is { } current)
        {
            var branch = current.Context.GetState(StateSlot).BranchIndex;
            Run(tx, TmCallbackType.ResponseOut, tx.Parse(), current.Context.Msg, status, branch, current.Context);
        }
    }

    /// <summary>A stored reply (the best final one, picked when all branches ended) is about to go / went upstream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnStoredReplyOut(TmTransaction tx, TmBranch best, byte[] bytes, TmCallbackType type)
    {
        if ((tx.CallbackMask & type) != 0)
        {
            Run(tx, type, tx.Parse(), ParseCopy(bytes), best.Status, best.Index, null);
        }
    }

    /// <summary>The transaction failed (all branches negative): before failure_route and the negative reply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnFailure(TmTransaction tx, TmBranch best)
    {
        if ((tx.CallbackMask & TmCallbackType.OnFailure) != 0)
        {
            Run(tx, TmCallbackType.OnFailure, tx.Parse(), best.FinalReply is { } bytes ? ParseCopy(bytes) : null, best.Status, best.Index, null);
        }
    }

    /// <summary>A locally generated reply went upstream: LocalResponseOut, ResponseOut, then the read-only local_reply_route.</summary>
    private void OnLocalReplyOut(TmTransaction tx, int code, byte[] bytes)
    {
        if ((tx.CallbackMask & (TmCallbackType.LocalResponseOut | TmCallbackType.ResponseOut)) != 0)
        {
            var reply = ParseCopy(bytes);
            if ((tx.CallbackMask & TmCallbackType.LocalResponseOut) != 0)
            {
                Run(tx, TmCallbackType.LocalResponseOut, tx.Parse(), reply, code, -1, null);
            }

            if ((tx.CallbackMask & TmCallbackType.ResponseOut) != 0)
            {
                Run(tx, TmCallbackType.ResponseOut, tx.Parse(), reply, code, -1, null);
            }
        }

        if (_options.LocalReplyRoute is not null)
        {
            RunReadOnly(_options.LocalReplyRoute, bytes, tx.Source);
        }
    }

    /// <summary>The caller's CANCEL (or tm's API/MI) cancelled the transaction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnCancelled(TmTransaction tx, ScriptContext? context)
    {
        if ((tx.CallbackMask & TmCallbackType.TransactionCancelled) != 0)
        {
            Run(tx, TmCallbackType.TransactionCancelled, tx.Parse(), null, 0, -1, context);
        }
    }

    /// <summary>The transaction is leaving memory: its last callback.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnDeleted(TmTransaction tx)
    {
        if ((tx.CallbackMask & TmCallbackType.TransactionDeleted) != 0)
        {
            Run(tx, TmCallbackType.TransactionDeleted, tx.Parse(), null, tx.LastStatus, -1, null);
        }
    }

    /// <summary>
    /// An ACK without a transaction of its own passes statelessly (<paramref name="result"/> != 0): when it acknowledges a
    /// proxied 2xx of a known INVITE (same Call-ID, CSeq number, From tag), that INVITE's E2EAckIn callbacks run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnE2EAck(ScriptContext context, int result)
    {
        if (result != 0 && Volatile.Read(ref _e2eAckWatchers) > 0)
        {
            FindE2EAckTarget(context);
        }
    }

    private void FindE2EAckTarget(ScriptContext context)
    {
        var ack = context.Msg;
        if (!ack.TryGetCSeq(out var cseq) || !ack.TryGetFrom(out var from))
        {
            return;
        }

        var callId = ack[ack.CallId].ToArray();
        var fromTag = from.HasTag ? ack[from.Tag].ToArray() : [];
        var tx = Table.Find(TmHash.Bucket(callId, cseq.Number), (callId, cseq.Number, fromTag), static (t, key) =>
            !t.IsLocal && t.IsInvite && t.Identity.CSeqNumber == key.Number
            && t.Identity.CallId.AsSpan().SequenceEqual(key.callId) && t.Identity.FromTag.AsSpan().SequenceEqual(key.fromTag));
        if (tx is null)
        {
            return;
        }

        lock (tx.Gate)
        {
            if (!tx.Released && tx.LastStatus is >= 200 and < 300 && (tx.CallbackMask & TmCallbackType.E2EAckIn) != 0)
            {
                Run(tx, TmCallbackType.E2EAckIn, ack, null, 0, -1, context);
            }
        }
    }

    // ------------------------------------------------------------------ running them

    private void RunGlobal(TmTransaction tx, TmCallbackType type, SipMessage? request, ScriptContext? context)
    {
        foreach (var (types, callback, parameter) in Volatile.Read(ref _global))
        {
            if ((types & type) != 0)
            {
                Invoke(tx, callback, new TmCallbackArgs(type, request, null, 0, -1, context, parameter));
            }
        }
    }

    /// <summary>Runs <paramref name="tx"/>'s callbacks of <paramref name="type"/>, in registration order, under its lock.</summary>
    private void Run(TmTransaction tx, TmCallbackType type, SipMessage? request, SipMessage? reply, int code, int branch, ScriptContext? context)
    {
        lock (tx.Gate)
        {
            for (var i = 0; i < tx.CallbackCount; i++)
            {
                var (types, callback, parameter) = tx.CallbackAt(i);
                if ((types & type) != 0)
                {
                    Invoke(tx, callback, new TmCallbackArgs(type, request, reply, code, branch, context, parameter));
                }
            }
        }
    }

    private void Invoke(TmTransaction tx, TmCallback callback, in TmCallbackArgs args)
    {
        try
        {
            callback(tx, args);
        }
#pragma warning disable CA1031 // a module's callback must not break the transaction (tm logs and goes on, as OpenSIPS does)
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCallbackFailed(_logger, args.Type, tx.Id, e);
        }
    }

    private static SipMessage ParseCopy(byte[] bytes)
    {
        var message = new SipMessage();
        SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true);
        return message;
    }

    /// <summary>
    /// Runs <c>route[<paramref name="name"/>]</c> on a copy of <paramref name="bytes"/> with nothing kept (tm's
    /// local_request_route / local_reply_route: inspection only, no transaction or dialog context).
    /// </summary>
    private void RunReadOnly(string name, byte[] bytes, in MessageSource source)
    {
        if (_registry?.Script?.FindRoute(RouteType.Request, name) is not { } route)
        {
            return;
        }

        var context = RentContext();
        try
        {
            var message = ParseCopy(bytes);
            var editor = new SipMessageEditor();
            editor.Reset(message);
            context.Begin(message, editor, source, RouteType.Local);
            route.Run(context, RouteType.Local);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
        {
            LogRouteFailed(_logger, name, e);
        }
        finally
        {
            _contexts.Add(context);
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "tm: a {Type} callback of transaction {Id} failed")]
    private static partial void LogCallbackFailed(ILogger logger, TmCallbackType type, string id, Exception exception);
}
