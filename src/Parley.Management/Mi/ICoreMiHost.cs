namespace Parley.Management.Mi;

/// <summary>One process/worker as listed by <c>ps</c> and <c>log_level</c>.</summary>
/// <param name="Id">OpenSIPS-style process index (0 = main/attendant).</param>
/// <param name="Pid">OS process id, or a worker identifier for in-process workers.</param>
/// <param name="Type">Description, e.g. "attendant", "UDP receiver udp:127.0.0.1:5060", "timer".</param>
/// <param name="LogLevel">The worker's current log level.</param>
public sealed record MiProcessInfo(int Id, int Pid, string Type, int LogLevel);

/// <summary>What the server supplies to the core MI commands.</summary>
public interface ICoreMiHost
{
    /// <summary>Text of <c>version</c>'s "Server" member (the Server header without "Server: "), e.g. "Parley 0.1.0 (x86_64/linux)".</summary>
    string ServerVersion { get; }

    /// <summary>When the server started.</summary>
    DateTimeOffset StartTime { get; }

    /// <summary>Clock and local time zone used by <c>uptime</c>.</summary>
    TimeProvider Time { get; }

    /// <summary>Running processes/workers (<c>ps</c>, <c>log_level</c>).</summary>
    IReadOnlyList<MiProcessInfo> Processes { get; }

    /// <summary>Working directory (<c>pwd</c>).</summary>
    string WorkingDirectory { get; }

    /// <summary>Command line, program name first (<c>arg</c>).</summary>
    IReadOnlyList<string> CommandLineArgs { get; }

    /// <summary>Sets the global log level (every worker).</summary>
    void SetGlobalLogLevel(int level);

    /// <summary>Sets one worker's log level; false when no process has <paramref name="pid"/>.</summary>
    bool TrySetProcessLogLevel(int pid, int level);
}
