using System.Net;

namespace Parley.Transport;

/// <summary>Looks up the A and AAAA records of a host name. Behind an interface so tests need no DNS.</summary>
public interface IHostResolver
{
    /// <summary>
    /// Addresses of <paramref name="hostName"/>, in the order to try them. Fails with
    /// <see cref="System.Net.Sockets.SocketException"/> when the name does not resolve.
    /// </summary>
    ValueTask<IPAddress[]> ResolveAsync(string hostName, CancellationToken cancellationToken);
}
