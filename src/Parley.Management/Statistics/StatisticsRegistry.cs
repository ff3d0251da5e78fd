using System.Diagnostics.Metrics;

namespace Parley.Management.Statistics;

/// <summary>
/// The OpenSIPS-style statistics of one Parley instance: statistics grouped by module, each named <c>group:name</c>,
/// queried with the spec forms of OpenSIPS's <c>get_statistics</c>/<c>list_statistics</c>/<c>reset_statistics</c>
/// (<c>all</c>, <c>group:</c>, <c>group:name</c>, <c>name</c>).
/// Every statistic is also published on this registry's <see cref="Meter"/> ("Parley") as an observable
/// instrument named <c>parley_&lt;group&gt;_&lt;name&gt;</c> reading the same value, so a
/// <see cref="MeterListener"/> (or OpenTelemetry) sees the numbers the MI shows.
/// Registration and queries take a lock; updates through a <see cref="Statistic"/> handle never do.
/// </summary>
public sealed class StatisticsRegistry : IDisposable
{
    /// <summary>The name of the meter every registry creates.</summary>
    public const string MeterName = "Parley";

    /// <summary>The spec that selects every statistic.</summary>
    public const string AllSpec = "all";

    private const string Incremental = "incremental";
    private const string NonIncremental = "non-incremental";

    private readonly Lock _lock = new();
    private readonly List<Group> _groups = [];
    private readonly Dictionary<string, Group> _groupsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Statistic> _byFullName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Statistic> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _metricNames = new(StringComparer.Ordinal);

    /// <summary>Creates a registry with its own <see cref="Meter"/> named <see cref="MeterName"/>.</summary>
    public StatisticsRegistry()
    {
        Meter = new Meter(MeterName);
    }

    /// <summary>The meter the statistics are published on.</summary>
    public Meter Meter { get; }

    /// <summary>Registers a stored statistic and returns its update handle.</summary>
    /// <param name="group">Module name, e.g. <c>core</c>, <c>tm</c>, <c>dialog</c>.</param>
    /// <param name="name">Statistic name inside the group, e.g. <c>rcv_requests</c>.</param>
    /// <param name="kind">Counter or gauge.</param>
    /// <param name="resettable">False for OpenSIPS's STAT_NO_RESET statistics (e.g. <c>tm:inuse_transactions</c>).</param>
    /// <param name="description">Help text.</param>
    /// <exception cref="ArgumentException">Bad name, or a statistic (or its metric name) already registered.</exception>
    public Statistic Register(string group, string name, StatisticKind kind, bool resettable = true, string description = "") =>
        Add(new Statistic(Validate(group, nameof(group)), Validate(name, nameof(name)), kind, resettable, description ?? string.Empty, null));

    /// <summary>
    /// The statistic <paramref name="group"/>:<paramref name="name"/>, registered as a counter first if it does not
    /// exist (the statistics module's dynamic statistics: <c>update_stat</c> creates what it updates). Thread-safe.
    /// </summary>
    public Statistic GetOrRegister(string group, string name, bool resettable = true, string description = "")
    {
        lock (_lock)
        {
            if (FindSingle(group + ":" + name) is { } existing)
            {
                return existing;
            }

            return Register(group, name, StatisticKind.Counter, resettable, description);
        }
    }

    /// <summary>
    /// Registers a function-backed statistic (OpenSIPS's STAT_IS_FUNC), computed on every read; it is never reset
    /// and <see cref="Statistic.Increment"/> and friends throw on it.
    /// </summary>
    public Statistic RegisterFunction(string group, string name, Func<long> function, StatisticKind kind = StatisticKind.Gauge, string description = "")
    {
        ArgumentNullException.ThrowIfNull(function);
        return Add(new Statistic(Validate(group, nameof(group)), Validate(name, nameof(name)), kind, false, description ?? string.Empty, function));
    }

