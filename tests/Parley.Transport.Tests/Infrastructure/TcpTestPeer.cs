using System.Net;
using System.Net.Sockets;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>A plain TCP server on loopback that the transport connects out to.</summary>
internal sealed class TcpTestPeer : IDisposable
{
    private readonly Socket _listener;

    public TcpTestPeer(IPAddress loopback)
    {
        _listener = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(loopback, 0));
        _listener.Listen(16);
        EndPoint = new SipEndPoint((IPEndPoint)_listener.LocalEndPoint!);
    }

    public SipEndPoint EndPoint { get; }

    /// <summary>True if a connection is waiting to be accepted right now.</summary>
    public bool HasPendingConnection => _listener.Poll(0, SelectMode.SelectRead);

    public async Task<TcpTestClient> AcceptAsync() =>
        new(await _listener.AcceptAsync().WaitAsync(TestTimeouts.Event));

    public void Dispose() => _listener.Dispose();
}
