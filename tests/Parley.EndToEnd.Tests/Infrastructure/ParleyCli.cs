using System.Diagnostics;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>Runs the real <c>parley-cli</c> (built next to the tests) as a separate process.</summary>
internal static class ParleyCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "parley-cli.dll");

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Uri miUrl, params string[] args)
    {
        using var process = Start(miUrl, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(Uri miUrl, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add("--url");
        info.ArgumentList.Add(miUrl.ToString());
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
