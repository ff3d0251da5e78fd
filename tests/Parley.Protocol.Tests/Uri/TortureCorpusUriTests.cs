using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

/// <summary>
/// Every URI in a Request-URI, To, From or Contact of the RFC 4475 messages whose manifest class is VALID or
/// SEMANTIC-APP must parse. The corpus lives in ../shared/testdata/rfc4475 beside the checkout.
/// </summary>
public class TortureCorpusUriTests
{
    private static string CorpusDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
            {
                var corpus = Path.Combine(dir.FullName, "..", "shared", "testdata", "rfc4475");
                Assert.True(Directory.Exists(corpus), $"RFC 4475 corpus not found at {corpus}");
                return corpus;
            }
        }

        throw new DirectoryNotFoundException("Parley.slnx not found above the test binaries");
    }

    public static TheoryData<string> ParseableFiles()
    {
        var data = new TheoryData<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(CorpusDirectory(), "manifest.tsv")))
        {
            var columns = line.Split('\t');
            if (columns.Length > 3 && columns[3] is "VALID" or "SEMANTIC-APP")
            {
                data.Add(columns[0]);
            }
        }

        return data;
    }

    /// <summary>Unfolds header lines, then cuts the URIs out of the request line and the To/From/Contact values.</summary>
    private static List<string> ExtractUris(byte[] message)
    {
        var text = Str(message);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = new List<string>();
        foreach (var raw in (headerEnd < 0 ? text : text[..headerEnd]).Split("\r\n"))
        {
            if (lines.Count > 0 && raw.Length > 0 && raw[0] is ' ' or '\t')
            {
                lines[^1] += " " + raw.Trim();
            }
            else
            {
                lines.Add(raw);
            }
        }

        var uris = new List<string>();
        var start = lines[0].Split(' ');
        if (!start[0].StartsWith("SIP/", StringComparison.Ordinal))
        {
            uris.Add(start[1]);
        }

        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var name = line[..colon].Trim().ToUpperInvariant();
            if (name is not ("TO" or "T" or "FROM" or "F" or "CONTACT" or "M"))
            {
                continue;
            }

            foreach (var value in SplitTopLevel(line[(colon + 1)..]))
            {
                var lt = IndexOutsideQuotes(value, '<');
                if (lt >= 0)
                {
                    uris.Add(value[(lt + 1)..value.IndexOf('>', lt)]);
                }
                else
                {
                    // addr-spec without <>: the ";" parameters belong to the header (RFC 3261 §20.10).
                    var semi = value.IndexOf(';', StringComparison.Ordinal);
                    uris.Add((semi < 0 ? value : value[..semi]).Trim());
                }
            }
        }

        return uris;
    }

    private static int IndexOutsideQuotes(string s, char c)
    {
        var quoted = false;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && quoted)
            {
                i++;
            }
            else if (s[i] == '"')
            {
                quoted = !quoted;
            }
            else if (s[i] == c && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<string> SplitTopLevel(string value)
    {
        bool quoted = false, bracketed = false;
        var from = 0;
        for (var i = 0; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '\\' when quoted: i++; break;
                case '"' when !bracketed: quoted = !quoted; break;
                case '<' when !quoted: bracketed = true; break;
                case '>' when !quoted: bracketed = false; break;
                case ',' when !quoted && !bracketed:
                    yield return value[from..i].Trim();
                    from = i + 1;
                    break;
            }
        }

        if (value[from..].Trim().Length > 0)
        {
            yield return value[from..].Trim();
        }
    }

    [Theory]
    [MemberData(nameof(ParseableFiles))]
    public void TryParse_UrisOfValidAndSemanticAppMessages_AllParse(string file)
    {
        var uris = ExtractUris(File.ReadAllBytes(Path.Combine(CorpusDirectory(), file)));
        Assert.NotEmpty(uris);
        foreach (var uri in uris)
        {
            var text = Bytes(uri);
            Assert.True(SipUri.TryParse(text, out var parsed, out var error), $"{file}: {uri} -> {error}");
            Assert.True(SipUri.Equivalent(text, parsed, text, parsed));
        }
    }

    [Fact]
    public void ExtractUris_AllParseableFiles_FindsTheUrisTheRfcTalksAbout()
    {
        var all = new HashSet<string>();
        foreach (var row in ParseableFiles())
        {
            all.UnionWith(ExtractUris(File.ReadAllBytes(Path.Combine(CorpusDirectory(), row))));
        }

        Assert.Contains("sip:vivekg@chair-dnrc.example.com;unknownparam", all);
        Assert.Contains("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com", all);
        Assert.Contains("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", all);
        Assert.Contains("sip:%00%00@host5.example.com", all);
        Assert.Contains("sip:user;par=u%40example.net@example.com", all);
        Assert.Contains("nobodyKnowsThisScheme:totallyopaquecontent", all);
        Assert.Contains("soap.beep://192.0.2.103:3002", all);
        Assert.Contains("isbn:2983792873", all);
        Assert.Contains("http://www.example.com", all);
        Assert.Contains("name:John_Smith", all);
        Assert.Contains("sip:user@example.com?Route=%3Csip:sip.example.com%3E", all);
        Assert.Contains("sip:+19725552222@gw1.example.net;unknownparam", all);
        Assert.True(all.Count > 40, $"only {all.Count} distinct URIs extracted");
    }

    [Theory]
    [InlineData("unkscm.dat", UriScheme.Unknown)]
    [InlineData("novelsc.dat", UriScheme.Unknown)]
    [InlineData("semiuri.dat", UriScheme.Sip)]
    public void TryParse_RequestUriOfSemanticCases_HasExpectedScheme(string file, UriScheme scheme)
    {
        var text = Bytes(ExtractUris(File.ReadAllBytes(Path.Combine(CorpusDirectory(), file)))[0]);
        Assert.True(SipUri.TryParse(text, out var uri, out _));
        Assert.Equal(scheme, uri.Scheme);
    }

    [Theory]
    [InlineData("lwsruri.dat", "sip:user@example.com;", UriError.BadParameter)] // request line split at SP
    [InlineData("ltgtruri.dat", "<sip:user@example.com>", UriError.BadScheme)]
    public void TryParse_RequestUriOfInvalidCases_Rejected(string file, string requestUri, UriError expected)
    {
        var firstLine = Str(File.ReadAllBytes(Path.Combine(CorpusDirectory(), file))).Split("\r\n")[0];
        Assert.Equal(requestUri, firstLine.Split(' ')[1]);
        Assert.False(SipUri.TryParse(Bytes(requestUri), out _, out var error));
        Assert.Equal(expected, error);
    }
}
