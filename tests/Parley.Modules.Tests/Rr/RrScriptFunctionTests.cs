using Parley.Modules.Rr;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.Rr;

public class RrScriptFunctionTests
{
    private const string Invite = """
        INVITE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
        From: <sip:alice@example.com>;tag=abc
        To: <sip:bob@example.com>
        Call-ID: call-1@10.0.0.1
        CSeq: 1 INVITE
        Content-Length: 0


        """;

    private const string Bye = """
        BYE sip:bob@192.0.2.20:5062 SIP/2.0
        Route: <sip:10.0.0.10;lr;ftag=abc;nat=yes>, <sip:p2.example.com;lr>
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
        From: <sip:alice@example.com>;tag=abc
        To: <sip:bob@example.com>;tag=xyz
        Call-ID: call-1@10.0.0.1
        CSeq: 2 BYE
        Content-Length: 0


        """;

    private readonly ModuleTestKit _kit = new();
    private readonly RrModule _rr = new();

    [Fact]
    public void Register_AddsTheOpenSipsFunctionsWithTheirRouteTypes()
    {
        var registry = ModuleTestKit.Register(_rr);

        Assert.True(registry.TryGetFunction("loose_route", out var looseRoute));
        Assert.Equal(RouteMask.Request, looseRoute.AllowedIn);
        Assert.Equal("rr", looseRoute.Module);
        Assert.True(registry.TryGetFunction("record_route", out var recordRoute));
        Assert.Equal(RouteMask.Request | RouteMask.Branch | RouteMask.Failure, recordRoute.AllowedIn);
        Assert.Equal((0, 1), (recordRoute.MinArgs, recordRoute.MaxArgs));
        Assert.True(registry.TryGetFunction("record_route_preset", out var preset));
        Assert.Equal((1, 2), (preset.MinArgs, preset.MaxArgs));
        Assert.True(registry.TryGetFunction("add_rr_param", out _));
        Assert.True(registry.TryGetFunction("check_route_param", out var check));
        Assert.Equal(RouteMask.Request, check.AllowedIn);
        Assert.True(registry.TryGetFunction("is_direction", out _));
        Assert.True(registry.TryGetPseudoVariable("rr_params", out _));
    }

    [Fact]
    public void LooseRouteFunction_InDialogBye_ReturnsOneAndSetsDu()
    {
        var registry = ModuleTestKit.Register(_rr);
        var (body, _) = FakeBinder.Bind(registry, "loose_route");
        var ctx = _kit.Begin(Bye);

        Assert.Equal(1, body!(ctx));

        Assert.Equal("sip:p2.example.com;lr", ctx.DestinationUri);
    }

