using System.Net;
using System.Net.Sockets;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>Finds loopback ports free for both UDP and TCP, so one port number serves both listeners.</summary>
internal static class FreePorts
{
    public static int Next()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken for UDP: try another
            }
        }

        throw new InvalidOperationException("No free loopback port found for UDP and TCP.");
    }
}
