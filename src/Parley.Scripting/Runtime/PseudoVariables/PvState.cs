using Parley.Protocol.Uri;
using Parley.Transport;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// Per-context caches of the core pseudo-variables: values that must be formatted (addresses, times) are formatted
/// once and reused while their source is unchanged, so reading <c>$si</c> in every route allocates at most once per
/// new source address.
/// </summary>
internal sealed class PvState : IContextState
{
    public static readonly ContextSlot<PvState> Slot = new();

    // $Ts / $Tf: cached per message, as OpenSIPS does.
    public long TimeSeconds = -1;
    public string? TimeFormatted;

    // $si: the formatted address of the last source seen (kept across messages; same source, same string).
    public SipEndPoint SourceKey;
    public string? SourceText;

    // $Ri and $fs: per listener.
    public SipListener? ListenerKey;
    public string? ListenerAddress;
    public SipListener? SocketKey;
    public string? SocketText;

    // $dd $dp $dP: the parsed $du, re-parsed when $du changes (compared by reference).
    public string? DuSource;
    public ScriptValue DuWhole;
    public SipUri DuUri;
    public bool DuValid;

    // $mf / $bf: the last flag set formatted.
    public ulong FlagsKey = ulong.MaxValue;
    public string? FlagsText;
    public ulong BranchFlagsKey = ulong.MaxValue;
    public string? BranchFlagsText;

    public void Reset()
    {
        TimeSeconds = -1;
        TimeFormatted = null;
    }
}
