namespace Parley.Transactions.StateMachines;

/// <summary>
/// The INVITE client transaction (one tm branch): RFC 3261 §17.1.1 (Figure 5) with RFC 6026 §7.2's Accepted state,
/// timed as OpenSIPS's tm does. Pure: the owner sends the INVITE, calls <see cref="Start"/>, feeds it the responses
/// of its branch and the timer expiries; the machine asks for retransmissions, ACKs and what to pass up.
/// </summary>
/// <remarks>
/// <para>Deviations from the RFC, each OpenSIPS's behaviour (opensips-behaviour.md §9.4, tm's t_reply.c):</para>
/// <list type="bullet">
/// <item>Timer A doubles from T1 but is capped at T2 (RFC: uncapped): sends at 0.5, 1.5, 3.5, 7.5 s, then every 4 s.</item>
/// <item>Timer B is fr_timeout (RFC: 64·T1). A provisional stops A (any reply stops retransmission) and moves B to
/// fr_inv_timeout — on every provisional with <see cref="TransactionTimings.RestartFrOnEachReply"/>, otherwise only on the
/// first one or on a higher code ≥ 180. B thus keeps running in Proceeding, as OpenSIPS's FR_INV timer does (the RFC
/// has no timeout there; a proxy's Timer C plays that part).</item>
/// <item>Timers D and M are wt_timer (RFC: ≥ 32 s and 64·T1); D is 0 on reliable transports (RFC), M is not (it
/// keeps catching 2xx retransmissions that travel end to end over other hops).</item>
/// </list>
/// <para>When B fires (or the transport fails) before a final response the TU is told through
/// <see cref="IClientTransactionActions.TimedOut"/> and builds the 408; the machine terminates and passes nothing
/// further up.</para>
/// </remarks>
public sealed class ClientInviteTransaction
{
    private readonly IClientTransactionActions _actions;
    private RunningTimers _running;
    private TimeSpan _interval;
    private bool _started;

