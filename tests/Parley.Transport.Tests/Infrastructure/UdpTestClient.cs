using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>A UDP socket on loopback standing in for a remote SIP element.</summary>
internal sealed class UdpTestClient : IDisposable
{
    private readonly Socket _socket;

    public UdpTestClient(IPAddress loopback)
    {
        _socket = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(loopback, 0));
        LocalEndPoint = new SipEndPoint((IPEndPoint)_socket.LocalEndPoint!);
    }

    public SipEndPoint LocalEndPoint { get; }

    public Task SendAsync(string text, SipEndPoint destination) => SendAsync(Encoding.ASCII.GetBytes(text), destination);

    public async Task SendAsync(byte[] datagram, SipEndPoint destination) =>
        await _socket.SendToAsync(datagram, SocketFlags.None, destination.ToIPEndPoint()).WaitAsync(TestTimeouts.Event);

    /// <summary>Receives one datagram; returns its text and where it came from.</summary>
    public async Task<(string Text, SipEndPoint From)> ReceiveAsync()
    {
        var buffer = new byte[65536];
        var any = _socket.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any).WaitAsync(TestTimeouts.Event);
        return (Encoding.ASCII.GetString(buffer, 0, result.ReceivedBytes), new SipEndPoint((IPEndPoint)result.RemoteEndPoint));
    }

    public void Dispose() => _socket.Dispose();
}
