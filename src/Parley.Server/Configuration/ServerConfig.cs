using Microsoft.Extensions.Logging;

namespace Parley.Server.Configuration;

/// <summary>The core settings of <c>opensips.cfg</c>'s global section that the server itself honours.</summary>
public sealed record ServerConfig
{
    /// <summary><c>socket=</c> / <c>listen=</c> entries, in order. OpenSIPS listens on udp:*:5060 without one; Parley asks for one.</summary>
    public IReadOnlyList<string> Sockets { get; init; } = [];

    /// <summary><c>log_level</c>: OpenSIPS's scale, -3 (alert) to 4 (debug); default 3 as in OpenSIPS ("info").</summary>
    public int LogLevel { get; init; } = 3;

    /// <summary><c>log_stderror</c>/<c>stderror_enabled</c>: Parley always logs to the console; accepted for compatibility.</summary>
    public bool LogToStdErr { get; init; } = true;

    /// <summary><c>udp_workers</c> (or the older <c>children</c>): SIP workers; default the core count.</summary>
    public int UdpWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary><c>tcp_workers</c>: accepted for compatibility; TCP messages share the same workers, ordered per call.</summary>
    public int TcpWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary><c>server_header</c>: the Server header of locally generated replies (OpenSIPS default "OpenSIPS (ver (arch/os))").</summary>
    public string ServerHeader { get; init; } = "Parley";

    public string UserAgentHeader { get; init; } = "Parley";

    /// <summary><c>alias</c> entries: other names the proxy answers to (used by <c>uri == myself</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary><c>tcp_connection_lifetime</c> in seconds: idle TCP connections are closed after it (OpenSIPS default 120).</summary>
    public int TcpConnectionLifetime { get; init; } = 120;

    /// <summary><c>tcp_max_msg_size</c>-style limit on one message, in bytes (65535: the largest UDP datagram).</summary>
    public int MaxMessageSize { get; init; } = 65535;

    /// <summary>
    /// <c>exec_msg_threshold</c> in microseconds (0, the default, turns it off): a message whose processing takes
    /// longer is logged and counted in <c>core:slow_messages</c>.
    /// </summary>
    public int ExecMsgThresholdMicroseconds { get; init; }

    /// <summary><c>disable_dns_failover</c>: tm sends to the first address of a destination only (RFC 3263 failover off).</summary>
    public bool DisableDnsFailover { get; init; }

    public LogLevel MinimumLogLevel => LogLevel switch
    {
        <= -2 => Microsoft.Extensions.Logging.LogLevel.Critical,
        -1 => Microsoft.Extensions.Logging.LogLevel.Error,
        0 or 1 => Microsoft.Extensions.Logging.LogLevel.Warning,
        2 or 3 => Microsoft.Extensions.Logging.LogLevel.Information,
        _ => Microsoft.Extensions.Logging.LogLevel.Debug,
    };
}
