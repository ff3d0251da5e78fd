using System.Globalization;

namespace Parley.Transactions.StateMachines;

// CONTRACT (issue 5): the four RFC 3261 §17 transaction state machines (Figures 5–8, with RFC 6026's Accepted state),
// timed as OpenSIPS's tm does (opensips-behaviour.md §9.4). They are pure: no sockets, no clock. Each asks its owner
// (an ITransactionTimers and an action interface) to start/stop timers and to send; the owner calls back with
// OnTimer(...) when a timer fires. Every public method of a state machine is called under the owning transaction's
// lock, so the machines themselves need no locking.

/// <summary>The timers of RFC 3261 §17 (+ RFC 6026's L and M), named as there.</summary>
public enum TransactionTimer
{
    /// <summary>Client INVITE request retransmission (UDP), T1 doubling, capped at T2 as OpenSIPS does.</summary>
    A,

    /// <summary>Client INVITE transaction timeout: OpenSIPS's fr_timeout, moved to fr_inv_timeout on a provisional.</summary>
    B,

    /// <summary>Client INVITE Completed wait (absorbing retransmitted final responses): OpenSIPS wt_timer.</summary>
    D,

    /// <summary>Client non-INVITE request retransmission (UDP): T1 doubling up to T2; T2 fixed after a provisional.</summary>
    E,

    /// <summary>Client non-INVITE transaction timeout: fr_timeout.</summary>
    F,

    /// <summary>Server INVITE final (≥300) response retransmission (UDP), T1 doubling capped at T2.</summary>
    G,

    /// <summary>Server INVITE wait for ACK: fr_timeout (OpenSIPS), then Terminated (WAIT).</summary>
    H,

    /// <summary>Server INVITE Confirmed: absorbing ACK retransmissions, wt_timer.</summary>
    I,

    /// <summary>Server non-INVITE Completed: absorbing request retransmissions, wt_timer.</summary>
    J,

    /// <summary>Client non-INVITE Completed: absorbing response retransmissions, wt_timer.</summary>
    K,

    /// <summary>RFC 6026 server INVITE Accepted: 2xx retransmissions relayed, request retransmissions absorbed, wt_timer.</summary>
    L,

    /// <summary>RFC 6026 client INVITE Accepted: further 2xx passed to the TU, wt_timer.</summary>
    M,
}

/// <summary>
/// The timer values of one transaction (OpenSIPS tm parameters; per-transaction <c>$T_fr_timeout</c> and
/// <c>$T_fr_inv_timeout</c> override the module's).
/// </summary>
public sealed record TransactionTimings
{
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan T2 { get; init; } = TimeSpan.FromMilliseconds(4000);

    /// <summary>fr_timeout: how long a client transaction waits for a final response (before any provisional for INVITE).</summary>
    public TimeSpan FinalResponse { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>fr_inv_timeout: how long a client INVITE waits for a final response once a provisional arrived.</summary>
    public TimeSpan InviteFinalResponse { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>wt_timer: how long a completed transaction lingers to absorb retransmissions.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>delete_timer: retry interval for deleting a transaction still referenced.</summary>
    public TimeSpan Delete { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>restart_fr_on_each_reply: every INVITE provisional restarts the fr_inv timer (default on).</summary>
    public bool RestartFrOnEachReply { get; init; } = true;

    /// <summary>OpenSIPS's checks: FR, FR_INV, WT, DELETE ≥ 2 s (FR/FR_INV may be overridden per transaction above 0), T2 &gt; T1. Null when valid.</summary>
    /// <remarks>
    /// Checks the module's values (the per-transaction <c>$T_fr_timeout</c>/<c>$T_fr_inv_timeout</c> overrides are not
    /// held to the 2 s minimum). The first failing check is reported, naming the tm parameter, in the order
    /// fr_timeout, fr_inv_timeout, wt_timer, delete_timer, T1_timer, T2_timer.
    /// </remarks>
    public string? Validate()
    {
        var minimum = TimeSpan.FromSeconds(MinimumSeconds);
        if (FinalResponse < minimum)
        {
            return TooShort("fr_timeout", FinalResponse);
        }

        if (InviteFinalResponse < minimum)
        {
            return TooShort("fr_inv_timeout", InviteFinalResponse);
        }

        if (Wait < minimum)
        {
            return TooShort("wt_timer", Wait);
        }

        if (Delete < minimum)
        {
            return TooShort("delete_timer", Delete);
        }

        if (T1 <= TimeSpan.Zero)
        {
            return string.Create(CultureInfo.InvariantCulture, $"T1_timer must be greater than 0 ms (is {T1.TotalMilliseconds} ms)");
        }

        if (T2 <= T1)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"T2_timer must be greater than T1_timer (T2_timer is {T2.TotalMilliseconds} ms, T1_timer {T1.TotalMilliseconds} ms)");
        }

        return null;
    }

    private const int MinimumSeconds = 2;

    private static string TooShort(string parameter, TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{parameter} must be at least {MinimumSeconds} s (is {value.TotalSeconds} s)");
}

/// <summary>Timer control a state machine asks of its owner. Starting a running timer restarts it.</summary>
public interface ITransactionTimers
{
    void Start(TransactionTimer timer, TimeSpan after);

    void Stop(TransactionTimer timer);
}

public enum ServerInviteState
{
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

public enum ServerNonInviteState
{
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

public enum ClientInviteState
{
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

public enum ClientNonInviteState
{
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// <summary>What a server transaction asks its owner to do. Responses are the owner's stored bytes; the machine only says when.</summary>
public interface IServerTransactionActions
{
    /// <summary>(Re)send the last response the TU gave (a request retransmission arrived, or a retransmission timer fired).</summary>
    void RetransmitLastResponse();

    /// <summary>The transaction reached Terminated: the owner removes it from the table.</summary>
    void Terminated();
}

/// <summary>What a client transaction asks its owner to do.</summary>
public interface IClientTransactionActions
{
    /// <summary>Retransmit the request (UDP only; the machine never asks on a reliable transport).</summary>
    void RetransmitRequest();

    /// <summary>Send the hop-by-hop ACK for a ≥300 INVITE response (§17.1.1.3), again on each retransmitted final.</summary>
    void SendAck();

    /// <summary>Pass a response up to the TU (the proxy core): provisional, first final, 2xx retransmissions in Accepted.</summary>
    void PassToTransactionUser(int statusCode);

    /// <summary>Timer B/F fired with no final response: the TU gets a local 408 (OpenSIPS's faked reply).</summary>
    void TimedOut(bool provisionalReceived);

    void Terminated();
}
