using Parley.Protocol;
using Parley.Protocol.Headers;

namespace Parley.Transactions.Matching;

/// <summary>How an incoming request relates to a server transaction.</summary>
public enum RequestMatch
{
    /// <summary>Not this transaction's.</summary>
    None,

    /// <summary>A retransmission of the request (RFC 3261 §17.2.3): absorbed, the last reply resent.</summary>
    Retransmission,

    /// <summary>The ACK for a non-2xx final response: hop-by-hop, absorbed by the transaction (§17.2.1).</summary>
    AckForNegative,

    /// <summary>
    /// An ACK for a 2xx: end to end (RFC 3261 §13.2.2.4, RFC 6026), not part of the transaction; OpenSIPS matches it
    /// "dialog-wise" (Call-ID, CSeq number, From tag; the To tag too when the 2xx was local).
    /// </summary>
    AckFor2xx,
}

/// <summary>
/// OpenSIPS's request matching (opensips-behaviour.md §9.3): RFC 3261 §17.2.3 for requests whose top Via branch has
/// the magic cookie, and the pre-3261 header comparison otherwise (with <c>ruri_matching</c> and <c>via1_matching</c>).
/// </summary>
public static class RequestMatcher
{
    /// <param name="transaction">The transaction's identity.</param>
    /// <param name="status">The last final status the transaction sent (0 or 1xx while pending).</param>
    /// <param name="localToTag">The To tag of a locally generated reply, or empty.</param>
    /// <param name="request">The incoming request (not a CANCEL: see <see cref="MatchesCancel"/>).</param>
    public static RequestMatch Match(TransactionIdentity transaction, int status, ReadOnlySpan<byte> localToTag, SipMessage request,
        bool ruriMatching = true, bool via1Matching = true)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(request);
        if (!request.TryGetTopVia(out var via) || !request.TryGetCSeq(out var cseq) || !request.TryGetFrom(out var from) || !request.TryGetTo(out var to))
        {
            return RequestMatch.None;
        }

        var isAck = request.Is(SipMethod.Ack);
        if (isAck ? transaction.Method != SipMethod.Invite : !SameMethod(transaction, request))
        {
            return RequestMatch.None;
        }

        var branch = via.HasBranch ? request[via.Branch] : default;
        if (TransactionIdentity.HasCookie(branch))
        {
            // The ACK for a 2xx is a new transaction (§17.1.1.3): OpenSIPS finds the INVITE dialog-wise.
            if (isAck && status is >= 200 and < 300)
            {
                return DialogWise(transaction, localToTag, request, cseq, from, to) ? RequestMatch.AckFor2xx : RequestMatch.None;
            }

            // RFC 3261 §17.2.3: branch, sent-by and method (ACK matches the INVITE) identify the transaction.
            if (!branch.SequenceEqual(transaction.ViaBranch) || !request[via.Host].SequenceEqual(transaction.ViaHost)
                || via.Port != transaction.ViaPort || via.Transport != transaction.ViaTransport)
            {
                return RequestMatch.None;
            }

            return isAck ? (status >= 300 ? RequestMatch.AckForNegative : RequestMatch.None) : RequestMatch.Retransmission;
        }

        // Pre-3261 (RFC 2543) matching on header bodies.
        if (!request[request.CallId].SequenceEqual(transaction.CallId) || cseq.Number != transaction.CSeqNumber)
        {
            return RequestMatch.None;
        }

        if (isAck)
        {
            if (status is >= 200 and < 300)
            {
                // Only a locally answered 2xx is the proxy's to absorb; a proxied 2xx's ACK travels end to end.
                return localToTag.Length > 0 && request[from.Value].SequenceEqual(transaction.FromValue)
                    && request[to.Uri].SequenceEqual(transaction.ToUri) && to.HasTag && request[to.Tag].SequenceEqual(localToTag)
                    ? RequestMatch.AckFor2xx
                    : RequestMatch.None;
            }

            if (status < 300 || !request[from.Value].SequenceEqual(transaction.FromValue) || !request[to.Uri].SequenceEqual(transaction.ToUri))
            {
                return RequestMatch.None;
            }

            if ((ruriMatching && !request[request.RequestUri].SequenceEqual(transaction.RequestUri))
                || (via1Matching && !request[via.Value].SequenceEqual(transaction.ViaValue)))
            {
                return RequestMatch.None;
            }

            return RequestMatch.AckForNegative;
        }

        if (!request[from.Value].SequenceEqual(transaction.FromValue) || !request[to.Value].SequenceEqual(transaction.ToValue)
            || (ruriMatching && !request[request.RequestUri].SequenceEqual(transaction.RequestUri))
            || (via1Matching && !request[via.Value].SequenceEqual(transaction.ViaValue)))
        {
            return RequestMatch.None;
        }

        return RequestMatch.Retransmission;
    }

    /// <summary>
    /// Whether <paramref name="cancel"/> cancels this transaction (OpenSIPS's <c>t_lookupOriginalT</c>): RFC 3261 §9.2 —
    /// same branch and sent-by for RFC 3261 clients; otherwise Call-ID, CSeq number, From, To URI (To tag ignored),
    /// and R-URI/top Via per the matching parameters. CANCEL transactions are never cancelled.
    /// </summary>
    public static bool MatchesCancel(TransactionIdentity transaction, SipMessage cancel, bool ruriMatching = true, bool via1Matching = true)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(cancel);
        if (transaction.Method == SipMethod.Cancel || !cancel.TryGetTopVia(out var via) || !cancel.TryGetCSeq(out var cseq)
            || !cancel.TryGetFrom(out var from) || !cancel.TryGetTo(out var to))
        {
            return false;
        }

        var branch = via.HasBranch ? cancel[via.Branch] : default;
        if (TransactionIdentity.HasCookie(branch))
        {
            return branch.SequenceEqual(transaction.ViaBranch) && cancel[via.Host].SequenceEqual(transaction.ViaHost)
                && via.Port == transaction.ViaPort && via.Transport == transaction.ViaTransport;
        }

        return cancel[cancel.CallId].SequenceEqual(transaction.CallId) && cseq.Number == transaction.CSeqNumber
            && cancel[from.Value].SequenceEqual(transaction.FromValue) && cancel[to.Uri].SequenceEqual(transaction.ToUri)
            && (!ruriMatching || cancel[cancel.RequestUri].SequenceEqual(transaction.RequestUri))
            && (!via1Matching || cancel[via.Value].SequenceEqual(transaction.ViaValue));
    }

    private static bool SameMethod(TransactionIdentity transaction, SipMessage request) =>
        request.Method == transaction.Method
        && (request.Method != SipMethod.Unknown || request[request.MethodName].SequenceEqual(transaction.MethodName));

    private static bool DialogWise(TransactionIdentity transaction, ReadOnlySpan<byte> localToTag, SipMessage request, CSeqValue cseq, NameAddress from, NameAddress to) =>
        request[request.CallId].SequenceEqual(transaction.CallId) && cseq.Number == transaction.CSeqNumber
        && (from.HasTag ? request[from.Tag] : default).SequenceEqual(transaction.FromTag)
        && (localToTag.Length == 0 || (to.HasTag && request[to.Tag].SequenceEqual(localToTag)));
}
