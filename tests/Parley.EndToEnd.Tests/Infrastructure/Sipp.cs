using System.Diagnostics;
using System.Globalization;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the real <c>sipp</c> (Debian's sip-tester) against loopback, bounded by call count and wall time.</summary>
internal static class Sipp
{
    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    /// <summary>Runs sipp to completion; returns its exit code (0: every call succeeded) and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string scenario, int remotePort, string transport, int calls, int rate)
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

        using var process = Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
