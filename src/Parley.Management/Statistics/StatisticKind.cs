namespace Parley.Management.Statistics;

/// <summary>How a statistic behaves: a counter only goes up (between resets), a gauge moves both ways.</summary>
public enum StatisticKind
{
    /// <summary>Monotonic count (OpenSIPS "incremental"); published as an ObservableCounter and a Prometheus counter.</summary>
    Counter,

    /// <summary>Current level (OpenSIPS "non-incremental"); published as an ObservableGauge and a Prometheus gauge.</summary>
    Gauge,
}
