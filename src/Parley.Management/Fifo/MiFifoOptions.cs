namespace Parley.Management.Fifo;

/// <summary>
/// Settings of the MI FIFO transport: the <c>modparam("mi_fifo", …)</c> parameters of OpenSIPS 3.x
/// (<c>fifo_name</c>, <c>fifo_mode</c>, <c>fifo_user</c>, <c>fifo_group</c>, <c>reply_dir</c>, <c>pretty_printing</c>)
/// plus the timeouts Parley uses where OpenSIPS relies on non-blocking <c>open(2)</c>.
/// </summary>
/// <remarks>
/// OpenSIPS's <c>trace_destination</c>/<c>trace_bwlist</c> (HEP tracing of MI traffic) are not supported.
/// 3.x has no <c>reply_indent</c> (that was the 1.x/2.x text protocol); <c>pretty_printing</c> replaced it.
/// </remarks>
public sealed class MiFifoOptions
{
    /// <summary>OpenSIPS's default <c>fifo_name</c>, which opensips-cli also looks for.</summary>
    public const string DefaultFifoName = "/tmp/opensips_fifo";

    /// <summary>OpenSIPS's default <c>reply_dir</c> (<c>DEFAULT_MI_REPLY_DIR</c>).</summary>
    public const string DefaultReplyDir = "/tmp/";

    /// <summary>0660 (rw-rw----), OpenSIPS's default <c>fifo_mode</c>.</summary>
    public const int DefaultFifoMode = 0b110_110_000;

    /// <summary>0600 (rw-------): what OpenSIPS forces when <c>fifo_mode</c> is 0.</summary>
    public const int ZeroModeReplacement = 0b110_000_000;

    /// <summary>
    /// <c>fifo_name</c>: path of the FIFO the server reads requests from. Whatever file is there at start is deleted
    /// and a new FIFO created; it is deleted again at stop.
    /// </summary>
    public string FifoName { get; set; } = DefaultFifoName;

    /// <summary>
    /// <c>fifo_mode</c>: permission bits of the FIFO (the number, e.g. 0660 octal = 432). 0 is replaced by 0600 with a warning.
    /// Note that OpenSIPS's configuration lexer reads <c>0660</c> as octal.
    /// </summary>
    public int FifoMode { get; set; } = DefaultFifoMode;

    /// <summary>
    /// <c>fifo_user</c>: owner of the FIFO, a user name or a numeric uid; null keeps the process's.
    /// A user name also sets the group to the user's login group (OpenSIPS's <c>user2uid</c>), unless <see cref="FifoGroup"/> is set.
    /// Applied with <c>chown</c>, so changing the owner needs the privileges chown(2) needs.
    /// </summary>
    public string? FifoUser { get; set; }

    /// <summary><c>fifo_group</c>: group of the FIFO, a group name or a numeric gid; null keeps the inherited one.</summary>
    public string? FifoGroup { get; set; }

    /// <summary>
    /// <c>reply_dir</c>: directory the reply FIFOs are in. A request names its reply FIFO relative to it
    /// (the name may not contain '.', '/' or '\'). Must exist at start.
    /// </summary>
    public string ReplyDir { get; set; } = DefaultReplyDir;

    /// <summary><c>pretty_printing</c>: replies are printed as cJSON's formatted output (tabs and new lines) instead of compact JSON.</summary>
    public bool PrettyPrinting { get; set; }

    /// <summary>
    /// How long the server waits for the client to open its reply FIFO for reading before giving up on the request.
    /// OpenSIPS retries a non-blocking open 4 times, 80 ms apart (<c>FIFO_REPLY_RETRIES</c>, <c>FIFO_REPLY_WAIT</c>): 320 ms.
    /// </summary>
    public TimeSpan ReplyOpenTimeout { get; set; } = TimeSpan.FromMilliseconds(320);

    /// <summary>
    /// How long writing one reply may block (a client that opened its reply FIFO but does not read a reply larger than
    /// the pipe buffer). OpenSIPS blocks without limit; Parley abandons the write and serves the next request.
    /// </summary>
    public TimeSpan ReplyWriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the FIFO file is checked while idle; a deleted (or symlinked) one is recreated.
    /// OpenSIPS checks every 30 s (<c>FIFO_CHECK_WAIT</c>) and before each read.
    /// </summary>
    public TimeSpan FifoCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
