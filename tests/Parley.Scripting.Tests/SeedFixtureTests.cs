using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class SeedFixtureTests
{
    public static TheoryData<string> SeedFiles => FixturePaths.Files("seeds");

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void Parse_ManualExample_NoDiagnostics(string fileName)
    {
        var path = Path.Combine(FixturePaths.Directory("seeds"), fileName);

        var result = Parser.Parse(File.ReadAllText(path), fileName);

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.NotEmpty(result.Script.Declarations);
    }

    [Fact]
    public void Parse_GoldenOpensipsMiConfig_NoDiagnostics()
    {
        // A copy of /work/shared/golden/opensips-mi/opensips.cfg, the reference config OpenSIPS 3.6 runs.
        var path = Path.Combine(FixturePaths.Directory("golden"), "opensips-mi.cfg");

        var result = Parser.Parse(File.ReadAllText(path), "opensips.cfg");

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Equal(2, result.Script.Declarations.OfType<RouteBlock>().Count());
        Assert.Contains(result.Script.Declarations, d => d is GlobalParameter { Name: "socket", RawValue: "udp:127.0.0.1:35060" });
    }
}
