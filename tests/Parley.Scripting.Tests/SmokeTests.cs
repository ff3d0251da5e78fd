using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Parse_EmptyScript_NoDiagnostics()
    {
        Assert.Empty(Parser.Parse(string.Empty).Diagnostics);
    }
}
