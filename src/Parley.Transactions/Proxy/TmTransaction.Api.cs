using System.Text;
using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;
using Parley.Transactions.Matching;
using Parley.Transactions.StateMachines;
using Parley.Transport;

namespace Parley.Transactions.Proxy;

/// <summary>
/// The transaction as other modules see it (<see cref="ITmTransaction"/>, OpenSIPS's <c>struct cell</c> plus its
/// callback list), and the local (UAC) kind of transaction: no server side, one client branch, a waiter for the
/// final reply.
/// </summary>
internal sealed partial class TmTransaction
{
    private List<(TmCallbackType Types, TmCallback Callback, object? Parameter)>? _callbacks;

    /// <summary>A local transaction (tm's UAC): the request it sends is set once built (<see cref="SetLocalRequest"/>).</summary>
    public TmTransaction(TmCore core, TransactionIdentity identity, byte[] request, TransactionTimings timings, LocalUac local)
    {
        _core = core;
        Identity = identity;
        Bucket = identity.Bucket;
        Request = request;
        Timings = timings;
        Local = local;
        UasTimers = new MachineTimers(core.Wheel, OnUasTimer) { Gate = Gate };
    }

    /// <summary>The UAC side of a local transaction; null for a proxied one.</summary>
    public LocalUac? Local { get; }

    public bool IsLocal => Local is not null;

    public SipMethod Method => Identity.Method;

    public string Id => BranchId.TransactionId(Bucket, Label);

    public int HashEntry => Bucket;

    /// <summary>The callback types registered on this transaction: one test keeps the no-callback path free.</summary>
    public TmCallbackType CallbackMask { get; private set; }

    SipMessage ITmTransaction.Request => Parse();

    string ITmTransaction.LocalToTag => LocalTag.Length == 0 ? string.Empty : Encoding.ASCII.GetString(LocalTag);

    public int BranchCount => Branches.Count;

    public string BranchUri(int index) => Branches[index].Uri;

    public string BranchDestination(int index)
    {
        var b = Branches[index];
        var transport = b.Transport switch
        {
            SipTransport.Tcp => "tcp",
            SipTransport.Tls => "tls",
            SipTransport.Sctp => "sctp",
            SipTransport.Ws => "ws",
            SipTransport.Wss => "wss",
            _ => "udp",
        };
        return $"{transport}:{b.Destination}";
    }

    public bool RegisterCallback(TmCallbackType types, TmCallback callback, object? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (Gate)
        {
            if (Released)
            {
                return false;
            }

            (_callbacks ??= []).Add((types, callback, parameter));
            CallbackMask |= types;
        }

        if ((types & TmCallbackType.E2EAckIn) != 0)
        {
            _core.WatchE2EAcks();
        }

        return true;
    }

    /// <summary>Number of registrations (callbacks registered while others run are run too, in order).</summary>
    public int CallbackCount => _callbacks?.Count ?? 0;

    public (TmCallbackType Types, TmCallback Callback, object? Parameter) CallbackAt(int index) => _callbacks![index];

    /// <summary>Replaces the stored request of a local transaction once its branch id and local_route edits are in.</summary>
    public void SetLocalRequest(byte[] request)
    {
        Request = request;
        _parsed = null;
    }
}

/// <summary>What a local (UAC) transaction keeps besides the proxy fields: its caller's request and the waiter.</summary>
internal sealed class LocalUac(UacRequest request, bool ackSuccess)
{
    public UacRequest Request { get; } = request;

    /// <summary>tm sends the ACK of a 2xx itself (MI <c>t_uac_dlg</c>); otherwise the caller does.</summary>
    public bool AckSuccess { get; } = ackSuccess;

    public TaskCompletionSource<UacReply> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The ACK sent for the 2xx, resent when the 2xx is retransmitted (RFC 3261 §13.2.2.4).</summary>
    public (byte[] Bytes, SipListener Listener, SipTransport Transport, SipEndPoint Destination)? Ack { get; set; }
}
