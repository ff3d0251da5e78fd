using System.Globalization;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_PrintsUsageWithEveryOption()
    {
        var (code, output) = await ParleyProcess.RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("-f, --config-file <FILE>", output, StringComparison.Ordinal);
        Assert.Contains("-c, --check", output, StringComparison.Ordinal);
        Assert.Contains("-V, --version", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var (code, output) = await ParleyProcess.RunAsync("-V");
        Assert.Equal(0, code);
        Assert.StartsWith("0.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ExampleConfig_IsValid()
    {
        var (code, output) = await ParleyProcess.RunAsync("-c", "-f", Path.Combine(RepoPaths.Root, "examples", "parley.cfg"));
        Assert.True(code == 0, output);
        Assert.Contains("configuration OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BadConfig_ListsEveryErrorWithPositionAndFails()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parley-bad-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(path, "socket = udp:127.0.0.1:5060\nudp_workers = 0\nfoo = bar\n");
        try
        {
            var (code, output) = await ParleyProcess.RunAsync("-c", "-f", path);
            Assert.Equal(1, code);
            Assert.Contains($"{path}:2:15: error: 'udp_workers' expects a whole number from 1 to 1024", output, StringComparison.Ordinal);
            Assert.Contains($"{path}:3:1: error: unknown global parameter 'foo'", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Run_BadConfig_RefusesToStart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parley-bad-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(path, "socket = udp:999.0.0.1:5060\n");
        try
        {
            var (code, output) = await ParleyProcess.RunAsync("-f", path);
            Assert.Equal(1, code);
            Assert.Contains($"{path}:1:10: error:", output, StringComparison.Ordinal);
            Assert.Contains("not started", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Run_PortAlreadyInUse_ExitsNonZeroNamingTheSocket()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var path = Path.Combine(Path.GetTempPath(), $"parley-busy-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(path, string.Create(CultureInfo.InvariantCulture, $"socket = tcp:127.0.0.1:{port}\n"));
        try
        {
            var (code, output) = await ParleyProcess.RunAsync("-f", path);
            Assert.Equal(2, code);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Cannot listen on tcp:127.0.0.1:{port}"), output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Sigterm_AfterMalformedTraffic_StopsCleanlyAndReportsTheCounts()
    {
        var port = FreePorts.Next();
        await using var parley = await ParleyProcess.StartAsync(string.Create(CultureInfo.InvariantCulture, $"socket = udp:127.0.0.1:{port}\nsocket = tcp:127.0.0.1:{port}\n"));
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var target = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        foreach (var reply in new[] { "bigcode", "scalarlg" })
        {
            await socket.SendToAsync(await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Shared, "testdata", "rfc4475", reply + ".dat")), System.Net.Sockets.SocketFlags.None, target);
        }

        // The answer proves the replies were read off the socket before it (one receive loop keeps datagram order); the
        // workers drain their queues before the "Stopped" line, so the counts it prints are final.
        var answer = await SipClient.UdpExchangeAsync(socket, target, await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Shared, "testdata", "rfc4475", "badvers.dat")), TimeSpan.FromSeconds(5));
        Assert.NotNull(answer);
        Assert.Equal(505, SipClient.StatusCode(answer));

        Assert.Equal(0, await parley.StopAsync());
        Assert.Contains("1 malformed requests refused, 2 malformed replies dropped", parley.Output, StringComparison.Ordinal);
    }
}