    /// <summary>Looks a statistic up by <c>group:name</c> or bare name (first registered wins); null when unknown.</summary>
    public Statistic? Find(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_lock)
        {
            return FindSingle(spec);
        }
    }

    /// <summary>Every statistic, in group registration order then statistic registration order.</summary>
    public IReadOnlyList<Statistic> Snapshot()
    {
        lock (_lock)
        {
            var result = new List<Statistic>(_byFullName.Count);
            foreach (var group in _groups)
            {
                result.AddRange(group.Statistics);
            }

            return result;
        }
    }

    /// <summary>
    /// OpenSIPS's <c>get_statistics</c>: the values of the statistics selected by <paramref name="specs"/>, as
    /// <c>"group:name" -&gt; value</c> pairs in spec order (a group or <c>all</c> expands in registration order).
    /// Unknown specs are skipped; a statistic selected twice appears once, at its first position.
    /// </summary>
    /// <exception cref="StatisticsNotFoundException">Nothing matched (OpenSIPS's 404 "Statistics Not Found").</exception>
    public IReadOnlyList<KeyValuePair<string, long>> Get(IEnumerable<string> specs)
    {
        var selected = Select(specs);
        var result = new List<KeyValuePair<string, long>>(selected.Count);
        foreach (var stat in selected)
        {
            result.Add(new KeyValuePair<string, long>(stat.FullName, stat.Value));
        }

        return result;
    }

    /// <summary>
    /// OpenSIPS's <c>list_statistics</c>: <c>"group:name" -&gt; "incremental" | "non-incremental"</c>, same selection
    /// and ordering as <see cref="Get"/>; null or no specs lists everything.
    /// </summary>
    /// <exception cref="StatisticsNotFoundException">Specs were given and nothing matched.</exception>
    public IReadOnlyList<KeyValuePair<string, string>> List(IEnumerable<string>? specs = null)
    {
        var selected = specs is null ? Snapshot() : Select(specs, emptyMeansAll: true);
        var result = new List<KeyValuePair<string, string>>(selected.Count);
        foreach (var stat in selected)
        {
            result.Add(new KeyValuePair<string, string>(stat.FullName, stat.IsIncremental ? Incremental : NonIncremental));
        }

        return result;
    }

    /// <summary>
    /// OpenSIPS's <c>reset_statistics</c>: zeroes the selected statistics except the non-resettable ones, which
    /// keep their value. Returns how many were actually reset.
    /// </summary>
    /// <exception cref="StatisticsNotFoundException">Nothing matched.</exception>
    public int Reset(IEnumerable<string> specs)
    {
        var count = 0;
        foreach (var stat in Select(specs))
        {
            if (stat.TryReset())
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Disposes the meter (its instruments stop being observed).</summary>
    public void Dispose() => Meter.Dispose();

    private List<Statistic> Select(IEnumerable<string> specs, bool emptyMeansAll = false)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var result = new List<Statistic>();
        var seen = new HashSet<Statistic>(ReferenceEqualityComparer.Instance);
        var anySpec = false;
        lock (_lock)
        {
            foreach (var spec in specs)
            {
                anySpec = true;
                if (spec is null)
                {
                    continue;
                }

                if (string.Equals(spec, AllSpec, StringComparison.Ordinal))
                {
                    foreach (var group in _groups)
                    {
                        AddAll(group.Statistics, result, seen);
                    }
                }
                else if (spec.Length > 1 && spec[^1] == ':')
                {
                    if (_groupsByName.TryGetValue(spec[..^1], out var group))
                    {
                        AddAll(group.Statistics, result, seen);
                    }
                }
                else
                {
                    var stat = FindSingle(spec);
                    if (stat is not null && seen.Add(stat))
                    {
                        result.Add(stat);
                    }
                }
            }

            if (!anySpec && emptyMeansAll)
            {
                foreach (var group in _groups)
                {
                    AddAll(group.Statistics, result, seen);
                }
            }
        }

        if (result.Count == 0)
        {
            throw new StatisticsNotFoundException();
        }

        return result;
    }

    private static void AddAll(List<Statistic> source, List<Statistic> result, HashSet<Statistic> seen)
    {
        foreach (var stat in source)
        {
            if (seen.Add(stat))
            {
                result.Add(stat);
            }
        }
    }

    private Statistic? FindSingle(string spec)
    {
        if (spec.Contains(':', StringComparison.Ordinal))
        {
            return _byFullName.GetValueOrDefault(spec);
        }

        return _byName.GetValueOrDefault(spec);
    }

    private Statistic Add(Statistic stat)
    {
        lock (_lock)
        {
            if (_byFullName.ContainsKey(stat.FullName))
            {
                throw new ArgumentException("Statistic '" + stat.FullName + "' is already registered.", nameof(stat));
            }

            if (!_metricNames.Add(stat.MetricName))
            {
                throw new ArgumentException(
                    "Statistic '" + stat.FullName + "' maps to metric name '" + stat.MetricName + "', which another statistic already uses.",
                    nameof(stat));
            }

            if (!_groupsByName.TryGetValue(stat.Group, out var group))
            {
                group = new Group();
                _groupsByName.Add(stat.Group, group);
                _groups.Add(group);
            }

            group.Statistics.Add(stat);
            _byFullName.Add(stat.FullName, stat);
            _byName.TryAdd(stat.Name, stat);
        }

        var description = stat.Description.Length == 0 ? null : stat.Description;
        if (stat.Kind == StatisticKind.Counter)
        {
            Meter.CreateObservableCounter(stat.MetricName, () => stat.Value, unit: null, description: description);
        }
        else
        {
            Meter.CreateObservableGauge(stat.MetricName, () => stat.Value, unit: null, description: description);
        }

        return stat;
    }

    private static string Validate(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (value.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("Statistic group and name must not contain ':'.", paramName);
        }

        if (string.Equals(value, AllSpec, StringComparison.Ordinal) && paramName == "name")
        {
            throw new ArgumentException("'all' is reserved.", paramName);
        }

        return value;
    }

    private sealed class Group
    {
        public List<Statistic> Statistics { get; } = [];
    }
}
