using Microsoft.Extensions.Logging;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;

namespace Parley.Server;

/// <summary>Runs each <c>timer_route[name, seconds]</c> every interval, one at a time on a context of their own.</summary>
internal static partial class ScriptTimers
{
    public static Task RunAsync(CompiledScript script, ScriptPipeline pipeline, ILogger logger, CancellationToken cancellationToken)
    {
        if (script.TimerRoutes.Count == 0)
        {
            return Task.CompletedTask;
        }

        var gate = new SemaphoreSlim(1, 1);
        var loops = new List<Task>();
        foreach (var route in script.TimerRoutes)
        {
            if (ScriptCompiler.TimerInterval(route.Options, out var seconds))
            {
                loops.Add(RunOneAsync(route, TimeSpan.FromSeconds(seconds), pipeline, gate, logger, cancellationToken));
            }
        }

        return Task.WhenAll(loops);
    }

    private static async Task RunOneAsync(RouteHandle route, TimeSpan interval, ScriptPipeline pipeline, SemaphoreSlim gate, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    pipeline.RunTimer(route);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    LogTimerFailed(logger, route.Name ?? "", e);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Error, Message = "timer_route[{Name}] failed")]
    private static partial void LogTimerFailed(ILogger logger, string name, Exception exception);
}
