using Parley.Protocol.Text;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Text;

public class AsciiTests
{
    private const string Alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Digits = "0123456789";

    [Fact]
    public void Classes_AllOctets_MatchRfc3261Definitions()
    {
        const string token = Alpha + Digits + "-.!%*_+`'~";
        for (var i = 0; i < 256; i++)
        {
            var b = (byte)i;
            var c = (char)i;
            Assert.Equal(token.Contains(c), Ascii.IsTokenChar(b));
            Assert.Equal(Alpha.Contains(c), Ascii.IsAlpha(b));
            Assert.Equal(Digits.Contains(c), Ascii.IsDigit(b));
            Assert.Equal((Alpha + Digits).Contains(c), Ascii.IsAlphaNumeric(b));
            Assert.Equal((Digits + "abcdefABCDEF").Contains(c), Ascii.IsHexDigit(b));
            Assert.Equal(c is ' ' or '\t', Ascii.IsWsp(b));
        }
    }

    [Fact]
    public void HexValue_AllOctets_DigitValueOrMinusOne()
    {
        for (var i = 0; i < 256; i++)
        {
            var expected = i switch
            {
                >= '0' and <= '9' => i - '0',
                >= 'a' and <= 'f' => i - 'a' + 10,
                >= 'A' and <= 'F' => i - 'A' + 10,
                _ => -1,
            };
            Assert.Equal(expected, Ascii.HexValue((byte)i));
        }
    }

    [Fact]
    public void ToLower_AllOctets_FoldsAsciiLettersOnly()
    {
        for (var i = 0; i < 256; i++)
        {
            var expected = i is >= 'A' and <= 'Z' ? i + 32 : i;
            Assert.Equal((byte)expected, Ascii.ToLower((byte)i));
        }
    }

    [Theory]
    [InlineData("INVITE", "invite", true)]
    [InlineData("Via", "vIA", true)]
    [InlineData("abc", "abd", false)]
    [InlineData("abc", "ab", false)]
    [InlineData("", "", true)]
    [InlineData("[", "{", false)]
    [InlineData("@", "`", false)]
    [InlineData("\xC0", "\xE0", false)]
    public void EqualsIgnoreCase_Pairs_FoldsOnlyLetters(string a, string b, bool expected) =>
        Assert.Equal(expected, Ascii.EqualsIgnoreCase(Bytes(a), Bytes(b)));

    [Theory]
    [InlineData("z9hG4bK-.!%*_+`'~", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("\"q\"", false)]
    public void IsToken_Inputs_MatchesGrammar(string text, bool expected) =>
        Assert.Equal(expected, Ascii.IsToken(Bytes(text)));

    [Theory]
    [InlineData("0", true, 0u)]
    [InlineData("0068", true, 68u)]
    [InlineData("4294967295", true, uint.MaxValue)]
    [InlineData("00000000004294967295", true, uint.MaxValue)]
    [InlineData("4294967296", false, 0u)]
    [InlineData("4294967300", false, 0u)]
    [InlineData("99999999999", false, 0u)]
    [InlineData("", false, 0u)]
    [InlineData("-1", false, 0u)]
    [InlineData("+1", false, 0u)]
    [InlineData(" 1", false, 0u)]
    [InlineData("1 ", false, 0u)]
    [InlineData("12a", false, 0u)]
    public void TryParseUInt32_Inputs_ParsesOrRejects(string text, bool ok, uint expected)
    {
        Assert.Equal(ok, Ascii.TryParseUInt32(Bytes(text), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("0", true, 0)]
    [InlineData("150", true, 150)]
    [InlineData("-999", true, -999)]
    [InlineData("2147483647", true, int.MaxValue)]
    [InlineData("-2147483648", true, int.MinValue)]
    [InlineData("2147483648", false, 0)]
    [InlineData("-2147483649", false, 0)]
    [InlineData("4294967301", false, 0)]
    [InlineData("-", false, 0)]
    [InlineData("--1", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("+5", false, 0)]
    public void TryParseInt32_Inputs_ParsesOrRejects(string text, bool ok, int expected)
    {
        Assert.Equal(ok, Ascii.TryParseInt32(Bytes(text), out var value));
        Assert.Equal(expected, value);
    }
}
