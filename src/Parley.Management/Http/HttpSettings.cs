namespace Parley.Management.Http;

/// <summary>
/// The embedded HTTP server's settings, as OpenSIPS's modules name them: <c>httpd</c> (<c>ip</c>, <c>port</c>),
/// <c>mi_http</c> (<c>root</c>) and <c>prometheus</c> (<c>root</c>).
/// </summary>
public sealed class HttpSettings
{
    /// <summary>OpenSIPS httpd's default: loopback only; any other address is the operator's explicit choice.</summary>
    public const string DefaultIp = "127.0.0.1";

    public const int DefaultPort = 8888;

    /// <summary>Set when <c>httpd</c> is loaded: the server then listens.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>modparam("httpd", "ip", …)</c>: an IPv4/IPv6 address, or <c>*</c> for every interface.</summary>
    public string Ip { get; set; } = DefaultIp;

    /// <summary><c>modparam("httpd", "port", …)</c>; 0 picks a free port (tests).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The JSON-RPC path (<c>modparam("mi_http", "root", …)</c>, default <c>mi</c>); null when mi_http is not loaded.</summary>
    public string? MiRoot { get; set; }

    /// <summary>The Prometheus path (default <c>metrics</c>, <c>modparam("prometheus", "root", …)</c>); served whenever httpd is.</summary>
    public string MetricsRoot { get; set; } = "metrics";

    /// <summary>Largest request body accepted (an MI request is small; a bigger one is refused with 413).</summary>
    public long MaxRequestBodySize { get; set; } = 1 << 20;
}
