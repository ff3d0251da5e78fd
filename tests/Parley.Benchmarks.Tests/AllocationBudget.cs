using System.Text.Json;

namespace Parley.Benchmarks.Tests;

/// <summary>Reads <c>bench/allocation-budget.json</c>: hot path name → the most bytes one operation may allocate.</summary>
internal static class AllocationBudget
{
    public const string RelativePath = "bench/allocation-budget.json";

    public static Dictionary<string, long> Load()
    {
        var path = Path.Combine(FindRepoRoot(), RelativePath);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<Dictionary<string, long>>(stream)
            ?? throw new InvalidOperationException($"{path} is empty.");
    }

    /// <summary>The directory holding Parley.slnx, found by walking up from the test's output directory.</summary>
    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Parley.slnx above {AppContext.BaseDirectory}: the budget file cannot be found.");
    }
}
