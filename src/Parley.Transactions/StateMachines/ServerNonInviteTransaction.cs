namespace Parley.Transactions.StateMachines;

/// <summary>
/// The non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8), timed as OpenSIPS's tm does. Pure: the owner
/// sends each response the TU gives (when <see cref="OnResponse"/> accepts it), retransmits the stored one when asked,
/// and calls back on timer expiry.
/// </summary>
/// <remarks>
/// Deviation from the RFC, OpenSIPS's behaviour: Timer J is wt_timer (RFC: 64·T1) on unreliable transports, as
/// OpenSIPS puts a replied non-INVITE transaction on its WAIT list (tm's wt_timer documentation calls this Timer J);
/// on reliable transports J is 0 (RFC), so a final response ends the transaction at once.
/// </remarks>
public sealed class ServerNonInviteTransaction
{
    private readonly IServerTransactionActions _actions;
    private RunningTimers _running;

    public ServerNonInviteTransaction(bool reliable, TransactionTimings timings, ITransactionTimers timers, IServerTransactionActions actions)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(timers);
        ArgumentNullException.ThrowIfNull(actions);
        Reliable = reliable;
        Timings = timings;
        _actions = actions;
        _running = new RunningTimers(timers);
    }

    public ServerNonInviteState State { get; private set; } = ServerNonInviteState.Trying;

    /// <summary>The status of the last response the TU gave and this machine accepted; 0 before any.</summary>
    public int LastStatus { get; private set; }

    public bool Reliable { get; }

    /// <summary>The timer values; the owner may replace them, later timer starts use the new ones.</summary>
    public TransactionTimings Timings
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    }

    /// <summary>A retransmission of the request arrived.</summary>
    public void OnRequestRetransmission()
    {
        switch (State)
        {
            case ServerNonInviteState.Proceeding:
            case ServerNonInviteState.Completed:
                // RFC 3261 §17.2.2: in Proceeding the most recent provisional, in Completed the final response,
                // MUST be passed to the transport again.
                _actions.RetransmitLastResponse();
                break;
            default:
                // RFC 3261 §17.2.2: in Trying, request retransmissions are discarded.
                break;
        }
    }

    /// <summary>
    /// The TU gives a response. Returns whether the owner may send it: false once a final response was given
    /// (RFC 3261 §17.2.2: any other final response MUST be discarded in Completed).
    /// </summary>
    public bool OnResponse(int statusCode)
    {
        TransactionRules.CheckStatus(statusCode);
        if (State is not (ServerNonInviteState.Trying or ServerNonInviteState.Proceeding))
        {
            return false;
        }

        LastStatus = statusCode;
        if (statusCode < 200)
        {
            State = ServerNonInviteState.Proceeding;
            return true;
        }

        // RFC 3261 §17.2.2: a final response MUST move the transaction to Completed and start Timer J (0 on reliable).
        State = ServerNonInviteState.Completed;
        if (Reliable)
        {
            Terminate();
        }
        else
        {
            _running.Start(TransactionTimer.J, Timings.Wait);
        }

        return true;
    }

    /// <summary>A timer this machine started fired. Fires of timers it no longer runs are ignored.</summary>
    public void OnTimer(TransactionTimer timer)
    {
        if (_running.Fired(timer) && timer == TransactionTimer.J && State == ServerNonInviteState.Completed)
        {
            // RFC 3261 §17.2.2: Timer J firing in Completed MUST move to Terminated.
            Terminate();
        }
    }

    /// <summary>The transport could not send a response: RFC 3261 §17.2.4 — move to Terminated.</summary>
    public void OnTransportError()
    {
        if (State != ServerNonInviteState.Terminated)
        {
            Terminate();
        }
    }

    /// <summary>
    /// The transaction user gives the request up without any response (tm: the script ended without relaying or
    /// answering it): the transaction ends at once. Only valid before a response was sent.
    /// </summary>
    public void Abandon()
    {
        if (State != ServerNonInviteState.Terminated && LastStatus == 0)
        {
            Terminate();
        }
    }

    private void Terminate()
    {
        _running.StopAll();
        State = ServerNonInviteState.Terminated;
        _actions.Terminated();
    }
}
