using Parley.Modules.Rr;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.Rr;

public class RecordRouteTests
{
    private const string Invite = """
        INVITE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
        Max-Forwards: 70
        Record-Route: <sip:p1.example.com;lr>
        From: "Alice" <sip:alice@example.com>;tag=abc
        To: <sip:bob@example.com>
        Call-ID: call-1@10.0.0.1
        CSeq: 1 INVITE
        Content-Length: 0


        """;

    private readonly ModuleTestKit _kit = new();
    private readonly RrModule _rr = new();

    [Fact]
    public void RecordRoute_SameInterfaceBothWays_WritesOneAboveTheExistingOnes()
    {
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, _rr.RecordRoute(ctx));
        Assert.Equal(1, _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp));

        Assert.Equal(["<sip:10.0.0.10;lr;ftag=abc>", "<sip:p1.example.com;lr>"], _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRoute_NotCalled_HookWritesNothing()
    {
        var ctx = _kit.Begin(Invite);
        _rr.AddRecordRouteParam(ctx, ";nat=yes");

        Assert.Equal(0, _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp));

        Assert.Equal(0, _kit.Editor.EditCount);
    }

    [Fact]
    public void RecordRoute_TransportChanges_WritesTwoWithR2AndTheOutboundOnTop()
    {
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx);

        Assert.Equal(2, _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Tcp));

        Assert.Equal(
            ["<sip:10.0.0.10;transport=tcp;r2=on;lr;ftag=abc>", "<sip:10.0.0.10;r2=on;lr;ftag=abc>", "<sip:p1.example.com;lr>"],
            _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRoute_AddressAndPortChange_WritesBothAddresses()
    {
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx);

        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.UdpOther);

        Assert.Equal(
            ["<sip:192.168.1.10:5070;r2=on;lr;ftag=abc>", "<sip:10.0.0.10;r2=on;lr;ftag=abc>", "<sip:p1.example.com;lr>"],
            _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRouteCount_PerOutboundSocket_MatchesWhatIsWritten()
    {
        var ctx = _kit.Begin(Invite);
        Assert.Equal(0, _rr.RecordRouteCount(ctx, ModuleTestKit.Tcp));
        _rr.RecordRoute(ctx);

        Assert.Equal(1, _rr.RecordRouteCount(ctx, ModuleTestKit.Udp));
        Assert.Equal(2, _rr.RecordRouteCount(ctx, ModuleTestKit.Tcp));
    }

    [Fact]
    public void RecordRoute_DoubleRrDisabled_WritesOnlyTheOutboundInterface()
    {
        ModuleTestKit.SetParameter(_rr, "enable_double_rr", ScriptValue.FromInt(0));
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx);

        Assert.Equal(1, _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Tcp));

        Assert.Equal(["<sip:10.0.0.10;transport=tcp;lr;ftag=abc>", "<sip:p1.example.com;lr>"], _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRoute_IPv6Listener_WritesTheAddressInBrackets()
    {
        var v6 = ModuleTestKit.Listener(0, "udp:[2001:db8::10]:5062");
        var kit = new ModuleTestKit(v6);
        var ctx = kit.Begin(Invite, v6);
        _rr.RecordRoute(ctx);

        _rr.WriteRecordRoutes(ctx, kit.Editor, v6);

        Assert.Equal("<sip:[2001:db8::10]:5062;lr;ftag=abc>", kit.OutputHeaders("Record-Route")[0]);
    }

    [Fact]
    public void RecordRoute_WithParametersAndAddRrParamBeforeAndAfter_AppendsThemAllAfterTheFtag()
    {
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, _rr.AddRecordRouteParam(ctx, ";before=1"));
        Assert.Equal(1, _rr.RecordRoute(ctx, ";nat=yes"));
        Assert.Equal(1, _rr.AddRecordRouteParam(ctx, "after=2"));
        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Tcp);

        Assert.Equal(
            ["<sip:10.0.0.10;transport=tcp;r2=on;lr;ftag=abc;nat=yes;before=1;after=2>", "<sip:10.0.0.10;r2=on;lr;ftag=abc;nat=yes;before=1;after=2>"],
            _kit.OutputHeaders("Record-Route")[..2]);
    }

    [Fact]
    public void RecordRoute_CalledTwice_FailsTheSecondTime()
    {
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, _rr.RecordRoute(ctx));
        Assert.Equal(-1, _rr.RecordRoute(ctx));
        Assert.Equal(-1, _rr.RecordRoutePreset(ctx, "1.2.3.4"));
    }

    [Fact]
    public void RecordRoute_AppendFromTagOff_LeavesOutTheFtag()
    {
        ModuleTestKit.SetParameter(_rr, "append_fromtag", ScriptValue.FromInt(0));
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx);

        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp);

        Assert.Equal("<sip:10.0.0.10;lr>", _kit.OutputHeaders("Record-Route")[0]);
    }

    [Fact]
    public void RecordRoute_AddUsernameAndFullLr_WritesUserAndLrOn()
    {
        ModuleTestKit.SetParameter(_rr, "add_username", ScriptValue.FromInt(1));
        ModuleTestKit.SetParameter(_rr, "enable_full_lr", ScriptValue.FromInt(1));
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx);

        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp);

        Assert.Equal("<sip:bob@10.0.0.10;lr=on;ftag=abc>", _kit.OutputHeaders("Record-Route")[0]);
    }

    [Fact]
    public void RecordRoutePreset_OneAddress_WritesItWithFtagLrAndParams()
    {
        var ctx = _kit.Begin(Invite);
        _rr.AddRecordRouteParam(ctx, ";did=1.2");

        Assert.Equal(1, _rr.RecordRoutePreset(ctx, "1.2.3.4:5090"));
        Assert.Equal(1, _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Tcp));

        Assert.Equal(["<sip:1.2.3.4:5090;ftag=abc;lr;did=1.2>", "<sip:p1.example.com;lr>"], _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRoutePreset_TwoAddresses_WritesTheFirstOnTop()
    {
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, _rr.RecordRoutePreset(ctx, "1.2.3.4;r2=on", "sip:5.6.7.8;r2=on"));
        Assert.Equal(2, _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp));

        Assert.Equal(["<sip:1.2.3.4;r2=on;ftag=abc;lr>", "<sip:5.6.7.8;r2=on;ftag=abc;lr>", "<sip:p1.example.com;lr>"], _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRoutePreset_TwoAddressesWithoutDoubleRr_Fails()
    {
        ModuleTestKit.SetParameter(_rr, "enable_double_rr", ScriptValue.FromInt(0));
        var ctx = _kit.Begin(Invite);

        Assert.Equal(-1, _rr.RecordRoutePreset(ctx, "1.2.3.4", "5.6.7.8"));
        Assert.False(_rr.IsRecordRouted(ctx));
    }

    [Fact]
    public void RecordRoute_NextMessage_StartsClean()
    {
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx, ";nat=yes");
        _rr.AddRecordRouteParam(ctx, ";x=1");

        ctx = _kit.Begin(Invite);

        Assert.False(_rr.IsRecordRouted(ctx));
        Assert.Equal(1, _rr.RecordRoute(ctx));
        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp);
        Assert.Equal("<sip:10.0.0.10;lr;ftag=abc>", _kit.OutputHeaders("Record-Route")[0]);
    }

    [Fact]
    public void ForwardHook_RegisteredWithTheScript_WritesTheRecordRoute()
    {
        var registry = ModuleTestKit.Register(_rr);
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx);

        var hook = Assert.Single(registry.ForwardHooks);
        hook.BeforeForward(ctx, _kit.Editor, ModuleTestKit.Udp);

        Assert.Equal("<sip:10.0.0.10;lr;ftag=abc>", _kit.OutputHeaders("Record-Route")[0]);
    }

    [Fact]
    public void DoubleRecordRoute_RoundTrip_LooseRouteOfTheCalleesByeRemovesBoth()
    {
        // The INVITE comes in on UDP and leaves on TCP: two Record-Routes.
        var ctx = _kit.Begin(Invite);
        _rr.RecordRoute(ctx, ";did=7.8");
        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Tcp);
        var recorded = _kit.OutputHeaders("Record-Route");

        // The callee's route set is the Record-Route list in order (RFC 3261 §12.1.1); it arrives over TCP.
        var bye = $"""
            BYE sip:alice@10.0.0.1:5062 SIP/2.0
            Via: SIP/2.0/TCP 192.0.2.20:5062;branch=z9hG4bKbye
            Route: {string.Join(", ", recorded)}
            From: <sip:bob@example.com>;tag=xyz
            To: "Alice" <sip:alice@example.com>;tag=abc
            Call-ID: call-1@10.0.0.1
            CSeq: 1 BYE
            Content-Length: 0


            """;
        ctx = _kit.Begin(bye, ModuleTestKit.Tcp);

        Assert.Equal(1, _rr.LooseRoute(ctx));

        Assert.Equal(["<sip:p1.example.com;lr>"], _kit.OutputHeaders("Route"));
        Assert.Equal("sip:p1.example.com;lr", ctx.DestinationUri);
        Assert.Same(ModuleTestKit.Udp, ctx.ForcedSocket);
        Assert.Equal(RrDirection.Upstream, _rr.GetDirection(ctx));
        Assert.True(_rr.TryGetRouteParameter(ctx, "did"u8, out var did));
        Assert.Equal("7.8"u8.ToArray(), did.ToArray());
    }
}
