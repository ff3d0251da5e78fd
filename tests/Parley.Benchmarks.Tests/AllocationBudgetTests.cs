using Parley.Protocol;

namespace Parley.Benchmarks.Tests;

/// <summary>
/// Keeps the hot paths within <c>bench/allocation-budget.json</c>. Allocation counts are deterministic where timings are not,
/// so this runs in the normal suite; timing is left to the benchmarks.
/// </summary>
public class AllocationBudgetTests
{
    private const int WarmupIterations = 200;
    private const int MeasuredIterations = 1000;

    public static TheoryData<string> PathNames()
    {
        var data = new TheoryData<string>();
        foreach (var path in new HotPaths().All())
        {
            data.Add(path.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PathNames))]
    public void HotPath_AfterWarmup_AllocatesWithinBudget(string name)
    {
        var budget = AllocationBudget.Load();
        Assert.True(budget.TryGetValue(name, out var maxBytesPerOp), $"{AllocationBudget.RelativePath} has no budget for hot path '{name}'.");
        var path = new HotPaths().All().Single(p => p.Name == name);
        var run = path.Run;

        // Warm up: first calls JIT the code (tiering may re-JIT it later, which allocates nothing on this thread) and grow
        // any reused buffer to its working size.
        for (var i = 0; i < WarmupIterations; i++)
        {
            Assert.Equal(path.Expected, run());
        }

        var failures = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < MeasuredIterations; i++)
        {
            if (run() != path.Expected)
            {
                failures++;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, failures);
        var perOp = (double)allocated / MeasuredIterations;
        Assert.True(
            perOp <= maxBytesPerOp,
            $"Hot path '{name}' allocated {allocated} bytes over {MeasuredIterations} operations = {perOp:0.##} bytes/op; " +
            $"the budget in {AllocationBudget.RelativePath} is {maxBytesPerOp} bytes/op.");
    }

    [Fact]
    public void Budget_EveryEntry_NamesAHotPath()
    {
        var names = new HotPaths().All().Select(p => p.Name).ToHashSet();
        var unknown = AllocationBudget.Load().Keys.Where(k => !names.Contains(k)).ToList();
        Assert.True(unknown.Count == 0, $"{AllocationBudget.RelativePath} names hot paths that do not exist: {string.Join(", ", unknown)}.");
    }

    [Fact]
    public void ProxyEditWrite_Output_IsTheForwardedInvite()
    {
        var paths = new HotPaths();
        var n = paths.ProxyEditWrite();
        var bytes = paths.Output[..n].ToArray();
        var forwarded = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, forwarded, datagram: true).Status);
        Assert.Equal(ParseError.None, SipValidator.ValidateRequest(forwarded));
        Assert.Equal(69, forwarded.MaxForwards);
        Assert.Equal(forwarded.Body.Length, forwarded.ContentLength);

        var vias = forwarded.Vias;
        Assert.True(vias.MoveNext());
        Assert.Equal("203.0.113.10", forwarded.GetString(vias.Current.Host));
        Assert.StartsWith("z9hG4bK", forwarded.GetString(vias.Current.Branch), StringComparison.Ordinal);
        Assert.True(vias.MoveNext());
        Assert.Equal(5060, vias.Current.Rport);
        Assert.Equal("198.51.100.7", forwarded.GetString(vias.Current.Received));
        Assert.False(vias.MoveNext());

        var recordRoutes = forwarded.RecordRoutes;
        Assert.True(recordRoutes.MoveNext());
        Assert.Equal("sip:203.0.113.10:5060;lr", forwarded.GetString(recordRoutes.Current.Uri));
    }

    [Fact]
    public void Write100Trying_Output_IsAResponseToTheInvite()
    {
        var paths = new HotPaths();
        var n = paths.Write100Trying();
        var bytes = paths.Output[..n].ToArray();
        var response = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, response, datagram: true).Status);
        Assert.Equal(ParseError.None, SipValidator.ValidateResponse(response));
        Assert.Equal(100, response.StatusCode);
        Assert.False(response.To.HasTag);
    }

    [Fact]
    public void Messages_Invite_IsARealisticSize()
    {
        // The INVITE stands for a softphone's: large enough that the parse numbers mean something.
        Assert.InRange(BenchMessages.Invite.Length, 900, 1000);
    }
}
