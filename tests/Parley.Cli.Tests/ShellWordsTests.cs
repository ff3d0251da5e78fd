namespace Parley.Cli.Tests;

public class ShellWordsTests
{
    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("  ", new string[0])]
    [InlineData("", new string[0])]
    [InlineData("'a b' c", new[] { "a b", "c" })]
    [InlineData("\"a b\" c", new[] { "a b", "c" })]
    [InlineData("a\"b c\"d", new[] { "ab cd" })]
    [InlineData("''", new[] { "" })]
    [InlineData("a\\ b", new[] { "a b" })]
    [InlineData("'a\\b'", new[] { "a\\b" })]
    [InlineData("\"a\\\"b\"", new[] { "a\"b" })]
    [InlineData("\"a\\nb\"", new[] { "a\\nb" })]
    [InlineData("x\ty\nz", new[] { "x", "y", "z" })]
    public void Split_PosixShlexCases_MatchPython(string text, string[] expected)
    {
        Assert.Equal(expected, ShellWords.Split(text));
    }

    [Theory]
    [InlineData("'abc")]
    [InlineData("\"abc")]
    [InlineData("abc\\")]
    public void Split_Unterminated_ThrowsUsage(string text)
    {
        Assert.Throws<CliUsageException>(() => ShellWords.Split(text));
    }
}
