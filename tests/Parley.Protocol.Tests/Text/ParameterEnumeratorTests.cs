using Parley.Protocol.Text;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Text;

public class ParameterEnumeratorTests
{
    /// <summary>Renders every parameter as name[=value] joined by "|", then "!" and the error if one stopped it.</summary>
    private static string Render(string section, ParameterSyntax syntax, out int position)
    {
        var text = Bytes(section);
        var parts = new List<string>();
        var e = new ParameterEnumerator(text, syntax);
        while (e.MoveNext())
        {
            var p = e.Current;
            parts.Add(p.HasValue ? $"{Str(text, p.Name)}={Str(text, p.Value)}" : Str(text, p.Name));
        }

        position = e.Position;
        var rendered = string.Join("|", parts);
        return e.Error == ParameterError.None ? rendered : $"{rendered}!{e.Error}";
    }

    private static string Render(string section, ParameterSyntax syntax) => Render(section, syntax, out _);

    [Theory]
    [InlineData("", "")]
    [InlineData(";lr", "lr")]
    [InlineData(";transport=tcp;lr;ttl=15", "transport=tcp|lr|ttl=15")]
    [InlineData(";maddr=[2001:db8::1];x=a/b:c&d+e$f", "maddr=[2001:db8::1]|x=a/b:c&d+e$f")]
    [InlineData(";%6C%72;n%61me=v%61lue%25%34%31", "%6C%72|n%61me=v%61lue%25%34%31")]
    [InlineData(";lr;unknownwith=value;unknown-no-value", "lr|unknownwith=value|unknown-no-value")]
    public void MoveNext_UriSyntax_YieldsRawNamesAndValues(string section, string expected) =>
        Assert.Equal(expected, Render(section, ParameterSyntax.Uri));

    [Theory]
    [InlineData(";", "!EmptyName")]
    [InlineData(";;lr", "!EmptyName")]
    [InlineData(";lr;", "lr!EmptyName")]
    [InlineData("; lr", "!EmptyName")]
    [InlineData(";lr ", "lr!UnexpectedCharacter")]
    [InlineData(";a=", "!MissingValue")]
    [InlineData(";=b", "!EmptyName")]
    [InlineData(";a=b=c", "a=b!UnexpectedCharacter")]
    [InlineData(";a=%zz", "!BadEscape")]
    [InlineData(";a%4=b", "!BadEscape")]
    [InlineData("lr", "!UnexpectedCharacter")]
    [InlineData(";a=\"q\"", "!MissingValue")]
    [InlineData(";a,b", "a!UnexpectedCharacter")]
    public void MoveNext_UriSyntaxErrors_StopWithError(string section, string expected) =>
        Assert.Equal(expected, Render(section, ParameterSyntax.Uri));

    [Theory]
    [InlineData(" ;   tag    = 1918181833n", "tag=1918181833n")]
    [InlineData("\r\n  ;\r\n  tag = 98asjd8", "tag=98asjd8")]
    [InlineData(" ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", "newparam=newvalue|secondparam|q=0.33")]
    [InlineData(";branch=z9hG4bK-.!%66*_+`'~", "branch=z9hG4bK-.!%66*_+`'~")]
    [InlineData(";received=2001:db8::9:1;rport", "received=2001:db8::9:1|rport")]
    [InlineData(";maddr=[2001:db8::1];ttl=1", "maddr=[2001:db8::1]|ttl=1")]
    [InlineData(";tag=abc;x=\"a;b,c \\\" d\"", "tag=abc|x=\"a;b,c \\\" d\"")]
    [InlineData(";p=\"\xD1\x80\xD0\xB0\"", "p=\"\xD1\x80\xD0\xB0\"")]
    [InlineData(";p=\"folded\r\n value\"", "p=\"folded\r\n value\"")]
    [InlineData("  ", "")]
    public void MoveNext_HeaderSyntax_AllowsSwsTokensHostsAndQuotedStrings(string section, string expected) =>
        Assert.Equal(expected, Render(section, ParameterSyntax.Header));

    [Fact]
    public void MoveNext_HeaderSyntaxTopLevelComma_StopsCleanlyAtComma()
    {
        const string section = "  ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0";
        Assert.Equal("branch=z9hG4bK9ikj8", Render(section, ParameterSyntax.Header, out var position));
        Assert.Equal(section.IndexOf(',', StringComparison.Ordinal), position);
    }

