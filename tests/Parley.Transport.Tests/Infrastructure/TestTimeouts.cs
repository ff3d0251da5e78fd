namespace Parley.Transport.Tests.Infrastructure;

/// <summary>How long a test waits for something that should happen at once: generous, for a loaded 2-core box.</summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Event = TimeSpan.FromSeconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test if it does not within <see cref="Event"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Event);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }
}
