namespace Parley.Transport.Tests.Infrastructure;

/// <summary>
/// A fact that needs [::1]. Where the host has no IPv6 loopback the test is reported as skipped, with the reason, in
/// the run's output: visible, not silently passed.
/// </summary>
internal sealed class IPv6FactAttribute : FactAttribute
{
    public IPv6FactAttribute()
    {
        if (!Loopback.IPv6Available)
        {
            Skip = "IPv6 loopback [::1] is not available on this host (Socket.OSSupportsIPv6 is false or binding ::1 failed).";
        }
    }
}