    [Fact]
    public void MoveNext_HeaderSyntaxCommaInsideQuotes_IsPartOfValue()
    {
        Assert.Equal("a=\"x,y\"|b", Render(";a=\"x,y\";b, next", ParameterSyntax.Header, out var position));
        Assert.Equal(10, position);
    }

    [Theory]
    [InlineData(";;,;,,", "!EmptyName")] // RFC 4475 §3.1.2.1 Via
    [InlineData(";;;;", "!EmptyName")] // RFC 4475 §3.1.2.1 Contact
    [InlineData(";a=", "!MissingValue")]
    [InlineData(";a= ;b", "!MissingValue")]
    [InlineData(";a=\"open", "!BadQuotedString")]
    [InlineData(";a=\"bad\x01\"", "!BadQuotedString")]
    [InlineData(";a=\"bare\rcr\"", "!BadQuotedString")]
    [InlineData(";a=\"ends in backslash\\", "!BadQuotedString")]
    [InlineData(";maddr=[zz::1]", "!BadValue")]
    [InlineData(";maddr=[::1", "!BadValue")]
    [InlineData(";a=b c", "a=b!UnexpectedCharacter")]
    [InlineData(";a\r\nb", "a!UnexpectedCharacter")]
    [InlineData("x;a", "!UnexpectedCharacter")]
    [InlineData("; <", "!EmptyName")]
    public void MoveNext_HeaderSyntaxErrors_StopWithError(string section, string expected) =>
        Assert.Equal(expected, Render(section, ParameterSyntax.Header));

    [Fact]
    public void Current_QuotedValue_FlagsQuotedAndKeepsQuotes()
    {
        var text = Bytes(";x=\"v\";y=w");
        var e = new ParameterEnumerator(text, ParameterSyntax.Header);
        Assert.True(e.MoveNext());
        Assert.True(e.Current.IsQuoted);
        Assert.Equal("\"v\"", Str(text, e.Current.Value));
        Assert.True(e.MoveNext());
        Assert.False(e.Current.IsQuoted);
        Assert.False(e.MoveNext());
        Assert.Equal(ParameterError.None, e.Error);
        Assert.Equal(text.Length, e.Position);
    }

    [Fact]
    public void Validate_WellFormedAndMalformed_ReportsErrorAndEnd()
    {
        Assert.True(ParameterEnumerator.Validate(Bytes(";a=1;b"), ParameterSyntax.Uri, out var error, out var end));
        Assert.Equal(ParameterError.None, error);
        Assert.Equal(6, end);

        Assert.False(ParameterEnumerator.Validate(Bytes(";a=1;;b"), ParameterSyntax.Uri, out error, out end));
        Assert.Equal(ParameterError.EmptyName, error);
        Assert.Equal(5, end);
    }

    [Fact]
    public void Offset_ValuedAndValueless_ShiftsOnlyPresentRanges()
    {
        var p = new Parameter(new ByteRange(1, 2), new ByteRange(4, 3), HasValue: true, IsQuoted: false).Offset(10);
        Assert.Equal(new ByteRange(11, 2), p.Name);
        Assert.Equal(new ByteRange(14, 3), p.Value);

        var q = new Parameter(new ByteRange(1, 2), default, HasValue: false, IsQuoted: false).Offset(10);
        Assert.Equal(default, q.Value);
    }

    [Fact]
    public void MoveNext_RandomInput_NeverThrowsAndStaysInBounds()
    {
        var random = new Random(4475);
        const string alphabet = ";=\",[]:\\ \t\r\nab1%-.";
        var buffer = new byte[40];
        for (var n = 0; n < 20_000; n++)
        {
            var length = random.Next(buffer.Length + 1);
            for (var i = 0; i < length; i++)
            {
                buffer[i] = random.Next(8) == 0 ? (byte)random.Next(256) : (byte)alphabet[random.Next(alphabet.Length)];
            }

            var text = buffer.AsSpan(0, length);
            foreach (var syntax in new[] { ParameterSyntax.Uri, ParameterSyntax.Header })
            {
                var e = new ParameterEnumerator(text, syntax);
                var guard = 0;
                while (e.MoveNext())
                {
                    var p = e.Current;
                    Assert.InRange(p.Name.Start, 0, length);
                    Assert.InRange(p.Name.End, p.Name.Start + 1, length);
                    Assert.InRange(p.Value.End, 0, length);
                    Assert.True(++guard <= length);
                }

                Assert.InRange(e.Position, 0, length);
            }
        }
    }
}
