namespace Parley.Dialogs.Core;

/// <summary>
/// One side of a dialog (opensips-behaviour.md §3.4a): leg 0 is the caller, callee legs start at 1 (one per outgoing
/// branch, plus clones for downstream forking). Guarded by the dialog's bucket lock. Strings are kept as UTF-8 bytes: the
/// matcher compares them with the message's bytes and a dialog keeps half the memory it would as .NET strings.
/// </summary>
internal sealed partial class DialogLeg
{
    /// <summary>The tag of this side (From tag of the caller, To tag of a callee); empty until a callee answers with one.</summary>
    public byte[] Tag { get; set; } = [];

    /// <summary><c>r_cseq</c>: the last CSeq of a request sent toward this leg, the base of requests the proxy generates.</summary>
    public uint RequestCSeq { get; set; }

    /// <summary><c>prev_cseq</c>: <see cref="RequestCSeq"/> before the last in-dialog request moved it.</summary>
    public uint PreviousCSeq { get; set; }

    public bool HasPreviousCSeq { get; set; }

    /// <summary><c>inv_cseq</c>: the last INVITE/UPDATE CSeq sent by this leg (to validate its ACK).</summary>
    public uint InviteCSeq { get; set; }

    /// <summary><c>last_gen_cseq</c>: the highest CSeq the proxy generated toward this leg (0: none).</summary>
    public uint LastGeneratedCSeq { get; set; }

    /// <summary>The remote target: the single Contact URI this side sent; null when unknown.</summary>
    public byte[]? Contact { get; set; }

    /// <summary>The route set toward this side as Record-Route values joined with ',' (null when empty).</summary>
    public byte[]? RouteSet { get; set; }

    /// <summary>The local socket facing this side, <c>udp:127.0.0.1:5060</c>; null when unknown.</summary>
    public string? BindAddress { get; set; }

    /// <summary>The last SDP body this side sent (<c>in_sdp</c>); null when none.</summary>
    public byte[]? Sdp { get; set; }

    /// <summary>The tm branch this callee leg was created for (-1 for the caller).</summary>
    public int Branch { get; set; } = -1;

    /// <summary>A copy for downstream forking behind one branch (OpenSIPS's <c>dlg_clone_callee_leg</c>): same branch data, no tag.</summary>
    public DialogLeg CloneUntagged() => new()
    {
        RequestCSeq = RequestCSeq,
        InviteCSeq = InviteCSeq,
        BindAddress = BindAddress,
        Branch = Branch,
    };
}
