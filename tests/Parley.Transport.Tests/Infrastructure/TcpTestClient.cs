using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.Protocol.Framing;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>The far end of a TCP connection in a test: a raw socket with framed reads and timeouts.</summary>
internal sealed class TcpTestClient : IDisposable
{
    private readonly Socket _socket;
    private readonly SipStreamFramer _framer = new();
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;

    public TcpTestClient(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
    }

    public SipEndPoint LocalEndPoint => new((IPEndPoint)_socket.LocalEndPoint!);

    public SipEndPoint RemoteEndPoint => new((IPEndPoint)_socket.RemoteEndPoint!);

    public static async Task<TcpTestClient> ConnectAsync(SipEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server.ToIPEndPoint()).WaitAsync(TestTimeouts.Event);
            return new TcpTestClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None).AsTask().WaitAsync(TestTimeouts.Event);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; fails on timeout or if the connection ends first.</summary>
    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_pendingLength < count)
        {
            if (await ReceiveMoreAsync() == 0)
            {
                throw new InvalidOperationException($"Connection closed after {_pendingLength} of {count} bytes.");
            }
        }

        return Take(count);
    }

    /// <summary>Reads the next whole SIP message, framed the way the server frames.</summary>
    public async Task<string> ReadMessageAsync()
    {
        while (true)
        {
            var result = _framer.Frame(_pending.AsSpan(0, _pendingLength));
            if (result.Status == FramingStatus.Message)
            {
                var message = Take(result.Consumed);
                return Encoding.ASCII.GetString(message, result.Offset, result.Length);
            }

            Assert.Equal(FramingStatus.NeedMore, result.Status);
            if (await ReceiveMoreAsync() == 0)
            {
                throw new InvalidOperationException("Connection closed before a whole message arrived.");
            }
        }
    }

    /// <summary>Reads until the server closes (FIN or reset); returns everything that arrived first.</summary>
    public async Task<string> ReadUntilClosedAsync()
    {
        try
        {
            while (await ReceiveMoreAsync() > 0)
            {
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            // A reset is a close too.
        }

        return Encoding.ASCII.GetString(Take(_pendingLength));
    }

    /// <summary>Aborts the connection with a reset (SO_LINGER 0), as a crashed peer would.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Dispose();
    }

    public void Dispose() => _socket.Dispose();

    private async Task<int> ReceiveMoreAsync()
    {
        if (_pendingLength == _pending.Length)
        {
            Array.Resize(ref _pending, _pending.Length * 2);
        }

        int received = await _socket.ReceiveAsync(_pending.AsMemory(_pendingLength), SocketFlags.None).AsTask().WaitAsync(TestTimeouts.Event);
        _pendingLength += received;
        return received;
    }

    private byte[] Take(int count)
    {
        var taken = _pending.AsSpan(0, count).ToArray();
        _pending.AsSpan(count, _pendingLength - count).CopyTo(_pending);
        _pendingLength -= count;
        return taken;
    }
}
