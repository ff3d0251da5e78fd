namespace Parley.Dialogs.Core;

/// <summary>Outcome of the last ping sent toward a leg (OpenSIPS's <c>reply_received</c>).</summary>
internal enum PingStatus
{
    /// <summary>No ping outstanding and the last one (if any) was answered: the leg may be pinged.</summary>
    Success,

    /// <summary>A ping is in flight: the leg is skipped on this tick.</summary>
    Pending,

    /// <summary>The last ping timed out (local or remote 408) or got 481: the dialog ends on the next tick.</summary>
    Fail,
}

/// <summary>
/// Per-leg ping, SDP staging and CSeq-translation data (opensips-behaviour.md §1.6, §3.4a, §3.6, §5.6), kept in a
/// <see cref="LegExtras"/> created on the first non-default write: a leg that is never pinged, never re-offers SDP and
/// never has its CSeqs translated (most) carries one null reference instead of 24 bytes.
/// </summary>
internal sealed partial class DialogLeg
{
    private LegExtras? _extras;

    public PingStatus OptionsPing
    {
        get => _extras?.OptionsPing ?? PingStatus.Success;
        set => Extras(value != PingStatus.Success)?.OptionsPing = value;
    }

    public PingStatus ReinvitePing
    {
        get => _extras?.ReinvitePing ?? PingStatus.Success;
        set => Extras(value != PingStatus.Success)?.ReinvitePing = value;
    }

    /// <summary>An SDP this side offered in a re-INVITE/UPDATE, committed as <see cref="Sdp"/> when a 2xx answers it (<c>tmp_in_sdp</c>).</summary>
    public byte[]? StagedSdp
    {
        get => _extras?.StagedSdp;
        set => Extras(value is not null)?.StagedSdp = value;
    }

    /// <summary>The CSeq map (§3.6) for the last translated INVITE toward this leg: the endpoint's number …</summary>
    public uint MappedOriginalCSeq
    {
        get => _extras?.MappedOriginalCSeq ?? 0;
        set => Extras(value != 0)?.MappedOriginalCSeq = value;
    }

    /// <summary>… and the number it was sent with; ACKs of that INVITE are rewritten to it.</summary>
    public uint MappedGeneratedCSeq
    {
        get => _extras?.MappedGeneratedCSeq ?? 0;
        set => Extras(value != 0)?.MappedGeneratedCSeq = value;
    }

    private LegExtras? Extras(bool create) => _extras ?? (create ? _extras = new LegExtras() : null);
}

/// <summary>A leg's ping outcomes, staged SDP and CSeq map.</summary>
internal sealed class LegExtras
{
    public PingStatus OptionsPing { get; set; }

    public PingStatus ReinvitePing { get; set; }

    public byte[]? StagedSdp { get; set; }

    public uint MappedOriginalCSeq { get; set; }

    public uint MappedGeneratedCSeq { get; set; }
}
