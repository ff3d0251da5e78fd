using System.Diagnostics;
using System.Globalization;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the real <c>sipp</c> (Debian's sip-tester) against loopback, bounded by call count and wall time.</summary>
internal static class Sipp
{
    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    /// <summary>Runs sipp to completion; returns its exit code (0: every call succeeded) and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string scenario, int remotePort, string transport, int calls, int rate, params string[] extra)
    {
        var localPort = FreePorts.Next();
        var info = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // timeout(1) bounds the run: sipp's own -timeout does not stop a run stuck on calls (LOADTEST-NOTES.md).
        foreach (var arg in new[]
        {
            "120", "sipp", $"127.0.0.1:{remotePort}", "-sf", scenario, "-t", transport, "-i", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-r", rate.ToString(CultureInfo.InvariantCulture), "-buff_size", "4194304", "-recv_timeout", "10000",
            "-timeout", "90s", "-nostdin", "-trace_err", "-error_file", Path.Combine(Path.GetTempPath(), $"sipp-{localPort}-errors.log"),
        })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in extra)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The cumulative "Successful call" count of SIPp's final screen.</summary>
    public static int SuccessfulCalls(string output) => Counter(output, "Successful call");

    /// <summary>The cumulative "Failed call" count of SIPp's final screen.</summary>
    public static int FailedCalls(string output) => Counter(output, "Failed call");

    private static int Counter(string output, string name)
    {
        // "  Successful call        |        0                  |       20                 " — the last column is cumulative.
        string? line = null;
        foreach (var l in output.Split('\n'))
        {
            if (l.TrimStart().StartsWith(name, StringComparison.Ordinal))
            {
                line = l;
            }
        }

        Assert.True(line is not null, $"no '{name}' line in SIPp's output:\n{output}");
        return int.Parse(line.Split('|')[^1].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a built-in scenario (<c>-sn uac</c>) towards <paramref name="remotePort"/>; returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunBuiltInAsync(string scenario, int remotePort, string transport, int calls, int rate, string service = "service", params string[] extra)
    {
        var localPort = FreePorts.Next();
        var info = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var args = new List<string>
        {
            "120", "sipp", $"127.0.0.1:{remotePort}", "-sn", scenario, "-s", service, "-t", transport, "-i", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-r", rate.ToString(CultureInfo.InvariantCulture), "-buff_size", "4194304", "-recv_timeout", "10000",
            "-timeout", "90s", "-nostdin", "-trace_err", "-error_file", Path.Combine(Path.GetTempPath(), $"sipp-{localPort}-errors.log"),
        };
        args.AddRange(extra);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts <c>sipp -sn uas</c> on <paramref name="port"/> in the background; dispose stops it by pid.</summary>
    public static SippServer StartUas(int port, string transport) => new(port, transport, ["-sn", "uas"]);

    /// <summary>
    /// Starts a scenario file (<c>-sf</c>, e.g. <c>uas-rr.xml</c>) as the callee on <paramref name="port"/>; with
    /// <paramref name="calls"/> it exits by itself after that many calls, so <see cref="SippServer.WaitForExitAsync"/>
    /// tells whether every call succeeded on the callee's side too. Dispose stops it by pid.
    /// </summary>
    public static SippServer StartUasScenario(string scenario, int port, string transport, int? calls = null, params string[] extra)
    {
        var args = new List<string> { "-sf", scenario, "-recv_timeout", "10000" };
        args.AddRange(extra);
        if (calls is { } n)
        {
            args.AddRange(["-m", n.ToString(CultureInfo.InvariantCulture)]);
        }

        return new(port, transport, args);
    }

    /// <summary>As <see cref="StartUasScenario"/>, bound to another loopback address (127.0.0.2 …) of the same port.</summary>
    public static SippServer StartUasScenarioOn(string localIp, string scenario, int port, string transport, int calls)
    {
        var args = new List<string> { "-sf", scenario, "-recv_timeout", "10000", "-m", calls.ToString(CultureInfo.InvariantCulture) };
        return new(port, transport, args, localIp);
    }
}

/// <summary>A background SIPp UAS (the callee), killed with its process tree when disposed.</summary>
internal sealed class SippServer : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public SippServer(int port, string transport, IEnumerable<string> scenarioArgs, string localIp = "127.0.0.1")
    {
        Port = port;
        var info = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("300");
        info.ArgumentList.Add("sipp");
        foreach (var arg in scenarioArgs)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in new[]
        {
            "-t", transport, "-i", localIp, "-p", port.ToString(CultureInfo.InvariantCulture),
            "-buff_size", "4194304", "-nostdin", "-trace_err", "-error_file", Path.Combine(Path.GetTempPath(), $"sipp-uas-{localIp}-{port}-errors.log"),
        })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = _process.StandardError.ReadToEndAsync();
        WaitUntilBound(localIp, port, transport);
    }

    /// <summary>
    /// Returns once the callee's socket is bound (or after 10 s, or when SIPp exited), so a test does not send before
    /// the callee listens: on a loaded machine SIPp can take seconds to start, longer than a short fr_timeout.
    /// </summary>
    private void WaitUntilBound(string localIp, int port, string transport)
    {
        var tcp = transport.StartsWith('t');
        var tables = tcp ? new[] { "/proc/net/tcp" } : ["/proc/net/udp"];

        // /proc/net/{udp,tcp} show "0100007F:13C4": the IPv4 address in host (little-endian) byte order, the port in hex.
        var ip = System.Net.IPAddress.Parse(localIp).GetAddressBytes();
        Array.Reverse(ip);
        var suffix = Convert.ToHexString(ip) + ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
        {
            foreach (var table in tables)
            {
                if (!File.Exists(table))
                {
                    return; // not Linux: nothing to poll
                }

                foreach (var line in File.ReadLines(table))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 3 && fields[1].EndsWith(suffix, StringComparison.Ordinal) && (!tcp || fields[3] == "0A"))
                    {
                        return;
                    }
                }
            }

            Thread.Sleep(20);
        }
    }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    public string Output => _process.HasExited ? _stdout.Result + _stderr.Result : "(running)";

    /// <summary>Waits for the callee to exit by itself (it was started with a call count); null when it is still running at the timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdout, _stderr);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
