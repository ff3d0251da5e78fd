using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// Each file in Fixtures/bad-configs is refused by <c>parley -c</c> with the <c>file:line:column: error: message</c>
/// its first line (<c># expect: line:col: message</c>) names, and the exit code says it failed.
/// </summary>
public sealed class BadConfigTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "bad-configs");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "bad-configs"), "*.cfg"))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Fixtures_ArePresent() => Assert.True(Directory.GetFiles(Folder, "*.cfg").Length >= 20);

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Check_BadConfig_ReportsExpectedPositionAndMessage(string name)
    {
        var path = Path.Combine(Folder, name);
        var first = (await File.ReadAllLinesAsync(path))[0];
        Assert.StartsWith("# expect: ", first, StringComparison.Ordinal);
        var expect = first["# expect: ".Length..];
        var colon = expect.IndexOf(": ", StringComparison.Ordinal);
        var expected = $"{path}:{expect[..colon]}: error: {expect[(colon + 2)..]}";

        var (code, output) = await ParleyProcess.RunAsync("-c", "-f", path);
        Assert.Equal(1, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
