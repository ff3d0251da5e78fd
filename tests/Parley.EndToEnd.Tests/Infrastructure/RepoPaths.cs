namespace Parley.EndToEnd.Tests.Infrastructure;

internal static class RepoPaths
{
    /// <summary>The checkout root: the nearest directory above the test binaries that holds Parley.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shared/ folder that sits beside the checkout (../shared), as on every developer machine and in CI.</summary>
    public static string Shared
    {
        get
        {
            var shared = Path.GetFullPath(Path.Combine(Root, "..", "shared"));
            return Directory.Exists(shared) ? shared : throw new DirectoryNotFoundException($"shared/ was expected beside the checkout at {shared}.");
        }
    }

    public static string ParleyDll => Path.Combine(AppContext.BaseDirectory, "parley.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Parley.slnx not found above " + AppContext.BaseDirectory);
    }
}
