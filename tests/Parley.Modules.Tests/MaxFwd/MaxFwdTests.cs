using Parley.Modules.MaxFwd;
using Parley.Modules.Tests.Rr;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.MaxFwd;

public class MaxFwdTests
{
    private const string Request = """
        OPTIONS sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
        MAXFWD
        From: <sip:alice@example.com>;tag=abc
        To: <sip:bob@example.com>
        Call-ID: call-1@10.0.0.1
        CSeq: 1 OPTIONS
        Content-Length: 0


        """;

    private readonly ModuleTestKit _kit = new();
    private readonly MaxFwdModule _mf = new();

    [Fact]
    public void ProcessMaxForwards_Absent_AddsTheHeaderAndReturnsTwo()
    {
        var ctx = Begin(null);

        Assert.Equal(2, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(["10"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessMaxForwards_Present_DecrementsAndReturnsOne()
    {
        var ctx = Begin("70");

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(["69"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessMaxForwards_ValueWithSurroundingSpace_ReplacesOnlyTheNumber()
    {
        var ctx = _kit.Begin(Request.Replace("MAXFWD\n", "Max-Forwards:   10  \n", StringComparison.Ordinal));

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Contains("\r\nMax-Forwards:   9", _kit.Output(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessMaxForwards_One_DecrementsToZero()
    {
        var ctx = Begin("1");

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(["0"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessMaxForwards_Zero_ReturnsMinusOneAndChangesNothing()
    {
        var ctx = Begin("0");

        Assert.Equal(-1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(0, _kit.Editor.EditCount);
    }

    [Fact]
    public void ProcessMaxForwards_AboveDefaultLimit_IsLoweredTo256()
    {
        var ctx = Begin("1000");

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(["256"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessMaxForwards_AboveConfiguredLimit_IsLoweredToIt()
    {
        ModuleTestKit.SetParameter(_mf, "max_limit", ScriptValue.FromInt(32));
        var ctx = Begin("70");

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(["32"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessMaxForwards_Malformed_ReturnsMinusTwo()
    {
        var ctx = Begin("seventy");

        Assert.Equal(-2, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(0, _kit.Editor.EditCount);
    }

    [Fact]
    public void ProcessMaxForwards_CalledTwice_EditsOnceAndRepeatsTheResult()
    {
        var ctx = Begin("70");

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));
        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));

        Assert.Equal(["69"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessMaxForwards_NextMessage_IsProcessedAgain()
    {
        _mf.ProcessMaxForwards(Begin("0"), 10);

        var ctx = Begin("5");

        Assert.Equal(1, _mf.ProcessMaxForwards(ctx, 10));
        Assert.Equal(["4"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Theory]
    [InlineData("5", 10, 1)]
    [InlineData("5", 5, -1)]
    [InlineData("5", 3, -1)]
    [InlineData(null, 10, -2)]
    [InlineData("bad", 10, -3)]
    public void IsMaxForwardsLessThan_HeaderAsReceived_ComparesStrictly(string? header, int max, int expected)
    {
        var ctx = Begin(header);

        Assert.Equal(expected, _mf.IsMaxForwardsLessThan(ctx, max));
    }

    [Fact]
    public void IsMaxForwardsLessThan_AfterProcessing_SeesTheNewValue()
    {
        var ctx = Begin("2");
        _mf.ProcessMaxForwards(ctx, 10);

        Assert.Equal(1, _mf.IsMaxForwardsLessThan(ctx, 2));
        Assert.Equal(-1, _mf.IsMaxForwardsLessThan(ctx, 1));
    }

    [Fact]
    public void IsMaxForwardsLessThan_AfterAddingTheHeader_SeesTheAddedValue()
    {
        var ctx = Begin(null);
        _mf.ProcessMaxForwards(ctx, 10);

        Assert.Equal(1, _mf.IsMaxForwardsLessThan(ctx, 11));
        Assert.Equal(-1, _mf.IsMaxForwardsLessThan(ctx, 10));
    }

    [Fact]
    public void Register_AddsBothFunctionsWithTheirRouteTypes()
    {
        var registry = ModuleTestKit.Register(_mf);

        Assert.True(registry.TryGetFunction("mf_process_maxfwd_header", out var process));
        Assert.Equal(RouteMask.Request, process.AllowedIn);
        Assert.Equal("maxfwd", process.Module);
        Assert.True(registry.TryGetFunction("is_maxfwd_lt", out var lt));
        Assert.Equal(RouteMask.Request | RouteMask.Branch | RouteMask.Failure, lt.AllowedIn);
    }

    [Fact]
    public void ProcessFunction_ConstantArgument_Runs()
    {
        var registry = ModuleTestKit.Register(_mf);
        var (body, _) = FakeBinder.Bind(registry, "mf_process_maxfwd_header", FakeBinder.Const("10"));
        var ctx = Begin(null);

        Assert.Equal(2, body!(ctx));

        Assert.Equal(["10"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Fact]
    public void ProcessFunction_VariableArgument_IsReadWhenCalled()
    {
        var registry = ModuleTestKit.Register(_mf);
        var max = 0L;
        var (body, _) = FakeBinder.Bind(registry, "mf_process_maxfwd_header", FakeBinder.Dynamic(_ => ScriptValue.FromInt(max)));

        Assert.Equal(-2, body!(Begin(null)));
        max = 20;
        Assert.Equal(2, body(Begin(null)));
        Assert.Equal(["20"], _kit.OutputHeaders("Max-Forwards"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void ProcessFunction_ConstantOutOfRange_IsACompileError(long max)
    {
        var registry = ModuleTestKit.Register(_mf);

        var (body, errors) = FakeBinder.Bind(registry, "mf_process_maxfwd_header", FakeBinder.Const(max));

        Assert.Null(body);
        Assert.Contains("out of range", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessFunction_ConstantAboveMaxLimit_IsACompileError()
    {
        ModuleTestKit.SetParameter(_mf, "max_limit", ScriptValue.FromInt(16));
        var registry = ModuleTestKit.Register(_mf);

        var (body, errors) = FakeBinder.Bind(registry, "is_maxfwd_lt", FakeBinder.Const(20));

        Assert.Null(body);
        Assert.Contains("max_limit", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessFunction_NotANumber_IsACompileError()
    {
        var registry = ModuleTestKit.Register(_mf);

        var (body, errors) = FakeBinder.Bind(registry, "mf_process_maxfwd_header", FakeBinder.Const("ten"));

        Assert.Null(body);
        Assert.Single(errors);
    }

    [Fact]
    public void MaxLimitParameter_OutOfRange_IsRejected()
    {
        foreach (var p in _mf.Parameters)
        {
            Assert.Equal("max_limit", p.Name);
            Assert.NotNull(p.Set(ScriptValue.FromInt(0)));
            Assert.NotNull(p.Set(ScriptValue.FromInt(257)));
        }
    }

    private Parley.Scripting.Runtime.ScriptContext Begin(string? maxForwards) =>
        _kit.Begin(Request.Replace("MAXFWD\n", maxForwards is null ? string.Empty : $"Max-Forwards: {maxForwards}\n", StringComparison.Ordinal));
}
