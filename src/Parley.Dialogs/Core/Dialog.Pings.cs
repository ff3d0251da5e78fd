using Parley.Transactions.Timers;

namespace Parley.Dialogs.Core;

/// <summary>Ping timers of a dialog (opensips-behaviour.md §5.6). Guarded by the bucket lock.</summary>
public sealed partial class Dialog
{
    internal const int OptionsPingTimerTag = 2;
    internal const int ReinvitePingTimerTag = 3;

    /// <summary>The dialog is on the OPTIONS ping list.</summary>
    internal TimerHandle OptionsPingTimer { get; set; }

    /// <summary>The dialog is on the re-INVITE ping list.</summary>
    internal TimerHandle ReinvitePingTimer { get; set; }

    /// <summary><c>$DLG_options_ping_interval</c> written for this dialog (seconds; 0 uses <c>options_ping_interval</c>).</summary>
    internal int OptionsPingIntervalSeconds { get; set; }

    /// <summary><c>$DLG_reinvite_ping_interval</c> written for this dialog (seconds; 0 uses <c>reinvite_ping_interval</c>).</summary>
    internal int ReinvitePingIntervalSeconds { get; set; }

    /// <summary>The pings were started (at CONFIRMED); they are never restarted.</summary>
    internal bool PingsStarted { get; set; }
}
