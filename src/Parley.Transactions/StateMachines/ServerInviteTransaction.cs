namespace Parley.Transactions.StateMachines;

/// <summary>
/// The INVITE server transaction: RFC 3261 §17.2.1 (Figure 7) with RFC 6026 §7.1's Accepted state, timed as
/// OpenSIPS's tm does. Pure: it asks its owner to start/stop timers and to retransmit the stored response; the owner
/// sends each response the TU gives (when <see cref="OnResponse"/> accepts it) and calls back on timer expiry.
/// </summary>
/// <remarks>
/// <para>Deviations from the RFC, each OpenSIPS's behaviour:</para>
/// <list type="bullet">
/// <item>Timer H is fr_timeout (RFC: 64·T1); Timers I and L are wt_timer (RFC: T4 and 64·T1).</item>
/// <item>401 and 407 are never retransmitted (no Timer G, on any transport); Timer H then runs for wt_timer, as
/// OpenSIPS puts the transaction straight on its WAIT list (t_reply.c: "see RFC 3261 26.3.2.4 DoS Protection").</item>
/// <item>Timer I is 0 on reliable transports (RFC), so an ACK there ends the transaction at once.</item>
/// </list>
/// <para>A transport error never ends this transaction: RFC 6026 §7.1 says the server transaction MUST remain in its
/// current state, its timers end it (OpenSIPS likewise only logs a failed reply send).</para>
/// <para>Locally generated 2xx responses are retransmitted by the TU (RFC 3261 §13.3.1.4), not by this machine.</para>
/// </remarks>
public sealed class ServerInviteTransaction
{
    private readonly ITransactionTimers _timers;
    private readonly IServerTransactionActions _actions;
    private RunningTimers _running;
    private TimeSpan _interval;

    public ServerInviteTransaction(bool reliable, TransactionTimings timings, ITransactionTimers timers, IServerTransactionActions actions)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(timers);
        ArgumentNullException.ThrowIfNull(actions);
        Reliable = reliable;
        Timings = timings;
        _timers = timers;
        _actions = actions;
        _running = new RunningTimers(timers);
    }

    public ServerInviteState State { get; private set; } = ServerInviteState.Proceeding;

    /// <summary>The status of the last response the TU gave and this machine accepted; 0 before any.</summary>
    public int LastStatus { get; private set; }

    public bool Reliable { get; }

    /// <summary>The timer values; the owner may replace them (per-transaction overrides), later timer starts use the new ones.</summary>
    public TransactionTimings Timings
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    }

    /// <summary>A retransmission of the INVITE arrived.</summary>
    public void OnRequestRetransmission()
    {
        switch (State)
        {
            case ServerInviteState.Proceeding:
                // RFC 3261 §17.2.1: the most recent provisional response MUST be passed to the transport again.
                if (LastStatus != 0)
                {
                    _actions.RetransmitLastResponse();
                }

                break;
            case ServerInviteState.Completed:
                // RFC 3261 §17.2.1: while Completed, a request retransmission MUST re-send the final response.
                _actions.RetransmitLastResponse();
                break;
            default:
                // Confirmed absorbs; Accepted absorbs too: RFC 6026 §7.1 says INVITE retransmissions there are not
                // passed to the TU and the 2xx is retransmitted by the TU alone; Terminated has nothing.
                break;
        }
    }

    /// <summary>
    /// The TU gives a response. Returns whether the owner may send it: false when the transaction is past the point
    /// where that response belongs (a second final response, or anything after Completed), and the owner drops it.
    /// </summary>
    public bool OnResponse(int statusCode)
    {
        TransactionRules.CheckStatus(statusCode);
        switch (State)
        {
            case ServerInviteState.Proceeding:
                LastStatus = statusCode;
                if (statusCode < 200)
                {
                    return true;
                }

                if (statusCode < 300)
                {
                    // RFC 6026 §7.1: a 2xx from the TU moves Proceeding to Accepted and starts Timer L.
                    State = ServerInviteState.Accepted;
                    _running.Start(TransactionTimer.L, Timings.Wait);
                    return true;
                }

                // RFC 3261 §17.2.1: 300–699 → Completed; Timer G on unreliable transports; Timer H on all.
                State = ServerInviteState.Completed;
                if (statusCode is 401 or 407)
                {
                    _running.Start(TransactionTimer.H, Timings.Wait);
                    return true;
                }

                if (!Reliable)
                {
                    _interval = TransactionRules.FirstInterval(Timings);
                    _running.Start(TransactionTimer.G, _interval);
                }

                _running.Start(TransactionTimer.H, Timings.FinalResponse);
                return true;

            case ServerInviteState.Accepted when statusCode is >= 200 and < 300:
                // RFC 6026 §7.1: further 2xx from the TU in Accepted are sent (forked 2xx, the TU's retransmissions).
                LastStatus = statusCode;
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// An ACK matched this transaction. Returns true when it belongs here (Completed: it confirms the final response;
    /// Confirmed: a retransmission, absorbed); false otherwise, e.g. in Accepted, where the ACK for the 2xx is the TU's.
    /// </summary>
    public bool OnAck()
    {
        switch (State)
        {
            case ServerInviteState.Completed:
                // RFC 3261 §17.2.1: ACK in Completed MUST move to Confirmed; Timer G stops; Timer I starts (0 on reliable).
                _running.StopAll();
                State = ServerInviteState.Confirmed;
                if (Reliable)
                {
                    Terminate();
                }
                else
                {
                    _running.Start(TransactionTimer.I, Timings.Wait);
                }

                return true;
            case ServerInviteState.Confirmed:
                return true;
            default:
                return false;
        }
    }

    /// <summary>A timer this machine started fired. Fires of timers it no longer runs are ignored.</summary>
    public void OnTimer(TransactionTimer timer)
    {
        if (!_running.Fired(timer))
        {
            return;
        }

        switch (timer)
        {
            case TransactionTimer.G when State == ServerInviteState.Completed:
                // RFC 3261 §17.2.1: retransmit, and reset G to min(2·interval, T2).
                _actions.RetransmitLastResponse();
                _interval = TransactionRules.NextInterval(_interval, Timings.T2);
                _running.Start(TransactionTimer.G, _interval);
                break;
            case TransactionTimer.H when State == ServerInviteState.Completed:
            case TransactionTimer.I when State == ServerInviteState.Confirmed:
            case TransactionTimer.L when State == ServerInviteState.Accepted:
                // RFC 3261 §17.2.1 (H, I) and RFC 6026 §7.1 (L): the transaction MUST move to Terminated.
                Terminate();
                break;
        }
    }

    /// <summary>The transport could not send a response. RFC 6026 §7.1: the machine MUST stay in its current state.</summary>
    public void OnTransportError()
    {
    }

    /// <summary>
    /// The transaction user gives the request up without any response (tm: the script ended without relaying or
    /// answering it): the transaction ends at once. Only valid before a response was sent.
    /// </summary>
    public void Abandon()
    {
        if (State != ServerInviteState.Terminated && LastStatus == 0)
        {
            Terminate();
        }
    }

    private void Terminate()
    {
        _running.StopAll();
        State = ServerInviteState.Terminated;
        _actions.Terminated();
    }
}
