using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Parley.Transport.Tcp;

/// <summary>A listening TCP socket whose accept loop hands each new connection to the <see cref="TcpConnectionManager"/>.</summary>
internal sealed class TcpSipAcceptor : IDisposable
{
    // After a failed accept (e.g. out of file descriptors) wait a little so the loop does not spin on the error.
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly Socket _socket;
    private readonly TcpConnectionManager _manager;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    private TcpSipAcceptor(Socket socket, SipListener listener, TcpConnectionManager manager, ILogger logger, TimeProvider timeProvider)
    {
        _socket = socket;
        Listener = listener;
        _manager = manager;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public SipListener Listener { get; }

    public AddressFamily AddressFamily => _socket.AddressFamily;

    /// <summary>Creates, binds and starts listening; throws <see cref="SocketException"/> if the address cannot be bound.</summary>
    public static TcpSipAcceptor Bind(
        int listenerId,
        ListenAddress address,
        int backlog,
        TcpConnectionManager manager,
        ILogger logger,
        TimeProvider timeProvider)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // IPV6_V6ONLY: bind exactly what was configured, never IPv4 as mapped addresses.
                socket.DualMode = false;
            }

            if (!OperatingSystem.IsWindows())
            {
                // Lets a restarted server rebind while connections of the previous run sit in TIME_WAIT. (On Windows
                // SO_REUSEADDR would let another process steal the port, and rebinding works without it.)
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.Bind(address.EndPoint.ToIPEndPoint());
            socket.Listen(backlog);
            var local = new SipEndPoint((IPEndPoint)socket.LocalEndPoint!);
            return new TcpSipAcceptor(socket, new SipListener(listenerId, address, local), manager, logger, timeProvider);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Start() => _loop = Task.Run(AcceptLoopAsync);

    public Task StopAsync()
    {
        _stopping.Cancel();
        _socket.Dispose();
        return _loop;
    }

    /// <summary>Releases the socket and token source; call after <see cref="StopAsync"/> has completed, or instead of it if never started.</summary>
    public void Dispose()
    {
        _socket.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await _socket.AcceptAsync(token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                catch (SocketException ex)
                {
                    if (token.IsCancellationRequested)
                    {
                        break;
                    }

                    TransportLog.AcceptFailed(_logger, Listener, ex.SocketErrorCode);
                    await Task.Delay(AcceptRetryDelay, _timeProvider, token);
                    continue;
                }

                _manager.Accept(accepted, Listener);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped during the retry delay.
        }
        catch (Exception ex)
        {
            TransportLog.AcceptLoopCrashed(_logger, Listener, ex);
        }
    }
}
