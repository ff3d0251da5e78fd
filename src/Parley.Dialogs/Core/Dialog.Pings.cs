using Parley.Transactions.Timers;

namespace Parley.Dialogs.Core;

/// <summary>
/// Ping timers of a dialog (opensips-behaviour.md §5.6). Guarded by the bucket lock. Kept in a <see cref="DialogPings"/>
/// created on the first non-default write: a dialog without <c>P p R r</c> and without its own interval never has one.
/// </summary>
public sealed partial class Dialog
{
    internal const int OptionsPingTimerTag = 2;
    internal const int ReinvitePingTimerTag = 3;

    private DialogPings? _pings;

    /// <summary>The dialog is on the OPTIONS ping list.</summary>
    internal TimerHandle OptionsPingTimer
    {
        get => _pings?.OptionsTimer ?? default;
        set => Pings(value != default)?.OptionsTimer = value;
    }

    /// <summary>The dialog is on the re-INVITE ping list.</summary>
    internal TimerHandle ReinvitePingTimer
    {
        get => _pings?.ReinviteTimer ?? default;
        set => Pings(value != default)?.ReinviteTimer = value;
    }

    /// <summary><c>$DLG_options_ping_interval</c> written for this dialog (seconds; 0 uses <c>options_ping_interval</c>).</summary>
    internal int OptionsPingIntervalSeconds
    {
        get => _pings?.OptionsInterval ?? 0;
        set => Pings(value != 0)?.OptionsInterval = value;
    }

    /// <summary><c>$DLG_reinvite_ping_interval</c> written for this dialog (seconds; 0 uses <c>reinvite_ping_interval</c>).</summary>
    internal int ReinvitePingIntervalSeconds
    {
        get => _pings?.ReinviteInterval ?? 0;
        set => Pings(value != 0)?.ReinviteInterval = value;
    }

    /// <summary>The pings were started (at CONFIRMED); they are never restarted.</summary>
    internal bool PingsStarted
    {
        get => _pings?.Started ?? false;
        set => Pings(value)?.Started = value;
    }

    /// <summary>The ping state, created when a non-default value is written; null (nothing to store) otherwise.</summary>
    private DialogPings? Pings(bool create) => _pings ?? (create ? _pings = new DialogPings() : null);
}

/// <summary>A dialog's ping timers and intervals.</summary>
internal sealed class DialogPings
{
    public TimerHandle OptionsTimer { get; set; }

    public TimerHandle ReinviteTimer { get; set; }

    public int OptionsInterval { get; set; }

    public int ReinviteInterval { get; set; }

    public bool Started { get; set; }
}
