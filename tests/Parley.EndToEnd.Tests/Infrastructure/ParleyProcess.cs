using System.Collections.Concurrent;
using System.Diagnostics;

namespace Parley.EndToEnd.Tests.Infrastructure;

/// <summary>A real <c>parley</c> process on loopback, started from a config text and killed by pid when disposed.</summary>
internal sealed class ParleyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _configPath;

    private ParleyProcess(Process process, string configPath)
    {
        _process = process;
        _configPath = configPath;
    }

    public int Pid => _process.Id;

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public static Task<ParleyProcess> StartAsync(string config, params string[] extraArgs) => StartWithEnvironmentAsync(config, null, extraArgs);

    /// <summary>As <see cref="StartAsync"/>, with environment variables set for the process (e.g. PARLEY_HOSTS_FILE).</summary>
    public static async Task<ParleyProcess> StartWithEnvironmentAsync(string config, IReadOnlyDictionary<string, string>? environment, params string[] extraArgs)
    {
        var path = Path.Combine(Path.GetTempPath(), $"parley-e2e-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(path, config);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepoPaths.ParleyDll);
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add(path);
        foreach (var a in extraArgs)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var parley = new ParleyProcess(process, path);
        process.OutputDataReceived += (_, e) => parley.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => parley.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(parley._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != parley._ready.Task)
        {
            var output = parley.Output;
            await parley.DisposeAsync();
            throw new InvalidOperationException("parley did not become ready:\n" + output);
        }

        return parley;
    }

    /// <summary>Runs <c>parley</c> with arguments to completion (for -c, -V, --help) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.ParleyDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>SIGKILL (a crash: no shutdown code runs), then wait until the process is gone.</summary>
    public async Task CrashAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then wait for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        File.Delete(_configPath);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (line.Contains("Parley ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
