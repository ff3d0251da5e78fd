using Parley.Protocol.Headers;

namespace Parley.Protocol.Tests;

/// <summary>Behaviour the hot-path optimisations must keep: the cached top Via, vectorised param-value and URI scans.</summary>
public class HotPathParsingTests
{
    [Fact]
    public void ValidateRequest_ThenTopVia_SameAsFreshParse()
    {
        var validated = SampleMessages.Parse(SampleMessages.Invite);
        Assert.Equal(ParseError.None, SipValidator.ValidateRequest(validated));
        var fresh = SampleMessages.Parse(SampleMessages.Invite);

        Assert.True(validated.TryGetTopVia(out var cached));
        Assert.True(fresh.TryGetTopVia(out var parsed));
        Assert.Equal(parsed.Value, cached.Value);
        Assert.Equal(parsed.Branch, cached.Branch);
        Assert.Equal(parsed.RportEnd, cached.RportEnd);
    }

    [Fact]
    public void Vias_FirstViaLineEmpty_TopViaStillInvalid()
    {
        var m = SampleMessages.Parse(
            "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n" +
            "Via: \r\n" +
            "Via: SIP/2.0/UDP client.atlanta.example.com;branch=z9hG4bK74bf9\r\n" +
            "Content-Length: 0\r\n\r\n");
        var vias = m.Vias;
        Assert.True(vias.MoveNext());

        // Only a value from the first Via line may fill the cache: TopVia means that line, which has none.
        Assert.False(m.TryGetTopVia(out _));
    }

    [Fact]
    public void ViaParse_ReceivedIPv6AndBranchAtEnd_ReadsWholeValues()
    {
        var m = SampleMessages.Parse(
            "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP [2001:db8::9]:5060;received=[2001:db8::1];branch=z9hG4bK-x.y_z~1\r\n" +
            "Content-Length: 0\r\n\r\n");
        var via = m.TopVia;
        Assert.Equal("[2001:db8::1]", m.GetString(via.Received));
        Assert.Equal("z9hG4bK-x.y_z~1", m.GetString(via.Branch));
    }

    [Fact]
    public void ViaParse_BranchBeforeComma_StopsAtComma()
    {
        var m = SampleMessages.Parse(
            "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,SIP/2.0/TCP b.example.com;branch=z9hG4bKb\r\n" +
            "Content-Length: 0\r\n\r\n");
        var branches = new List<string>();
        foreach (var via in m.Vias)
        {
            branches.Add(m.GetString(via.Branch));
        }

        Assert.Equal(["z9hG4bKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "z9hG4bKb"], branches);
    }

    [Theory]
    [InlineData("<sip:alice@atlanta.example.com >")]
    [InlineData("<sip:alice@atlanta.example.com;transport=udp\t>")]
    [InlineData("<sip:alice@atlanta.example.com;maddr=192.0.2.1 ;lr>")]
    public void NameAddressParse_WhitespaceInsideAngleBrackets_Fails(string value)
    {
        var bytes = SampleMessages.Bytes(value);
        var pos = 0;
        Assert.False(NameAddressParser.TryParse(bytes, ref pos, bytes.Length, list: false, allowStar: false, out _));
    }
}
