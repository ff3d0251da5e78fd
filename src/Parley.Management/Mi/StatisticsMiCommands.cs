using System.Text.Json.Nodes;
using Parley.Management.Statistics;

namespace Parley.Management.Mi;

/// <summary>
/// OpenSIPS's statistics MI commands over a <see cref="StatisticsRegistry"/>: <c>get_statistics</c>,
/// <c>list_statistics</c> and <c>reset_statistics</c>, with the shapes of OpenSIPS 3.6 (golden files
/// <c>get_statistics_*.json</c>, <c>list_statistics.json</c>).
/// </summary>
public static class StatisticsMiCommands
{
    public static void Register(MiCommandRegistry registry, StatisticsRegistry statistics)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(statistics);
        registry.Register(new MiCommand("get_statistics", "prints the values of statistics: names, group: for a whole group, or all",
            [new MiRecipe(MiParam.Arr("statistics"))], r => Get(statistics, r)));
        registry.Register(new MiCommand("list_statistics", "lists statistics and whether each is incremental",
            [new MiRecipe(), new MiRecipe(MiParam.Arr("statistics"))], r => List(statistics, r)));
        registry.Register(new MiCommand("reset_statistics", "resets statistics to zero (non-incremental ones keep their value)",
            [new MiRecipe(MiParam.Arr("statistics"))], r => Reset(statistics, r)));
    }

    private static MiResult Get(StatisticsRegistry statistics, MiRequest request)
    {
        try
        {
            var result = new JsonObject();
            foreach (var (name, value) in statistics.Get(request.GetStringArray("statistics")))
            {
                result[name] = value;
            }

            return MiResult.Success(result);
        }
        catch (StatisticsNotFoundException e)
        {
            return MiResult.Error(StatisticsNotFoundException.ErrorCode, e.Message);
        }
    }

    private static MiResult List(StatisticsRegistry statistics, MiRequest request)
    {
        try
        {
            var result = new JsonObject();
            foreach (var (name, kind) in statistics.List(request.Has("statistics") ? request.GetStringArray("statistics") : null))
            {
                result[name] = kind;
            }

            return MiResult.Success(result);
        }
        catch (StatisticsNotFoundException e)
        {
            return MiResult.Error(StatisticsNotFoundException.ErrorCode, e.Message);
        }
    }

    private static MiResult Reset(StatisticsRegistry statistics, MiRequest request)
    {
        try
        {
            statistics.Reset(request.GetStringArray("statistics"));
            return MiResult.Ok();
        }
        catch (StatisticsNotFoundException e)
        {
            return MiResult.Error(StatisticsNotFoundException.ErrorCode, e.Message);
        }
    }
}
