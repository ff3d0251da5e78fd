using System.Text;
using System.Text.RegularExpressions;
using Parley.Modules.Rr;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.Rr;

public class LooseRouteTests
{
    private const string Rest = """
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
        Max-Forwards: 70
        From: <sip:alice@example.com>;tag=abc
        To: <sip:bob@example.com>;tag=xyz
        Call-ID: call-1@10.0.0.1
        CSeq: 2 BYE
        Content-Length: 0


        """;

    private readonly ModuleTestKit _kit = new();
    private readonly RrModule _rr = new();

    [Fact]
    public void LooseRoute_NoRoute_ReturnsMinusOneAndChangesNothing()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\n" + Rest);

        Assert.Equal(-1, _rr.LooseRoute(ctx));

        Assert.Equal(0, _kit.Editor.EditCount);
        Assert.Null(ctx.DestinationUri);
        Assert.False(ctx.RequestUriChanged);
        Assert.True(_rr.GetRouteParameters(ctx).IsEmpty);
    }

    [Fact]
    public void LooseRoute_InDialogByeThroughDoubleRr_PopsBothOfOursAndSendsToTheNextLooseHop()
    {
        var ctx = Begin("""
            BYE sip:bob@192.0.2.20:5062 SIP/2.0
            Route: <sip:10.0.0.10;r2=on;lr;ftag=abc;did=1.2>, <sip:10.0.0.10;transport=tcp;r2=on;lr;ftag=abc;did=1.2>
            Route: <sip:p2.example.com;lr>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal(["<sip:p2.example.com;lr>"], _kit.OutputHeaders("Route"));
        Assert.Equal("sip:p2.example.com;lr", ctx.DestinationUri);
        Assert.Equal("BYE sip:bob@192.0.2.20:5062 SIP/2.0", _kit.OutputRequestLine());
        Assert.Same(ModuleTestKit.Tcp, ctx.ForcedSocket);
        Assert.Equal("r2=on;lr;ftag=abc;did=1.2", Encoding.UTF8.GetString(_rr.GetRouteParameters(ctx)));
    }

    [Fact]
    public void LooseRoute_DoubleRrAndNoFurtherRoute_RemovesTheHeaderAndKeepsTheRequestUri()
    {
        var ctx = Begin("""
            BYE sip:bob@192.0.2.20:5062 SIP/2.0
            Route: <sip:10.0.0.10;transport=tcp;r2=on;lr;ftag=abc>
            Route: <sip:10.0.0.10;r2=on;lr;ftag=abc>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Empty(_kit.OutputHeaders("Route"));
        Assert.Null(ctx.DestinationUri);
        Assert.False(ctx.RequestUriChanged);
        Assert.Same(ModuleTestKit.Udp, ctx.ForcedSocket);
    }

    [Fact]
    public void LooseRoute_R2RouteFollowedByAForeignRoute_PopsOnlyOurs()
    {
        var ctx = Begin("""
            BYE sip:bob@192.0.2.20:5062 SIP/2.0
            Route: <sip:10.0.0.10;r2=on;lr>, <sip:p2.example.com;lr>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal(["<sip:p2.example.com;lr>"], _kit.OutputHeaders("Route"));
        Assert.Equal("sip:p2.example.com;lr", ctx.DestinationUri);
        Assert.Null(ctx.ForcedSocket);
    }

    [Fact]
    public void LooseRoute_DoubleRrDisabled_PopsOnlyTheFirst()
    {
        ModuleTestKit.SetParameter(_rr, "enable_double_rr", ScriptValue.FromInt(0));
        var ctx = Begin("""
            BYE sip:bob@192.0.2.20:5062 SIP/2.0
            Route: <sip:10.0.0.10;r2=on;lr>, <sip:10.0.0.10;transport=tcp;r2=on;lr>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal(["<sip:10.0.0.10;transport=tcp;r2=on;lr>"], _kit.OutputHeaders("Route"));
        Assert.Equal("sip:10.0.0.10;transport=tcp;r2=on;lr", ctx.DestinationUri);
    }

    [Fact]
    public void LooseRoute_OnlyOurRouteOnRequestWithoutToTag_RemovesItAndReturnsMinusOne()
    {
        var ctx = Begin("""
            INVITE sip:bob@example.com SIP/2.0
            Route: <sip:10.0.0.10;lr>
            Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
            Max-Forwards: 70
            From: <sip:alice@example.com>;tag=abc
            To: <sip:bob@example.com>
            Call-ID: call-1@10.0.0.1
            CSeq: 1 INVITE
            Content-Length: 0


            """);

        Assert.Equal(-1, _rr.LooseRoute(ctx));

        Assert.Empty(_kit.OutputHeaders("Route"));
        Assert.Null(ctx.DestinationUri);
        Assert.Equal("lr", Encoding.UTF8.GetString(_rr.GetRouteParameters(ctx)));
    }

    [Fact]
    public void LooseRoute_OnlyOurRouteInDialog_RemovesItAndReturnsOne()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10:5060;lr;ftag=abc>\n" + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Empty(_kit.OutputHeaders("Route"));
        Assert.Null(ctx.DestinationUri);
        Assert.Equal("BYE sip:bob@192.0.2.20:5062 SIP/2.0", _kit.OutputRequestLine());
    }

    [Fact]
    public void LooseRoute_TopRouteNotOurs_SendsToItAndKeepsIt()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:other.example.com;lr;ftag=zzz>\n" + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal(0, _kit.Editor.EditCount);
        Assert.Equal("sip:other.example.com;lr;ftag=zzz", ctx.DestinationUri);
        Assert.True(_rr.GetRouteParameters(ctx).IsEmpty);
    }

    [Fact]
    public void LooseRoute_OurPortDiffers_RouteIsNotOurs()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10:5099;lr>\n" + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal(["<sip:10.0.0.10:5099;lr>"], _kit.OutputHeaders("Route"));
        Assert.Equal("sip:10.0.0.10:5099;lr", ctx.DestinationUri);
    }

    [Fact]
    public void LooseRoute_StrictNextHop_PutsTheRequestUriLastAndTheRouteInTheRequestUri()
    {
        var ctx = Begin("""
            BYE sip:bob@192.0.2.20:5062 SIP/2.0
            Route: <sip:10.0.0.10;lr>, <sip:strict.example.com>, <sip:p3.example.com;lr>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("BYE sip:strict.example.com SIP/2.0", _kit.OutputRequestLine());
        Assert.Equal(["<sip:p3.example.com;lr>", "<sip:bob@192.0.2.20:5062>"], _kit.OutputHeaders("Route"));
        Assert.Null(ctx.DestinationUri);
    }

    [Fact]
    public void LooseRoute_StrictNextHopAfterScriptChangedRequestUri_AppendsTheCurrentOne()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:strict.example.com>\n" + Rest);
        ctx.SetRequestUri("sip:bob@192.0.2.30");

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("BYE sip:strict.example.com SIP/2.0", _kit.OutputRequestLine());
        Assert.Equal(["<sip:bob@192.0.2.30>"], _kit.OutputHeaders("Route"));
    }

    [Fact]
    public void LooseRoute_PreviousHopWasAStrictRouter_RestoresTheRemoteTargetFromTheLastRoute()
    {
        var ctx = Begin("""
            BYE sip:10.0.0.10;lr;ftag=abc SIP/2.0
            Route: <sip:p2.example.com;lr>
            Route: <sip:bob@192.0.2.20:5062>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("BYE sip:bob@192.0.2.20:5062 SIP/2.0", _kit.OutputRequestLine());
        Assert.Equal(["<sip:p2.example.com;lr>"], _kit.OutputHeaders("Route"));
        Assert.Equal("sip:p2.example.com;lr", ctx.DestinationUri);
        Assert.Equal("lr;ftag=abc", Encoding.UTF8.GetString(_rr.GetRouteParameters(ctx)));
    }

    [Fact]
    public void LooseRoute_PreviousHopStrictWithDoubleRr_PopsOurSecondRouteAndRoutesStrictly()
    {
        var ctx = Begin("""
            BYE sip:10.0.0.10;r2=on;lr;ftag=abc SIP/2.0
            Route: <sip:10.0.0.10;transport=tcp;r2=on;lr;ftag=abc>, <sip:bob@192.0.2.20:5062>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("BYE sip:bob@192.0.2.20:5062 SIP/2.0", _kit.OutputRequestLine());
        Assert.Empty(_kit.OutputHeaders("Route"));
        Assert.Null(ctx.DestinationUri);
        Assert.Same(ModuleTestKit.Tcp, ctx.ForcedSocket);
    }

    [Fact]
    public void LooseRoute_PreviousAndNextHopsStrict_ActsAsAStrictRouter()
    {
        var ctx = Begin("""
            BYE sip:10.0.0.10;lr SIP/2.0
            Route: <sip:strict2.example.com>, <sip:bob@192.0.2.20:5062>

            """ + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("BYE sip:strict2.example.com SIP/2.0", _kit.OutputRequestLine());
        Assert.Equal(["<sip:bob@192.0.2.20:5062>"], _kit.OutputHeaders("Route"));
        Assert.Null(ctx.DestinationUri);
    }

    [Fact]
    public void LooseRoute_OurRequestUriWithoutToTag_IsNotTheStrictCase()
    {
        var ctx = Begin("""
            OPTIONS sip:10.0.0.10 SIP/2.0
            Route: <sip:p2.example.com;lr>
            Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
            From: <sip:alice@example.com>;tag=abc
            To: <sip:10.0.0.10>
            Call-ID: call-2@10.0.0.1
            CSeq: 1 OPTIONS
            Content-Length: 0


            """);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("OPTIONS sip:10.0.0.10 SIP/2.0", _kit.OutputRequestLine());
        Assert.Equal("sip:p2.example.com;lr", ctx.DestinationUri);
    }

    [Fact]
    public void LooseRoute_NextHopWithMaddr_SendsToTheMaddr()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr>, <sip:p2.example.com:5070;maddr=192.0.2.99;lr>\n" + Rest);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("sip:192.0.2.99:5070", ctx.DestinationUri);
    }

    [Fact]
    public void LooseRoute_MalformedRoute_ReturnsMinusOne()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: sip:nobrackets.example.com;lr\n" + Rest);

        Assert.Equal(-1, _rr.LooseRoute(ctx));
    }

    [Fact]
    public void LooseRoute_AliasHost_IsOurs()
    {
        var kit = new ModuleTestKit();
        var host = new ProxyHost(kit.Listeners, new NullSender(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
        {
            Aliases = [new HostAlias("proxy.example.com", 0)],
        };
        var ctx = ScriptContext.CreateStandalone(host);
        var message = Parse("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:proxy.example.com;lr>, <sip:p2.example.com;lr>\n" + Rest);
        var editor = new Parley.Protocol.Writing.SipMessageEditor();
        editor.Reset(message);
        ctx.Begin(message, editor, default, Parley.Scripting.Syntax.RouteType.Request);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal("sip:p2.example.com;lr", ctx.DestinationUri);
        Assert.Equal(1, editor.EditCount);
    }

    [Fact]
    public void LooseRoute_OurRoute_RunsCallbacksWithItsParameters()
    {
        var seen = new List<string>();
        _rr.RegisterLooseRouteCallback((_, p) => seen.Add(Encoding.UTF8.GetString(p.Span)));
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr;ftag=abc;did=3a.4b>\n" + Rest);

        _rr.LooseRoute(ctx);

        Assert.Equal(["lr;ftag=abc;did=3a.4b"], seen);
    }

    [Fact]
    public void LooseRoute_ForeignRoute_RunsCallbacksWithNoParameters()
    {
        var seen = new List<int>();
        _rr.RegisterLooseRouteCallback((_, p) => seen.Add(p.Length));
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:other.example.com;lr;did=1.1>\n" + Rest);

        _rr.LooseRoute(ctx);

        Assert.Equal([0], seen);
    }

    [Fact]
    public void LooseRoute_NoRoute_RunsNoCallback()
    {
        var calls = 0;
        _rr.RegisterLooseRouteCallback((_, _) => calls++);
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\n" + Rest);

        _rr.LooseRoute(ctx);

        Assert.Equal(0, calls);
    }

    [Fact]
    public void TryGetRouteParameter_AfterLooseRoute_FindsValuesAndBareNames()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr;ftag=abc;did=3a.4b;nat>\n" + Rest);
        _rr.LooseRoute(ctx);

        Assert.True(_rr.TryGetRouteParameter(ctx, "did"u8, out var did));
        Assert.Equal("3a.4b", Encoding.UTF8.GetString(did));
        Assert.True(_rr.TryGetRouteParameter(ctx, "NAT"u8, out var nat));
        Assert.True(nat.IsEmpty);
        Assert.False(_rr.TryGetRouteParameter(ctx, "missing"u8, out _));
    }

    [Fact]
    public void RouteParameters_NextMessage_AreForgotten()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr;ftag=abc>\n" + Rest);
        _rr.LooseRoute(ctx);

        ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\n" + Rest);

        Assert.True(_rr.GetRouteParameters(ctx).IsEmpty);
        Assert.False(_rr.TryGetRouteParameter(ctx, "ftag"u8, out _));
    }

    [Theory]
    [InlineData("abc", RrDirection.Downstream)]
    [InlineData("xyz", RrDirection.Upstream)]
    public void IsDirection_FtagComparedWithFromTag_GivesTheDirection(string fromTag, RrDirection expected)
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr;ftag=abc>\n" + Rest.Replace("tag=abc", "tag=" + fromTag, StringComparison.Ordinal));
        _rr.LooseRoute(ctx);

        Assert.Equal(expected, _rr.GetDirection(ctx));
        Assert.True(_rr.IsDirection(ctx, expected));
        Assert.False(_rr.IsDirection(ctx, expected == RrDirection.Upstream ? RrDirection.Downstream : RrDirection.Upstream));
    }

    [Fact]
    public void IsDirection_NoFtag_IsDownstream()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr>\n" + Rest);
        _rr.LooseRoute(ctx);

        Assert.Equal(RrDirection.Downstream, _rr.GetDirection(ctx));
    }

    [Fact]
    public void CheckRouteParam_AfterLooseRoute_MatchesTheParametersWithTheirLeadingSemicolon()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:10.0.0.10;lr;ftag=abc;nat=yes>\n" + Rest);
        _rr.LooseRoute(ctx);

        Assert.True(_rr.CheckRouteParam(ctx, new Regex("nat=yes")));
        Assert.True(_rr.CheckRouteParam(ctx, new Regex("^;lr;")));
        Assert.False(_rr.CheckRouteParam(ctx, new Regex("nat=no")));
    }

    [Fact]
    public void CheckRouteParam_WithoutOurRoute_IsFalse()
    {
        var ctx = Begin("BYE sip:bob@192.0.2.20:5062 SIP/2.0\nRoute: <sip:other.example.com;lr;nat=yes>\n" + Rest);
        _rr.LooseRoute(ctx);

        Assert.False(_rr.CheckRouteParam(ctx, new Regex("nat=yes")));
    }

    private ScriptContext Begin(string text) => _kit.Begin(text);

    private static Parley.Protocol.SipMessage Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
        var message = new Parley.Protocol.SipMessage();
        Parley.Protocol.SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true);
        return message;
    }

    private sealed class NullSender : ISipSender
    {
        public void Send(Parley.Transport.SipListener? from, Parley.Protocol.SipTransport transport, Parley.Transport.SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
        {
        }
    }
}
