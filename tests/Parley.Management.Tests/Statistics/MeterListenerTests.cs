using System.Diagnostics.Metrics;
using Parley.Management.Statistics;

namespace Parley.Management.Tests.Statistics;

public sealed class MeterListenerTests
{
    [Fact]
    public void MeterListener_RecordObservableInstruments_SeesRegistryValues()
    {
        using var registry = new StatisticsRegistry();
        var requests = registry.Register("core", "rcv_requests", StatisticKind.Counter, description: "Received requests");
        var inuse = registry.Register("tm", "inuse_transactions", StatisticKind.Gauge, resettable: false);
        var dialogs = 3L;
        registry.RegisterFunction("dialog", "active_dialogs", () => dialogs);
        requests.Increment(6);
        inuse.Set(2);

        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var kinds = new Dictionary<string, Type>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, registry.Meter))
            {
                kinds[instrument.Name] = instrument.GetType().GetGenericTypeDefinition();
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Equal(6, seen["parley_core_rcv_requests"]);
        Assert.Equal(2, seen["parley_tm_inuse_transactions"]);
        Assert.Equal(3, seen["parley_dialog_active_dialogs"]);
        Assert.Equal(typeof(ObservableCounter<>), kinds["parley_core_rcv_requests"]);
        Assert.Equal(typeof(ObservableGauge<>), kinds["parley_tm_inuse_transactions"]);
        Assert.Equal(typeof(ObservableGauge<>), kinds["parley_dialog_active_dialogs"]);

        requests.Increment();
        dialogs = 1;
        registry.Reset(["core:"]);
        requests.Increment(2);
        listener.RecordObservableInstruments();
        Assert.Equal(2, seen["parley_core_rcv_requests"]);
        Assert.Equal(1, seen["parley_dialog_active_dialogs"]);
        Assert.Equal(registry.Get(["all"]).Count, seen.Count);
    }

    [Fact]
    public void Meter_Name_IsParley()
    {
        using var registry = new StatisticsRegistry();
        Assert.Equal("Parley", registry.Meter.Name);
        registry.Register("core", "rcv_requests", StatisticKind.Counter);
        using var listener = new MeterListener();
        Instrument? published = null;
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (ReferenceEquals(instrument.Meter, registry.Meter))
            {
                published = instrument;
            }
        };
        listener.Start();
        Assert.NotNull(published);
        Assert.Equal("parley_core_rcv_requests", published!.Name);
    }
}
