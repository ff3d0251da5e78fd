namespace Parley.Benchmarks.Tests;

[CollectionDefinition(nameof(DialogMemoryTests), DisableParallelization = true)]
public sealed class DialogMemoryCollection
{
}

/// <summary>
/// Keeps a confirmed dialog within issue 6's memory goal (≤ 1 KiB beyond the SIP strings it must keep). Retained bytes
/// are deterministic where timings are not, so this runs in the normal suite, alone (it measures the whole heap); the
/// figure for README comes from <c>dotnet run -c Release --project bench/Parley.Benchmarks -- dialog-memory 100000</c>.
/// </summary>
[Collection(nameof(DialogMemoryTests))]
public class DialogMemoryTests
{
    [Fact]
    public void Measure_TwentyThousandConfirmedDialogs_StayWithinOneKibEach()
    {
        var result = DialogMemory.Measure(20_000);

        Assert.True(result.OverheadPerDialog <= 1024, $"{result.OverheadPerDialog:F0} bytes per confirmed dialog beyond its SIP strings (goal ≤ 1024)");
        Assert.InRange(result.StringsPerDialog, 600, 800);
    }
}