    [Fact]
    public void RecordRouteFunction_ConstantAndDynamicParameters_AreRecorded()
    {
        var registry = ModuleTestKit.Register(_rr);
        var (recordRoute, _) = FakeBinder.Bind(registry, "record_route", FakeBinder.Const(";nat=yes"));
        var (addParam, _) = FakeBinder.Bind(registry, "add_rr_param", FakeBinder.Dynamic(_ => ScriptValue.FromBytes("x;id=42"u8.ToArray(), 1, 6)));
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, recordRoute!(ctx));
        Assert.Equal(1, addParam!(ctx));
        Assert.Equal(-1, recordRoute(ctx));
        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp);

        Assert.Equal(["<sip:10.0.0.10;lr;ftag=abc;nat=yes;id=42>"], _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRouteFunction_WithoutArguments_Records()
    {
        var registry = ModuleTestKit.Register(_rr);
        var (body, _) = FakeBinder.Bind(registry, "record_route");
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, body!(ctx));

        Assert.True(_rr.IsRecordRouted(ctx));
    }

    [Fact]
    public void RecordRoutePresetFunction_DynamicAddress_IsEvaluatedPerMessage()
    {
        var registry = ModuleTestKit.Register(_rr);
        var (body, _) = FakeBinder.Bind(registry, "record_route_preset", FakeBinder.Dynamic(_ => ScriptValue.FromString("192.0.2.1:5080")), FakeBinder.Const("192.0.2.2"));
        var ctx = _kit.Begin(Invite);

        Assert.Equal(1, body!(ctx));
        _rr.WriteRecordRoutes(ctx, _kit.Editor, ModuleTestKit.Udp);

        Assert.Equal(["<sip:192.0.2.1:5080;ftag=abc;lr>", "<sip:192.0.2.2;ftag=abc;lr>"], _kit.OutputHeaders("Record-Route"));
    }

    [Fact]
    public void RecordRoutePresetFunction_TwoAddressesWithDoubleRrOff_IsACompileError()
    {
        ModuleTestKit.SetParameter(_rr, "enable_double_rr", ScriptValue.FromInt(0));
        var registry = ModuleTestKit.Register(_rr);

        var (body, errors) = FakeBinder.Bind(registry, "record_route_preset", FakeBinder.Const("1.2.3.4"), FakeBinder.Const("5.6.7.8"));

        Assert.Null(body);
        Assert.Contains("enable_double_rr", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckRouteParamFunction_AfterLooseRoute_MatchesTheRegex()
    {
        var registry = ModuleTestKit.Register(_rr);
        var (looseRoute, _) = FakeBinder.Bind(registry, "loose_route");
        var (nat, _) = FakeBinder.Bind(registry, "check_route_param", FakeBinder.Const("nat=yes"));
        var (other, _) = FakeBinder.Bind(registry, "check_route_param", FakeBinder.Const("nat=no"));
        var ctx = _kit.Begin(Bye);

        Assert.Equal(-1, nat!(ctx));
        looseRoute!(ctx);

        Assert.Equal(1, nat(ctx));
        Assert.Equal(-1, other!(ctx));
    }

    [Fact]
    public void CheckRouteParamFunction_BadRegex_IsACompileError()
    {
        var registry = ModuleTestKit.Register(_rr);

        var (body, errors) = FakeBinder.Bind(registry, "check_route_param", FakeBinder.Const("nat=(yes"));

        Assert.Null(body);
        Assert.Single(errors);
    }

    [Fact]
    public void IsDirectionFunction_DownstreamAndUpstream_FollowTheFtag()
    {
        var registry = ModuleTestKit.Register(_rr);
        var (looseRoute, _) = FakeBinder.Bind(registry, "loose_route");
        var (downstream, _) = FakeBinder.Bind(registry, "is_direction", FakeBinder.Const("downstream"));
        var (upstream, _) = FakeBinder.Bind(registry, "is_direction", FakeBinder.Const("UPSTREAM"));
        var ctx = _kit.Begin(Bye);
        looseRoute!(ctx);

        Assert.Equal(1, downstream!(ctx));
        Assert.Equal(-1, upstream!(ctx));
    }

    [Fact]
    public void IsDirectionFunction_UnknownDirection_IsACompileError()
    {
        var registry = ModuleTestKit.Register(_rr);

        var (body, errors) = FakeBinder.Bind(registry, "is_direction", FakeBinder.Const("sideways"));

        Assert.Null(body);
        Assert.Contains("sideways", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void IsDirectionFunction_AppendFromTagOff_IsACompileError()
    {
        ModuleTestKit.SetParameter(_rr, "append_fromtag", ScriptValue.FromInt(0));
        var registry = ModuleTestKit.Register(_rr);

        var (body, errors) = FakeBinder.Bind(registry, "is_direction", FakeBinder.Const("upstream"));

        Assert.Null(body);
        Assert.Contains("append_fromtag", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void RrParamsVariable_AfterLooseRoute_HoldsOurRouteParameters()
    {
        var registry = ModuleTestKit.Register(_rr);
        Assert.True(registry.TryGetPseudoVariable("rr_params", out var factory));
        var accessor = factory(null!)!;
        var ctx = _kit.Begin(Bye);

        Assert.True(accessor.Get(ctx).IsNull);
        _rr.LooseRoute(ctx);

        Assert.Equal("lr;ftag=abc;nat=yes", accessor.Get(ctx).AsString());
        Assert.Null(accessor.Set);
    }

    [Fact]
    public void BuiltInModules_Catalog_HasRrAndMaxfwd()
    {
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);

        Assert.True(catalog.TryCreate("rr", out var rr));
        Assert.IsType<RrModule>(rr);
        Assert.True(catalog.TryCreate("maxfwd", out var maxfwd));
        Assert.Equal("maxfwd", maxfwd.Name);
    }
}
