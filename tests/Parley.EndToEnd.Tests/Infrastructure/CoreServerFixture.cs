using System.Globalization;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>One parley with a UDP and a TCP socket on a free loopback port, shared by a test class.</summary>
public sealed class CoreServerFixture : IAsyncLifetime
{
    private ParleyProcess? _parley;

    public int Port { get; } = FreePorts.Next();

    internal ParleyProcess Process => _parley ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() =>
        _parley = await ParleyProcess.StartAsync(string.Create(CultureInfo.InvariantCulture, $"socket = udp:127.0.0.1:{Port}\nsocket = tcp:127.0.0.1:{Port}\nlog_level = 3\n"));

    public async Task DisposeAsync()
    {
        if (_parley is not null)
        {
            await _parley.DisposeAsync();
        }
    }
}
