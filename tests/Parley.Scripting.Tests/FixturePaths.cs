namespace Parley.Scripting.Tests;

/// <summary>Locates fixture files copied next to the test assembly.</summary>
internal static class FixturePaths
{
    public static string Directory(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static TheoryData<string> Files(string name)
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(Directory(name), "*.cfg").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }
}
