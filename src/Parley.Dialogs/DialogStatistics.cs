using Parley.Management.Statistics;

namespace Parley.Dialogs;

/// <summary>
/// The <c>dialog:</c> statistics in OpenSIPS's order (manual §1.8, golden <c>get_statistics_dialog_tm_core.json</c>).
/// <c>active_dialogs</c> and <c>early_dialogs</c> are gauges that cannot be reset; the replication counters stay 0
/// until the cluster issue.
/// </summary>
internal sealed class DialogStatistics
{
    public DialogStatistics(StatisticsRegistry registry)
    {
        Active = registry.Register("dialog", "active_dialogs", StatisticKind.Gauge, resettable: false, "current confirmed dialogs");
        Early = registry.Register("dialog", "early_dialogs", StatisticKind.Gauge, resettable: false, "current early dialogs");
        Processed = registry.Register("dialog", "processed_dialogs", StatisticKind.Counter, description: "dialogs created since start-up");
        Expired = registry.Register("dialog", "expired_dialogs", StatisticKind.Counter, description: "dialogs ended by their lifetime");
        Failed = registry.Register("dialog", "failed_dialogs", StatisticKind.Counter, description: "dialogs never established");
        foreach (var name in (ReadOnlySpan<string>)["create_sent", "update_sent", "delete_sent", "create_recv", "update_recv", "delete_recv"])
        {
            registry.Register("dialog", name, StatisticKind.Counter, description: "dialog replication (cluster issue)");
        }
    }

    public Statistic Active { get; }

    public Statistic Early { get; }

    public Statistic Processed { get; }

    public Statistic Expired { get; }

    public Statistic Failed { get; }
}
