using System.Text;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class RobustnessTests
{
    private static readonly string[] Fragments =
    [
        "(", ")", "{", "}", "[", "]", ";", ",", ":", "\"", "'", "$", "$(", "/*", "*/", "#", "//", "\\",
        "if", "else", "route", "switch", "case", "default", "=", "==", "!", "&&", "0x", "\n", "@", "$var(", "{s.int}",
    ];

    private static List<string> Corpus()
    {
        var files = new List<string>();
        foreach (var folder in new[] { "seeds", "bad", "golden" })
        {
            files.AddRange(Directory.GetFiles(FixturePaths.Directory(folder), "*.cfg").Order(StringComparer.Ordinal).Select(File.ReadAllText));
        }

        return files;
    }

    private static void AssertParsesWithoutThrowing(string text)
    {
        var result = Parser.Parse(text, "fuzz.cfg");

        Assert.NotNull(result.Script);
        foreach (var d in result.Diagnostics)
        {
            Assert.True(d.Line >= 1 && d.Column >= 1, d.ToString());
        }
    }

    [Fact]
    public void Parse_EveryTruncationOfGoldenConfig_NeverThrows()
    {
        var text = File.ReadAllText(Path.Combine(FixturePaths.Directory("golden"), "opensips-mi.cfg"));

        for (var length = 0; length <= text.Length; length += 3)
        {
            AssertParsesWithoutThrowing(text[..length]);
        }
    }

    [Fact]
    public void Parse_RandomTruncationsAndMutationsOfFixtures_NeverThrow()
    {
        var random = new Random(20261122);
        var corpus = Corpus();
        var sb = new StringBuilder();

        for (var i = 0; i < 4000; i++)
        {
            var text = corpus[random.Next(corpus.Count)];
            sb.Clear().Append(text, 0, random.Next(text.Length + 1));
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations && sb.Length > 0; m++)
            {
                var at = random.Next(sb.Length);
                switch (random.Next(4))
                {
                    case 0:
                        sb.Remove(at, Math.Min(random.Next(1, 8), sb.Length - at));
                        break;
                    case 1:
                        sb.Insert(at, Fragments[random.Next(Fragments.Length)]);
                        break;
                    case 2:
                        sb[at] = (char)random.Next(32, 127);
                        break;
                    default:
                        var other = corpus[random.Next(corpus.Count)];
                        var start = random.Next(other.Length);
                        sb.Insert(at, other.AsSpan(start, Math.Min(random.Next(1, 40), other.Length - start)));
                        break;
                }
            }

            AssertParsesWithoutThrowing(sb.ToString());
        }
    }

    [Fact]
    public void Parse_DeeplyNestedInput_DiagnosticInsteadOfStackOverflow()
    {
        var text = "route { if (" + new string('(', 5000) + "1" + new string(')', 5000) + ") { " + new string('{', 5000) + " } }";

        var result = Parser.Parse(text, "deep.cfg");

        Assert.Contains(result.Diagnostics, d => d.Message.Contains("nested too deeply", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MixedDeepNestingAfterRecovery_NeverOverflows()
    {
        var text = "route { " + string.Concat(Enumerable.Repeat("if (1) { while ((!(", 4000)) + " }";

        var result = Parser.Parse(text, "deep.cfg");

        Assert.NotEmpty(result.Diagnostics);
    }

    [Fact]
    public void Parse_ManyUnaryOperators_DiagnosticInsteadOfStackOverflow()
    {
        var result = Parser.Parse("route { if (" + new string('!', 20000) + "a) exit; }", "deep.cfg");

        Assert.Contains(result.Diagnostics, d => d.Message.Contains("nested too deeply", StringComparison.Ordinal));
    }
}
