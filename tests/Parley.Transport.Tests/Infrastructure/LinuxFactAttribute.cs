namespace Parley.Transport.Tests.Infrastructure;

/// <summary>A fact that relies on Linux TCP behaviour; reported as skipped, with the reason, elsewhere.</summary>
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Relies on Linux dropping SYNs when a listener's accept queue is full.";
        }
    }
}
