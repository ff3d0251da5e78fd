using System.Globalization;
using Parley.Management.Statistics;

namespace Parley.Management.Tests.Statistics;

public sealed class PrometheusWriterTests
{
    private static string Render(StatisticsRegistry registry)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\r\n" };
        PrometheusWriter.Write(registry, writer);
        return writer.ToString();
    }

    [Fact]
    public void Write_Registry_EmitsHelpTypeSamplePerStatistic()
    {
        using var registry = new StatisticsRegistry();
        registry.Register("core", "rcv_requests", StatisticKind.Counter, description: "Received requests").Increment(6);
        registry.Register("tm", "inuse_transactions", StatisticKind.Gauge, resettable: false, description: "In use").Set(-2);
        registry.RegisterFunction("dialog", "active_dialogs", () => 3, description: "Active dialogs");

        var text = Render(registry);

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        Assert.Equal(string.Empty, lines[^1]);
        Assert.Equal(10, lines.Length);
        Assert.Equal(
            [
                "# HELP parley_core_rcv_requests Received requests",
                "# TYPE parley_core_rcv_requests counter",
                "parley_core_rcv_requests 6",
                "# HELP parley_tm_inuse_transactions In use",
                "# TYPE parley_tm_inuse_transactions gauge",
                "parley_tm_inuse_transactions -2",
                "# HELP parley_dialog_active_dialogs Active dialogs",
                "# TYPE parley_dialog_active_dialogs gauge",
                "parley_dialog_active_dialogs 3",
            ],
            lines[..^1]);
    }

    [Fact]
    public void Write_GoldenLayout_ParsesAsValidExposition()
    {
        using var registry = GoldenStatistics.BuildRegistry(() => 6);
        registry.Find("tm:2xx_transactions")!.Increment(3);

        var families = new Dictionary<string, (string? Help, string? Type, long? Value)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var line in Render(registry).Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var name = rest[..space];
                Assert.False(families.ContainsKey(name), "duplicate family " + name);
                families[name] = (rest[(space + 1)..], null, null);
                order.Add(name);
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge" });
                var f = families[parts[2]];
                Assert.Null(f.Type);
                families[parts[2]] = (f.Help, parts[3], f.Value);
            }
            else
            {
                Assert.False(line.StartsWith('#'));
                var parts = line.Split(' ');
                Assert.Equal(2, parts.Length);
                var f = families[parts[0]];
                Assert.NotNull(f.Type);
                Assert.Null(f.Value);
                families[parts[0]] = (f.Help, f.Type, long.Parse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
            }
        }

        var stats = registry.Snapshot();
        Assert.Equal(stats.Count, order.Count);
        for (var i = 0; i < stats.Count; i++)
        {
            var name = order[i];
            Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
            Assert.Equal(stats[i].MetricName, name);
            Assert.Equal(stats[i].Kind == StatisticKind.Counter ? "counter" : "gauge", families[name].Type);
            Assert.Equal(stats[i].Value, families[name].Value);
        }

        Assert.Equal(3, families["parley_tm_2xx_transactions"].Value);
        Assert.Equal(6, families["parley_core_timestamp"].Value);
        Assert.Equal("gauge", families["parley_dialog_active_dialogs"].Type);
    }

    [Fact]
    public void Write_HelpWithBackslashAndNewline_Escaped()
    {
        using var registry = new StatisticsRegistry();
        registry.Register("core", "x", StatisticKind.Counter, description: "a\\b\nc");
        Assert.StartsWith("# HELP parley_core_x a\\\\b\\nc\n", Render(registry), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NoDescription_HelpFallsBackToFullName()
    {
        using var registry = new StatisticsRegistry();
        registry.Register("sl", "1xx_replies", StatisticKind.Counter);
        Assert.StartsWith("# HELP parley_sl_1xx_replies sl:1xx_replies\n", Render(registry), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("parley_load_load-proc-1", "parley_load_load_proc_1")]
    [InlineData("parley_tm_2xx_transactions", "parley_tm_2xx_transactions")]
    [InlineData("a.b c/d:e", "a_b_c_d:e")]
    [InlineData("1abc", "_1abc")]
    public void SanitizeMetricName_Input_OnlyAllowedCharacters(string input, string expected) =>
        Assert.Equal(expected, PrometheusWriter.SanitizeMetricName(input));
}