    public ClientInviteTransaction(bool reliable, TransactionTimings timings, ITransactionTimers timers, IClientTransactionActions actions)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(timers);
        ArgumentNullException.ThrowIfNull(actions);
        Reliable = reliable;
        Timings = timings;
        _actions = actions;
        _running = new RunningTimers(timers);
    }

    public ClientInviteState State { get; private set; } = ClientInviteState.Calling;

    /// <summary>The status of the last response received on this branch (OpenSIPS's last_received); 0 before any.</summary>
    public int LastStatus { get; private set; }

    /// <summary>A provisional response arrived (OpenSIPS then CANCELs the branch when fr_inv_timeout fires).</summary>
    public bool ProvisionalReceived { get; private set; }

    public bool Reliable { get; }

    /// <summary>
    /// The timer values; the owner may replace them (e.g. <c>$T_fr_inv_timeout</c> set in an onreply route), and the
    /// next timer start uses the new ones.
    /// </summary>
    public TransactionTimings Timings
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    }

    /// <summary>The INVITE was handed to the transport: enter Calling, start A (unreliable only) and B.</summary>
    public void Start()
    {
        if (_started || State != ClientInviteState.Calling)
        {
            throw new InvalidOperationException("The client INVITE transaction was already started.");
        }

        _started = true;

        // RFC 3261 §17.1.1.2: on an unreliable transport Timer A MUST start at T1; Timer B MUST start on every transport.
        if (!Reliable)
        {
            _interval = TransactionRules.FirstInterval(Timings);
            _running.Start(TransactionTimer.A, _interval);
        }

        _running.Start(TransactionTimer.B, Timings.FinalResponse);
    }

    /// <summary>A response of this branch arrived.</summary>
    public void OnResponse(int statusCode)
    {
        TransactionRules.CheckStatus(statusCode);
        switch (State)
        {
            case ClientInviteState.Calling:
            case ClientInviteState.Proceeding:
                if (statusCode < 200)
                {
                    OnProvisional(statusCode);
                }
                else if (statusCode < 300)
                {
                    // RFC 6026 §7.2: a 2xx in Calling or Proceeding MUST be passed up and the machine MUST move to
                    // Accepted, starting Timer M.
                    _running.StopAll();
                    State = ClientInviteState.Accepted;
                    LastStatus = statusCode;
                    _running.Start(TransactionTimer.M, Timings.Wait);
                    _actions.PassToTransactionUser(statusCode);
                }
                else
                {
                    // RFC 3261 §17.1.1.2: 300–699 MUST generate the ACK, be passed up, and move to Completed with
                    // Timer D (0 on reliable transports).
                    _running.StopAll();
                    State = ClientInviteState.Completed;
                    LastStatus = statusCode;
                    if (!Reliable)
                    {
                        _running.Start(TransactionTimer.D, Timings.Wait);
                    }

                    _actions.SendAck();
                    _actions.PassToTransactionUser(statusCode);
                    if (Reliable)
                    {
                        Terminate();
                    }
                }

                break;

            case ClientInviteState.Completed when statusCode >= 300:
                // RFC 3261 §17.1.1.2: a retransmitted final response MUST cause the ACK to be re-sent and MUST NOT be
                // passed up.
                _actions.SendAck();
                break;

            case ClientInviteState.Accepted when statusCode is >= 200 and < 300:
                // RFC 6026 §7.2: further 2xx (retransmissions, other forks) MUST be passed up.
                LastStatus = statusCode;
                _actions.PassToTransactionUser(statusCode);
                break;

            default:
                // Late provisionals, a 2xx after a negative final, anything in Terminated: ignored.
                break;
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
            case TransactionTimer.A when State == ClientInviteState.Calling:
                // RFC 3261 §17.1.1.2: retransmit and reset A with the doubled value (capped at T2, OpenSIPS).
                _actions.RetransmitRequest();
                _interval = TransactionRules.NextInterval(_interval, Timings.T2);
                _running.Start(TransactionTimer.A, _interval);
                break;
            case TransactionTimer.B when State is ClientInviteState.Calling or ClientInviteState.Proceeding:
                // RFC 3261 §17.1.1.2: Timer B firing MUST inform the TU of the timeout and move to Terminated.
                TimeOut();
                break;
            case TransactionTimer.D when State == ClientInviteState.Completed:
            case TransactionTimer.M when State == ClientInviteState.Accepted:
                // RFC 3261 §17.1.1.2 (D) and RFC 6026 §7.2 (M): MUST move to Terminated.
                Terminate();
                break;
        }
    }

    /// <summary>
    /// The transport could not send the INVITE (or its ACK). In Calling/Proceeding this is a timeout (RFC 3261
    /// §17.1.4: inform the TU, go to Terminated); in Completed the TU already has its final response, the machine
    /// terminates; Accepted sends nothing and ignores it.
    /// </summary>
    public void OnTransportError()
    {
        switch (State)
        {
            case ClientInviteState.Calling:
            case ClientInviteState.Proceeding:
                TimeOut();
                break;
            case ClientInviteState.Completed:
                Terminate();
                break;
        }
    }

    private void OnProvisional(int statusCode)
    {
        // OpenSIPS reply_received(): any reply stops retransmission; FR moves to FR_INV on every provisional with
        // restart_fr_on_each_reply, otherwise only when (last < code) and (code ≥ 180 or nothing received yet).
        var restartFr = Timings.RestartFrOnEachReply || (LastStatus < statusCode && (statusCode >= 180 || LastStatus == 0));
        _running.Stop(TransactionTimer.A);
        if (restartFr)
        {
            _running.Start(TransactionTimer.B, Timings.InviteFinalResponse);
        }

        // RFC 3261 §17.1.1.2: a provisional moves Calling to Proceeding and MUST be passed up.
        State = ClientInviteState.Proceeding;
        LastStatus = statusCode;
        ProvisionalReceived = true;
        _actions.PassToTransactionUser(statusCode);
    }

    private void TimeOut()
    {
        _running.StopAll();
        State = ClientInviteState.Terminated;
        _actions.TimedOut(ProvisionalReceived);
        _actions.Terminated();
    }

    private void Terminate()
    {
        _running.StopAll();
        State = ClientInviteState.Terminated;
        _actions.Terminated();
    }
}
