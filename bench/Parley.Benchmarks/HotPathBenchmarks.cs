using BenchmarkDotNet.Attributes;

namespace Parley.Benchmarks;

/// <summary>The per-message hot paths of <see cref="HotPaths"/>; the allocation-budget test runs the same methods.</summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class HotPathBenchmarks
{
    private HotPaths _paths = null!;

    [GlobalSetup]
    public void Setup() => _paths = new HotPaths();

    [Benchmark(Description = HotPaths.ParseInviteName)]
    public int ParseInvite() => _paths.ParseInvite();

    [Benchmark(Description = HotPaths.ParseOkName)]
    public int ParseOk() => _paths.ParseOk();

    [Benchmark(Description = HotPaths.ParseManyViasName)]
    public int ParseManyVias() => _paths.ParseManyVias();

    [Benchmark(Description = HotPaths.ProxyEditWriteName)]
    public int ProxyEditWrite() => _paths.ProxyEditWrite();

    [Benchmark(Description = HotPaths.Write100TryingName)]
    public int Write100Trying() => _paths.Write100Trying();

    [Benchmark(Description = HotPaths.ScriptDispatchName)]
    public int ScriptDispatch() => _paths.ScriptDispatch();
}
