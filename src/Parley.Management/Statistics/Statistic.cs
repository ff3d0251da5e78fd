namespace Parley.Management.Statistics;

/// <summary>
/// One registered statistic, named <c>group:name</c> as OpenSIPS prints it. The update methods are the hot path:
/// a single <see cref="Interlocked"/> operation on a <see cref="long"/>, no lock and no allocation.
/// A function-backed statistic (OpenSIPS's STAT_IS_FUNC) computes its value on read and cannot be updated or reset.
/// </summary>
public sealed class Statistic
{
    private readonly Func<long>? _function;
    private long _value;

    internal Statistic(string group, string name, StatisticKind kind, bool resettable, string description, Func<long>? function)
    {
        Group = group;
        Name = name;
        FullName = group + ":" + name;
        MetricName = PrometheusWriter.SanitizeMetricName("parley_" + group + "_" + name);
        Kind = kind;
        Resettable = resettable && function is null;
        Description = description;
        _function = function;
    }

    /// <summary>The module the statistic belongs to (<c>core</c>, <c>tm</c>, <c>dialog</c>…).</summary>
    public string Group { get; }

    /// <summary>The statistic's name inside its group.</summary>
    public string Name { get; }

    /// <summary><c>group:name</c>, the member name OpenSIPS's MI uses.</summary>
    public string FullName { get; }

    /// <summary><c>parley_&lt;group&gt;_&lt;name&gt;</c>, sanitized: the instrument and Prometheus metric name.</summary>
    public string MetricName { get; }

    /// <summary>Counter or gauge.</summary>
    public StatisticKind Kind { get; }

    /// <summary>False for statistics that ignore reset (OpenSIPS's STAT_NO_RESET, and every function-backed one).</summary>
    public bool Resettable { get; }

    /// <summary>True when the value is computed on read.</summary>
    public bool IsFunction => _function is not null;

    /// <summary>Free text, used for the Prometheus <c># HELP</c> line and the instrument description.</summary>
    public string Description { get; }

    /// <summary>
    /// OpenSIPS's <c>list_statistics</c> word: "incremental" only for a resettable, stored counter;
    /// everything else (gauges, STAT_NO_RESET, STAT_IS_FUNC) is "non-incremental".
    /// </summary>
    public bool IsIncremental => Kind == StatisticKind.Counter && Resettable && _function is null;

    /// <summary>The current value (the function's result for a function-backed statistic).</summary>
    public long Value => _function is null ? Interlocked.Read(ref _value) : _function();

    /// <summary>Adds <paramref name="n"/> (default 1).</summary>
    public void Increment(long n = 1)
    {
        if (_function is not null)
        {
            ThrowFunctionBacked();
        }

        Interlocked.Add(ref _value, n);
    }

    /// <summary>Subtracts <paramref name="n"/> (default 1).</summary>
    public void Decrement(long n = 1)
    {
        if (_function is not null)
        {
            ThrowFunctionBacked();
        }

        Interlocked.Add(ref _value, -n);
    }

    /// <summary>Sets the value.</summary>
    public void Set(long value)
    {
        if (_function is not null)
        {
            ThrowFunctionBacked();
        }

        Interlocked.Exchange(ref _value, value);
    }

    /// <summary>Resets to zero unless the statistic is not resettable; returns whether it was reset.</summary>
    public bool TryReset()
    {
        if (!Resettable)
        {
            return false;
        }

        Interlocked.Exchange(ref _value, 0);
        return true;
    }

    private void ThrowFunctionBacked() =>
        throw new InvalidOperationException("Statistic '" + FullName + "' is function-backed and cannot be updated.");
}
