using Parley.Management.Mi;
using Parley.Management.Statistics;

namespace Parley.Management.Tests.Mi;

public sealed class StatisticsMiCommandsTests : IDisposable
{
    private readonly StatisticsRegistry _statistics = new();
    private readonly MiCommandRegistry _registry = new();
    private readonly Statistic _requests;

    public StatisticsMiCommandsTests()
    {
        _requests = _statistics.Register("core", "rcv_requests", StatisticKind.Counter);
        _statistics.Register("core", "rcv_replies", StatisticKind.Counter);
        _statistics.RegisterFunction("dialog", "active_dialogs", () => 3);
        StatisticsMiCommands.Register(_registry, _statistics);
    }

    public void Dispose() => _statistics.Dispose();

    [Fact]
    public void GetStatistics_GroupsInRequestOrder_ReturnsOpenSipsShape()
    {
        _requests.Increment(5);
        var (status, body) = MiTestSupport.Run(_registry, """{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["dialog:","core:"]},"id":1}""");
        Assert.Equal(200, status);
        Assert.Equal("""{"jsonrpc":"2.0","result":{"dialog:active_dialogs":3,"core:rcv_requests":5,"core:rcv_replies":0},"id":1}""", body);
    }

    [Fact]
    public void GetStatistics_StringInsteadOfArray_BadTypeForParameter()
    {
        var (_, body) = MiTestSupport.Run(_registry, """{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":"dialog:"},"id":1}""");
        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'statistics'"},"id":1}""", body);
    }

    [Fact]
    public void GetStatistics_NothingMatches_StatisticsNotFound()
    {
        var (_, body) = MiTestSupport.Run(_registry, """{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["nosuch"]},"id":1}""");
        Assert.Contains("\"code\":404", body, StringComparison.Ordinal);
        Assert.Contains("Statistics Not Found", body, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetStatistics_Counter_BackToZeroButFunctionKept()
    {
        _requests.Increment(7);
        var (_, reset) = MiTestSupport.Run(_registry, """{"jsonrpc":"2.0","method":"reset_statistics","params":{"statistics":["all"]},"id":2}""");
        Assert.Equal("""{"jsonrpc":"2.0","result":"OK","id":2}""", reset);
        var (_, body) = MiTestSupport.Run(_registry, """{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["all"]},"id":3}""");
        Assert.Equal("""{"jsonrpc":"2.0","result":{"core:rcv_requests":0,"core:rcv_replies":0,"dialog:active_dialogs":3},"id":3}""", body);
    }

    [Fact]
    public void ListStatistics_NoParams_IncrementalOrNot()
    {
        var (_, body) = MiTestSupport.Run(_registry, """{"jsonrpc":"2.0","method":"list_statistics","id":1}""");
        Assert.Equal("""{"jsonrpc":"2.0","result":{"core:rcv_requests":"incremental","core:rcv_replies":"incremental","dialog:active_dialogs":"non-incremental"},"id":1}""", body);
    }
}
