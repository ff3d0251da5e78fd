using System.Globalization;
using System.Text;

namespace Parley.Management.Statistics;

/// <summary>
/// Writes a <see cref="StatisticsRegistry"/> in the Prometheus text exposition format 0.0.4:
/// for every statistic, in registry order, a <c># HELP</c> line, a <c># TYPE</c> line (counter or gauge) and one
/// sample line, each ended by <c>\n</c>.
/// Metric names are <c>parley_&lt;group&gt;_&lt;name&gt;</c> with every character outside <c>[a-zA-Z0-9_:]</c>
/// replaced by <c>_</c>. Counters deliberately get no <c>_total</c> suffix: the name stays a one-to-one image of the
/// OpenSIPS statistic (<c>core:rcv_requests</c> → <c>parley_core_rcv_requests</c>), as with OpenSIPS's own
/// prometheus module, and format 0.0.4 does not require it.
/// </summary>
public static class PrometheusWriter
{
    /// <summary>The Content-Type of this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Writes every statistic of <paramref name="registry"/> to <paramref name="writer"/>.</summary>
    public static void Write(StatisticsRegistry registry, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var stat in registry.Snapshot())
        {
            var name = stat.MetricName;
            writer.Write("# HELP ");
            writer.Write(name);
            writer.Write(' ');
            writer.Write(EscapeHelp(stat.Description.Length == 0 ? stat.FullName : stat.Description));
            writer.Write('\n');
            writer.Write("# TYPE ");
            writer.Write(name);
            writer.Write(stat.Kind == StatisticKind.Counter ? " counter\n" : " gauge\n");
            writer.Write(name);
            writer.Write(' ');
            writer.Write(stat.Value.ToString(CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }

    /// <summary>Replaces every character outside <c>[a-zA-Z0-9_:]</c> by <c>_</c>, and prefixes <c>_</c> to a leading digit.</summary>
    public static string SanitizeMetricName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        }

        return builder.ToString();
    }

    /// <summary>HELP text escaping of format 0.0.4: backslash and line feed.</summary>
    private static string EscapeHelp(string text)
    {
        if (text.AsSpan().IndexOfAny('\\', '\n') < 0)
        {
            return text;
        }

        return text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
