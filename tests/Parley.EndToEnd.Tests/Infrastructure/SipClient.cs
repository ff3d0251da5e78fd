using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>Minimal raw SIP peers for end-to-end tests: send bytes, read whole responses.</summary>
internal static class SipClient
{
    public static async Task<string?> UdpExchangeAsync(Socket socket, IPEndPoint target, byte[] message, TimeSpan wait)
    {
        await socket.SendToAsync(message, SocketFlags.None, target);
        return await UdpReceiveAsync(socket, wait);
    }

    public static async Task<string?> UdpReceiveAsync(Socket socket, TimeSpan wait)
    {
        var buffer = new byte[65535];
        using var cts = new CancellationTokenSource(wait);
        try
        {
            var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Reads one response (headers and Content-Length body) from a stream, or null on timeout/close.</summary>
    public static async Task<string?> ReadStreamResponseAsync(NetworkStream stream, TimeSpan wait)
    {
        var data = new List<byte>();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                var text = Encoding.UTF8.GetString(data.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    return text[..(end + 4)];
                }

                var n = await stream.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    return data.Count == 0 ? null : text;
                }

                data.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return null;
        }
    }

    public static int StatusCode(string response) =>
        response.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(response.AsSpan(8, 3), provider: System.Globalization.CultureInfo.InvariantCulture) : -1;

    public static string StatusLine(string response) => response[..response.IndexOf("\r\n", StringComparison.Ordinal)];

    public static string Header(string response, string name)
    {
        foreach (var line in response.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        return "";
    }
}
