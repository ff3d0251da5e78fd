using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

public class UriEscapingTests
{
    [Theory]
    [InlineData("%61lice", "alice", false, true)]
    [InlineData("%61lice", "ALICE", false, false)]
    [InlineData("%61lice", "ALICE", true, true)]
    [InlineData("%4a", "%4A", false, true)]
    [InlineData("%41", "A", false, true)]
    [InlineData("%41", "a", false, false)]
    [InlineData("value%2541", "value%41", false, false)]
    [InlineData("value%2541", "valueA", true, false)]
    [InlineData("v%61lue%25%34%31", "value%2541", false, true)]
    [InlineData("null-%00-null", "null-%00-null", false, true)]
    [InlineData("null-%00-null", "null-%00-nulx", false, false)]
    [InlineData("%00", "%00%00", false, false)]
    [InlineData("a%3Bb", "a;b", false, false)]
    [InlineData("a%3bb", "a%3Bb", false, true)]
    [InlineData("sips%3Auser%40example.com", "sips:user@example.com", false, false)]
    [InlineData("I%20have%20spaces", "I have spaces", false, true)]
    [InlineData("", "", false, true)]
    [InlineData("a", "", false, false)]
    public void EscapedEquals_Pairs_DecodesOnceAndKeepsReservedEscaped(string a, string b, bool ignoreCase, bool expected)
    {
        Assert.Equal(expected, UriEscaping.EscapedEquals(Bytes(a), Bytes(b), ignoreCase));
        Assert.Equal(expected, UriEscaping.EscapedEquals(Bytes(b), Bytes(a), ignoreCase));
    }

    [Theory]
    [InlineData("%6C%72", "lr", true)]
    [InlineData("%6c%52", "lr", true)]
    [InlineData("Transport", "transport", true)]
    [InlineData("transpor", "transport", false)]
    [InlineData("transports", "transport", false)]
    public void EscapedEqualsLiteral_Names_MatchCaseInsensitively(string escaped, string literal, bool expected) =>
        Assert.Equal(expected, UriEscaping.EscapedEqualsLiteral(Bytes(escaped), Bytes(literal), ignoreCase: true));

    [Theory]
    [InlineData("user%3Bpar%3Du%40example.net", "user;par=u@example.net")]
    [InlineData("%2541", "%41")]
    [InlineData("a%00b", "a\0b")]
    [InlineData("bad%zzescape%4", "bad%zzescape%4")]
    [InlineData("", "")]
    public void TryUnescape_Input_DecodesEachEscapeOnce(string escaped, string expected)
    {
        var source = Bytes(escaped);
        var destination = new byte[source.Length];
        Assert.True(UriEscaping.TryUnescape(source, destination, out var written));
        Assert.Equal(expected, Str(destination.AsSpan(0, written)));
        Assert.Equal(expected.Length, UriEscaping.UnescapedLength(source));
    }

    [Fact]
    public void TryUnescape_DestinationTooSmall_ReturnsFalse() =>
        Assert.False(UriEscaping.TryUnescape(Bytes("abc"), new byte[2], out _));
}
