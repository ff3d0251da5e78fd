using System.Text;
using Parley.Protocol;
using Parley.Protocol.Headers;

namespace Parley.Transactions.Matching;

/// <summary>
/// What a server transaction keeps of the request that created it to recognise the requests that belong to it
/// (retransmissions, the ACK, a CANCEL): copies, since the request's buffer is reused. Taken once per transaction.
/// </summary>
public sealed class TransactionIdentity
{
    private TransactionIdentity()
    {
    }

    public SipMethod Method { get; private init; }

    /// <summary>The method text (for extension methods, whose <see cref="SipMethod"/> is Unknown).</summary>
    public byte[] MethodName { get; private init; } = [];

    public byte[] CallId { get; private init; } = [];

    public uint CSeqNumber { get; private init; }

    public byte[] FromTag { get; private init; } = [];

    /// <summary>The whole From value (pre-3261 matching compares header bodies).</summary>
    public byte[] FromValue { get; private init; } = [];

    public byte[] ToValue { get; private init; } = [];

    public byte[] ToUri { get; private init; } = [];

    public byte[] ToTag { get; private init; } = [];

    public byte[] RequestUri { get; private init; } = [];

    /// <summary>The top Via's branch (with the cookie), empty when it had none.</summary>
    public byte[] ViaBranch { get; private init; } = [];

    public bool HasMagicCookie { get; private init; }

    public byte[] ViaHost { get; private init; } = [];

    public int ViaPort { get; private init; }

    public SipTransport ViaTransport { get; private init; }

    /// <summary>The whole top Via value (pre-3261 <c>via1_matching</c>).</summary>
    public byte[] ViaValue { get; private init; } = [];

    /// <summary>The bucket (<see cref="TmHash"/>) of Call-ID + CSeq number.</summary>
    public int Bucket { get; private init; }

    /// <summary>Copies what matching needs; false when the request lacks a header it needs (Via, From, To, CSeq, Call-ID).</summary>
    public static bool TryCreate(SipMessage request, out TransactionIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(request);
        identity = null!;
        if (!request.IsRequest || !request.TryGetTopVia(out var via) || !request.TryGetFrom(out var from)
            || !request.TryGetTo(out var to) || !request.TryGetCSeq(out var cseq) || request.CallId.Length == 0)
        {
            return false;
        }

        var branch = via.HasBranch ? request[via.Branch] : default;
        identity = new TransactionIdentity
        {
            Method = request.Method,
            MethodName = request[request.MethodName].ToArray(),
            CallId = request[request.CallId].ToArray(),
            CSeqNumber = cseq.Number,
            FromTag = from.HasTag ? request[from.Tag].ToArray() : [],
            FromValue = request[from.Value].ToArray(),
            ToValue = request[to.Value].ToArray(),
            ToUri = request[to.Uri].ToArray(),
            ToTag = to.HasTag ? request[to.Tag].ToArray() : [],
            RequestUri = request[request.RequestUri].ToArray(),
            ViaBranch = branch.ToArray(),
            HasMagicCookie = HasCookie(branch),
            ViaHost = request[via.Host].ToArray(),
            ViaPort = via.Port,
            ViaTransport = via.Transport,
            ViaValue = request[via.Value].ToArray(),
            Bucket = TmHash.Bucket(request[request.CallId], cseq.Number),
        };
        return true;
    }

    /// <summary>RFC 3261 §17.2.3: a branch beginning with the magic cookie marks an RFC 3261 client.</summary>
    public static bool HasCookie(ReadOnlySpan<byte> branch) =>
        branch.Length > BranchId.MagicCookie.Length && branch[..BranchId.MagicCookie.Length].SequenceEqual(BranchId.MagicCookie);

    public override string ToString() => $"{Encoding.ASCII.GetString(MethodName)} {Encoding.UTF8.GetString(CallId)} {CSeqNumber}";
}
