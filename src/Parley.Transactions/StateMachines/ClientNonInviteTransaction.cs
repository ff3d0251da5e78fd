namespace Parley.Transactions.StateMachines;

/// <summary>
/// The non-INVITE client transaction (one tm branch): RFC 3261 §17.1.2 (Figure 6), timed as OpenSIPS's tm does.
/// Pure: the owner sends the request, calls <see cref="Start"/>, feeds it the responses of its branch and the timer
/// expiries; the machine asks for retransmissions and says what to pass up.
/// </summary>
/// <remarks>
/// <para>Deviations from the RFC, each OpenSIPS's behaviour (opensips-behaviour.md §9.4, tm's t_reply.c):</para>
/// <list type="bullet">
/// <item>Timer F is fr_timeout (RFC: 64·T1); Timer K is wt_timer on unreliable transports (RFC: T4), 0 on reliable.</item>
/// <item>Any reply stops retransmission; a provisional restarts it at a fixed T2 interval on every provisional with
/// <see cref="TransactionTimings.RestartFrOnEachReply"/>, otherwise only on the first provisional or a higher code ≥ 180.
/// So with restart_fr_on_each_reply = 0 a repeated provisional leaves Timer E stopped, exactly as OpenSIPS does
/// (the RFC keeps retransmitting at T2 in Proceeding).</item>
/// </list>
/// </remarks>
public sealed class ClientNonInviteTransaction
{
    private readonly IClientTransactionActions _actions;
    private RunningTimers _running;
    private TimeSpan _interval;
    private bool _started;

    public ClientNonInviteTransaction(bool reliable, TransactionTimings timings, ITransactionTimers timers, IClientTransactionActions actions)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(timers);
        ArgumentNullException.ThrowIfNull(actions);
        Reliable = reliable;
        Timings = timings;
        _actions = actions;
        _running = new RunningTimers(timers);
    }

    public ClientNonInviteState State { get; private set; } = ClientNonInviteState.Trying;

    /// <summary>The status of the last response received on this branch (OpenSIPS's last_received); 0 before any.</summary>
    public int LastStatus { get; private set; }

    public bool ProvisionalReceived { get; private set; }

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

    /// <summary>The request was handed to the transport: start E (unreliable only) and F.</summary>
    public void Start()
    {
        if (_started || State != ClientNonInviteState.Trying)
        {
            throw new InvalidOperationException("The client non-INVITE transaction was already started.");
        }

        _started = true;

        // RFC 3261 §17.1.2.2: on an unreliable transport Timer E MUST start at T1; Timer F MUST start on every transport.
        if (!Reliable)
        {
            _interval = TransactionRules.FirstInterval(Timings);
            _running.Start(TransactionTimer.E, _interval);
        }

        _running.Start(TransactionTimer.F, Timings.FinalResponse);
    }

    /// <summary>A response of this branch arrived.</summary>
    public void OnResponse(int statusCode)
    {
        TransactionRules.CheckStatus(statusCode);
        if (State is not (ClientNonInviteState.Trying or ClientNonInviteState.Proceeding))
        {
            // RFC 3261 §17.1.2.2: Completed absorbs retransmitted final responses; Terminated ignores everything.
            return;
        }

        if (statusCode < 200)
        {
            // OpenSIPS reply_received(): any reply stops retransmission; it restarts at T2 under the FR rule.
            var restart = Timings.RestartFrOnEachReply || (LastStatus < statusCode && (statusCode >= 180 || LastStatus == 0));
            _running.Stop(TransactionTimer.E);
            if (restart && !Reliable)
            {
                _interval = Timings.T2;
                _running.Start(TransactionTimer.E, _interval);
            }

            // RFC 3261 §17.1.2.2: a provisional moves Trying to Proceeding and MUST be passed up.
            State = ClientNonInviteState.Proceeding;
            LastStatus = statusCode;
            ProvisionalReceived = true;
            _actions.PassToTransactionUser(statusCode);
            return;
        }

        // RFC 3261 §17.1.2.2: a final response MUST be passed up and move to Completed with Timer K (0 on reliable).
        _running.StopAll();
        State = ClientNonInviteState.Completed;
        LastStatus = statusCode;
        if (!Reliable)
        {
            _running.Start(TransactionTimer.K, Timings.Wait);
        }

        _actions.PassToTransactionUser(statusCode);
        if (Reliable)
        {
            Terminate();
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
            case TransactionTimer.E when State == ClientNonInviteState.Trying:
                // RFC 3261 §17.1.2.2: retransmit and reset E to min(2·interval, T2).
                _actions.RetransmitRequest();
                _interval = TransactionRules.NextInterval(_interval, Timings.T2);
                _running.Start(TransactionTimer.E, _interval);
                break;
            case TransactionTimer.E when State == ClientNonInviteState.Proceeding:
                // RFC 3261 §17.1.2.2: in Proceeding E MUST be reset with T2.
                _actions.RetransmitRequest();
                _running.Start(TransactionTimer.E, Timings.T2);
                break;
            case TransactionTimer.F when State is ClientNonInviteState.Trying or ClientNonInviteState.Proceeding:
                // RFC 3261 §17.1.2.2: Timer F firing MUST inform the TU and move to Terminated.
                _running.StopAll();
                State = ClientNonInviteState.Terminated;
                _actions.TimedOut(ProvisionalReceived);
                _actions.Terminated();
                break;
            case TransactionTimer.K when State == ClientNonInviteState.Completed:
                // RFC 3261 §17.1.2.2: Timer K firing MUST move to Terminated.
                Terminate();
                break;
        }
    }

    /// <summary>
    /// The transport could not send the request: in Trying/Proceeding a timeout (RFC 3261 §17.1.4: inform the TU,
    /// go to Terminated). Completed sends nothing and ignores it.
    /// </summary>
    public void OnTransportError()
    {
        if (State is ClientNonInviteState.Trying or ClientNonInviteState.Proceeding)
        {
            _running.StopAll();
            State = ClientNonInviteState.Terminated;
            _actions.TimedOut(ProvisionalReceived);
            _actions.Terminated();
        }
    }

    private void Terminate()
    {
        _running.StopAll();
        State = ClientNonInviteState.Terminated;
        _actions.Terminated();
    }
}
