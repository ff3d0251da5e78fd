using System.Diagnostics;
using System.Globalization;

namespace Parley.Management.Fifo;

/// <summary>
/// The few file-system calls .NET has no API for, done through the coreutils programs:
/// <c>mkfifo(3)</c> and <c>chown(2)</c>. (Calling libc needs <c>LibraryImport</c>, whose generated code needs unsafe blocks,
/// which this code base does not allow.)
/// </summary>
internal static class UnixFifo
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Creates a FIFO at <paramref name="path"/> with exactly <paramref name="mode"/> (then chmod, as OpenSIPS does).</summary>
    public static void Create(string path, int mode)
    {
        Run("mkfifo", "-m", Convert.ToString(mode, 8), "--", path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode);
        }
    }

    /// <summary>
    /// Changes owner and/or group the way OpenSIPS's <c>mi_fifo</c> resolves them: a user name sets the uid and the user's
    /// login group, a numeric user only the uid; a group (name or gid) then overrides the group.
    /// </summary>
    public static void ChangeOwner(string path, string? user, string? group)
    {
        var spec = OwnerSpec(user, group);
        if (spec is not null)
        {
            Run("chown", "--", spec, path);
        }
    }

    /// <summary>The <c>chown</c> OWNER[:GROUP] argument for <paramref name="user"/>/<paramref name="group"/>; null when neither is set.</summary>
    internal static string? OwnerSpec(string? user, string? group)
    {
        bool hasUser = !string.IsNullOrEmpty(user);
        bool hasGroup = !string.IsNullOrEmpty(group);
        if (!hasUser && !hasGroup)
        {
            return null;
        }

        if (!hasUser)
        {
            return ":" + group;
        }

        if (hasGroup)
        {
            return user + ":" + group;
        }

        bool numeric = int.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out _);
        return numeric ? user : user + ":";
    }

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(FindTool(tool))
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new IOException($"cannot run {tool}");
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill();
            throw new IOException($"{tool} did not finish within {ToolTimeout.TotalSeconds} s");
        }

        if (process.ExitCode != 0)
        {
            var message = errors.Wait(ToolTimeout) ? errors.Result.Trim() : string.Empty;
            throw new IOException($"{tool} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {message}");
        }
    }

    private static string FindTool(string name)
    {
        foreach (var directory in (ReadOnlySpan<string>)["/usr/bin", "/bin", "/usr/local/bin"])
        {
            var candidate = Path.Join(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return name;
    }
}
