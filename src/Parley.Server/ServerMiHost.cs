using System.Runtime.InteropServices;
using Parley.Management.Mi;

namespace Parley.Server;

/// <summary>
/// What the running server tells the core MI commands. Parley is one process whose workers are threads, so <c>ps</c>
/// lists the roles (workers, receivers, timer, HTTP, event delivery) under the process id, and a per-process
/// <c>log_level</c> for that id sets the level of the whole process.
/// </summary>
internal sealed class ServerMiHost(LogLevelSwitch levels, IReadOnlyList<string> commandLine, TimeProvider time) : ICoreMiHost
{
    private IReadOnlyList<string> _roles = ["attendant"];

    public string ServerVersion { get; } =
        $"Parley ({ParleyCommand.Version} ({RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}/{RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant()}))";

    public DateTimeOffset StartTime { get; } = time.GetUtcNow();

    public TimeProvider Time => time;

    public string WorkingDirectory => Environment.CurrentDirectory;

    public IReadOnlyList<string> CommandLineArgs => commandLine;

    /// <summary>The roles <c>ps</c> lists, set once the server has started its parts.</summary>
    public void SetRoles(IReadOnlyList<string> roles) => Volatile.Write(ref _roles, roles);

    public IReadOnlyList<MiProcessInfo> Processes
    {
        get
        {
            var roles = Volatile.Read(ref _roles);
            var level = levels.Level;
            var list = new List<MiProcessInfo>(roles.Count);
            for (var i = 0; i < roles.Count; i++)
            {
                list.Add(new MiProcessInfo(i, Environment.ProcessId, roles[i], level));
            }

            return list;
        }
    }

    public void SetGlobalLogLevel(int level) => levels.Level = level;

    public bool TrySetProcessLogLevel(int pid, int level)
    {
        if (pid != Environment.ProcessId)
        {
            return false;
        }

        levels.Level = level;
        return true;
    }
}
