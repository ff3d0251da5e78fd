using Microsoft.Extensions.Logging;

namespace Parley.Server;

/// <summary>
/// The log level as OpenSIPS numbers it (-3 alert … 4 debug), changeable while running (<c>log_level</c> global, MI
/// <c>log_level</c>): every logger of the server filters through <see cref="IsEnabled"/>.
/// </summary>
internal sealed class LogLevelSwitch(int level = 3)
{
    private int _level = level;

    public int Level
    {
        get => Volatile.Read(ref _level);
        set => Volatile.Write(ref _level, Math.Clamp(value, -3, 4));
    }

    public bool IsEnabled(LogLevel level) => level >= ToLogLevel(Level);

    /// <summary>OpenSIPS's scale mapped onto Microsoft.Extensions.Logging's.</summary>
    public static LogLevel ToLogLevel(int level) => level switch
    {
        <= -2 => LogLevel.Critical,
        -1 => LogLevel.Error,
        0 or 1 => LogLevel.Warning,
        2 or 3 => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
