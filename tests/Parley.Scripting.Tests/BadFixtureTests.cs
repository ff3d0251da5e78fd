using System.Text.RegularExpressions;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed partial class BadFixtureTests
{
    public static TheoryData<string> BadFiles => FixturePaths.Files("bad");

    [GeneratedRegex(@"^# expect: (?<line>\d+):(?<column>\d+): (?<message>.+)$")]
    private static partial Regex ExpectLine();

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Parse_BrokenConfig_ReportsExpectedDiagnostic(string fileName)
    {
        var text = File.ReadAllText(Path.Combine(FixturePaths.Directory("bad"), fileName));
        var match = ExpectLine().Match(text.Split('\n')[0]);
        Assert.True(match.Success, $"{fileName} must start with '# expect: <line>:<col>: <message substring>'");
        var line = int.Parse(match.Groups["line"].Value);
        var column = int.Parse(match.Groups["column"].Value);
        var message = match.Groups["message"].Value;

        var result = Parser.Parse(text, fileName);

        var all = string.Join('\n', result.Diagnostics);
        Assert.True(
            result.Diagnostics.Any(d => d.Line == line && d.Column == column && d.Message.Contains(message, StringComparison.Ordinal)),
            $"expected {line}:{column}: {message}\nactual:\n{all}");
        Assert.All(result.Diagnostics, d => Assert.StartsWith($"{fileName}:{d.Line}:{d.Column}: error: ", d.ToString()));
    }

    [Fact]
    public void Parse_SeveralErrors_AllCollectedInOrder()
    {
        var result = Parser.Parse("route {\n  a(;\n  b(;\n}\nfoo_route { }\n", "m.cfg");

        Assert.Equal([2, 3, 5], result.Diagnostics.Select(d => d.Line));
    }

    [Fact]
    public void ToString_Diagnostic_CompilerStyle()
    {
        var d = new ScriptDiagnostic("opensips.cfg", 12, 5, "'else' without 'if'", "else");

        Assert.Equal("opensips.cfg:12:5: error: 'else' without 'if' (at 'else')", d.ToString());
    }
}
