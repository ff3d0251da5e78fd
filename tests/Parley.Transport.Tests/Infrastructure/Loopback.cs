using System.Net;
using System.Net.Sockets;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>Loopback facts of this host, probed once.</summary>
internal static class Loopback
{
    private static readonly Lazy<bool> IPv6Probe = new(ProbeIPv6);

    /// <summary>True if the OS supports IPv6 and a socket can actually bind [::1].</summary>
    public static bool IPv6Available => IPv6Probe.Value;

    private static bool ProbeIPv6()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
