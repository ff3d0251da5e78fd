using System.Net;

namespace Parley.Transport;

/// <summary>
/// <see cref="IHostResolver"/> over <see cref="Dns"/> (the OS resolver: getaddrinfo, so /etc/hosts applies and the
/// addresses come sorted by RFC 6724 preference). Results are not cached here.
/// </summary>
public sealed class DnsHostResolver : IHostResolver
{
    public static DnsHostResolver Instance { get; } = new();

    public async ValueTask<IPAddress[]> ResolveAsync(string hostName, CancellationToken cancellationToken) =>
        await Dns.GetHostAddressesAsync(hostName, cancellationToken);
}
