namespace Parley.Benchmarks;

/// <summary>One measured hot path: the name used in results and in <c>bench/allocation-budget.json</c>, and one operation.</summary>
/// <param name="Name">The key of the path in the allocation budget.</param>
/// <param name="Run">One operation; returns a value that depends on the work so nothing is optimised away.</param>
/// <param name="Expected">What <paramref name="Run"/> returns when the path did all its work correctly.</param>
public sealed record HotPath(string Name, Func<int> Run, int Expected);
