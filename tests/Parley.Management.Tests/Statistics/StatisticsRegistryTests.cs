using Parley.Management.Statistics;

namespace Parley.Management.Tests.Statistics;

public sealed class StatisticsRegistryTests
{
    private static StatisticsRegistry Small(out Statistic requests, out Statistic inuse, out Statistic active)
    {
        var registry = new StatisticsRegistry();
        requests = registry.Register("core", "rcv_requests", StatisticKind.Counter);
        registry.Register("core", "rcv_replies", StatisticKind.Counter);
        inuse = registry.Register("tm", "inuse_transactions", StatisticKind.Gauge, resettable: false);
        registry.Register("tm", "UAS_transactions", StatisticKind.Counter);
        var dialogs = 0L;
        active = registry.RegisterFunction("dialog", "active_dialogs", () => Interlocked.Read(ref dialogs));
        dialogs = 3;
        return registry;
    }

    [Fact]
    public void Increment_TwoThreads_CountsEveryIncrement()
    {
        using var registry = new StatisticsRegistry();
        var stat = registry.Register("core", "rcv_requests", StatisticKind.Counter);
        const int PerThread = 500_000;
        var threads = new Thread[2];
        for (var t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    stat.Increment();
                }
            });
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(2L * PerThread, stat.Value);
    }

    [Fact]
    public void IncrementDecrement_ConcurrentPairs_ReturnToZero()
    {
        using var registry = new StatisticsRegistry();
        var stat = registry.Register("tm", "inuse_transactions", StatisticKind.Gauge, resettable: false);
        var up = new Thread(() => { for (var i = 0; i < 200_000; i++) { stat.Increment(); } });
        var down = new Thread(() => { for (var i = 0; i < 200_000; i++) { stat.Decrement(); } });
        up.Start();
        down.Start();
        up.Join();
        down.Join();
        Assert.Equal(0, stat.Value);
    }

    [Fact]
    public void IncrementDecrementSet_Values_Applied()
    {
        using var registry = new StatisticsRegistry();
        var stat = registry.Register("tm", "inuse_transactions", StatisticKind.Gauge);
        stat.Increment(5);
        stat.Decrement();
        Assert.Equal(4, stat.Value);
        stat.Set(42);
        Assert.Equal(42, stat.Value);
    }

    [Fact]
    public void Reset_ResettableAndNonResettable_OnlyResettableZeroed()
    {
        using var registry = Small(out var requests, out var inuse, out var active);
        requests.Increment(7);
        inuse.Set(2);

        var count = registry.Reset(["all"]);

        Assert.Equal(3, count); // core:rcv_requests, core:rcv_replies, tm:UAS_transactions
        Assert.Equal(0, requests.Value);
        Assert.Equal(2, inuse.Value);
        Assert.Equal(3, active.Value);
        Assert.False(inuse.Resettable);
        Assert.False(active.Resettable);
    }

    [Fact]
    public void Reset_SingleNonResettable_KeepsValue()
    {
        using var registry = Small(out _, out var inuse, out _);
        inuse.Set(9);
        Assert.Equal(0, registry.Reset(["tm:inuse_transactions"]));
        Assert.Equal(9, inuse.Value);
    }

    [Fact]
    public void Reset_UnknownOnly_ThrowsNotFound()
    {
        using var registry = Small(out _, out _, out _);
        Assert.Throws<StatisticsNotFoundException>(() => registry.Reset(["nope"]));
    }

    [Fact]
    public void Get_SpecForms_SelectExpectedStatistics()
    {
        using var registry = Small(out var requests, out _, out _);
        requests.Increment(6);

        Assert.Equal([new("core:rcv_requests", 6)], registry.Get(["rcv_requests"]));
        Assert.Equal([new("core:rcv_requests", 6)], registry.Get(["core:rcv_requests"]));
        Assert.Equal(
            ["tm:inuse_transactions", "tm:UAS_transactions"],
            Keys(registry.Get(["tm:"])));
        Assert.Equal(
            ["core:rcv_requests", "core:rcv_replies", "tm:inuse_transactions", "tm:UAS_transactions", "dialog:active_dialogs"],
            Keys(registry.Get(["all"])));
    }

    [Fact]
    public void Get_FunctionBacked_ComputedOnRead()
    {
        using var registry = new StatisticsRegistry();
        var n = 1L;
        registry.RegisterFunction("dialog", "active_dialogs", () => n);
        Assert.Equal(1, registry.Get(["dialog:active_dialogs"])[0].Value);
        n = 5;
        Assert.Equal(5, registry.Get(["active_dialogs"])[0].Value);
    }

    [Fact]
    public void Get_SpecOrder_FollowsSpecsNotRegistration()
    {
        using var registry = Small(out _, out _, out _);
        Assert.Equal(
            ["dialog:active_dialogs", "tm:inuse_transactions", "tm:UAS_transactions", "core:rcv_requests", "core:rcv_replies"],
            Keys(registry.Get(["dialog:", "tm:", "core:"])));
    }

    [Fact]
    public void Get_UnknownAmongKnown_SkippedSilently()
    {
        using var registry = Small(out _, out _, out _);
        Assert.Equal(
            ["core:rcv_requests"],
            Keys(registry.Get(["bogus", "nomod:", "core:bogus", "rcv_requests", "nomod:rcv_requests"])));
    }

    [Fact]
    public void Get_DuplicateSelection_ReportedOnceAtFirstPosition()
    {
        using var registry = Small(out _, out _, out _);
        Assert.Equal(
            ["core:rcv_replies", "core:rcv_requests"],
            Keys(registry.Get(["rcv_replies", "core:", "core:rcv_requests"])));
    }

    [Fact]
    public void Get_NothingMatches_ThrowsOpenSipsNotFound()
    {
        using var registry = Small(out _, out _, out _);
        var ex = Assert.Throws<StatisticsNotFoundException>(() => registry.Get(["bogus", "nomod:"]));
        Assert.Equal(404, ex.Code);
        Assert.Equal("Statistics Not Found", ex.Message);
        Assert.Throws<StatisticsNotFoundException>(() => registry.Get([]));
    }

    [Fact]
    public void Get_EmptyRegistryAll_ThrowsNotFound()
    {
        using var registry = new StatisticsRegistry();
        Assert.Throws<StatisticsNotFoundException>(() => registry.Get(["all"]));
    }

    [Fact]
    public void List_Kinds_MapToOpenSipsWords()
    {
        using var registry = Small(out _, out _, out _);
        Assert.Equal(
            [
                new("core:rcv_requests", "incremental"),
                new("core:rcv_replies", "incremental"),
                new("tm:inuse_transactions", "non-incremental"),
                new("tm:UAS_transactions", "incremental"),
                new("dialog:active_dialogs", "non-incremental"),
            ],
            registry.List());
        Assert.Equal([new("tm:inuse_transactions", "non-incremental")], registry.List(["inuse_transactions"]));
        Assert.Throws<StatisticsNotFoundException>(() => registry.List(["bogus"]));
    }

    [Fact]
    public void List_GoldenLayout_EqualsOpenSipsListStatistics()
    {
        using var registry = GoldenStatistics.BuildRegistry(() => 6);
        Assert.Equal(GoldenStatistics.ListPairs(), registry.List());
        Assert.Equal(GoldenStatistics.ListPairs(), registry.List(["all"]));
    }

    [Fact]
    public void Get_GoldenDialogTmCore_EqualsOpenSipsResponse()
    {
        using var registry = GoldenStatistics.BuildRegistry(() => 6);
        var golden = GoldenStatistics.GetDialogTmCorePairs();
        foreach (var (fullName, value) in golden)
        {
            var stat = registry.Find(fullName)!;
            if (!stat.IsFunction)
            {
                stat.Set(value);
            }
        }

        Assert.Equal(golden, registry.Get(["dialog:", "tm:", "core:"]));
    }

    [Fact]
    public void Register_Duplicate_Throws()
    {
        using var registry = new StatisticsRegistry();
        registry.Register("core", "rcv_requests", StatisticKind.Counter);
        Assert.Throws<ArgumentException>(() => registry.Register("core", "rcv_requests", StatisticKind.Counter));
        Assert.Throws<ArgumentException>(() => registry.Register("co:re", "x", StatisticKind.Counter));
        Assert.Throws<ArgumentException>(() => registry.Register("core", "", StatisticKind.Counter));
    }

    [Fact]
    public void Register_SanitizedNameCollision_Throws()
    {
        using var registry = new StatisticsRegistry();
        registry.Register("load", "load-all", StatisticKind.Gauge);
        Assert.Throws<ArgumentException>(() => registry.Register("load", "load_all", StatisticKind.Gauge));
    }

    [Fact]
    public void Increment_FunctionBacked_Throws()
    {
        using var registry = new StatisticsRegistry();
        var stat = registry.RegisterFunction("dialog", "active_dialogs", () => 1);
        Assert.Throws<InvalidOperationException>(() => stat.Increment());
        Assert.Throws<InvalidOperationException>(() => stat.Set(3));
    }

    [Fact]
    public void CoreStatisticsNames_Order_MatchesOpenSips36()
    {
        Assert.Equal(
            ["core:rcv_requests", "core:rcv_replies", "core:fwd_requests", "core:fwd_replies", "core:drop_requests",
             "core:drop_replies", "core:err_requests", "core:err_replies", "core:bad_URIs_rcvd", "core:bad_msg_hdr",
             "core:slow_messages", "core:timestamp"],
            CoreStatisticsNames.FullNames);
        for (var i = 0; i < CoreStatisticsNames.All.Count; i++)
        {
            Assert.Equal("core:" + CoreStatisticsNames.All[i], CoreStatisticsNames.FullNames[i]);
        }
    }

    private static List<string> Keys<T>(IReadOnlyList<KeyValuePair<string, T>> pairs)
    {
        var keys = new List<string>(pairs.Count);
        foreach (var pair in pairs)
        {
            keys.Add(pair.Key);
        }

        return keys;
    }
}
