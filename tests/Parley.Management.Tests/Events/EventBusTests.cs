using System.Diagnostics;
using System.Text.Json.Nodes;
using Parley.Management.Events;
using Parley.Management.Statistics;

namespace Parley.Management.Tests.Events;

public sealed class EventBusTests : IAsyncLifetime
{
    private static readonly EventParameter[] NoParameters = [];

    private readonly StatisticsRegistry _statistics = new();
    private readonly ManualTimeProvider _time = new();
    private EventBus _bus = null!;

    public Task InitializeAsync()
    {
        _bus = new EventBus(_statistics, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        _statistics.Dispose();
    }

    private long Stat(string name) => _statistics.Find("events:" + name)!.Value;

    private static EventParameter[] Named(params (string Name, JsonNode? Value)[] values)
    {
        var result = new EventParameter[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = new EventParameter(values[i].Name, values[i].Value);
        }

        return result;
    }

    [Fact]
    public void Constructor_Always_PublishesOpenSipsCoreEventsInOrder()
    {
        Assert.Equal(
            [("E_CORE_THRESHOLD", 0), ("E_CORE_SHM_THRESHOLD", 1), ("E_CORE_PKG_THRESHOLD", 2), ("E_CORE_PROC_AUTO_SCALE", 3), ("E_CORE_TCP_DISCONNECT", 4)],
            _bus.Events);
    }

    [Fact]
    public void Publish_NewThenSameName_NextIdThenSameId()
    {
        int id = _bus.Publish("E_DLG_STATE_CHANGED");
        int other = _bus.Publish("E_UL_AOR_INSERT");
        Assert.Equal(5, id);
        Assert.Equal(6, other);
        Assert.Equal(5, _bus.Publish("E_DLG_STATE_CHANGED"));
        Assert.Equal(7, _bus.Events.Count);
        Assert.True(_bus.IsPublished("E_DLG_STATE_CHANGED"));
        Assert.False(_bus.IsPublished("e_dlg_state_changed"));
        Assert.True(_bus.TryGetId("E_UL_AOR_INSERT", out int found));
        Assert.Equal(6, found);
    }

    [Fact]
    public void Raise_Unpublished_FalseAndNothingCounted()
    {
        Assert.False(_bus.Raise("E_NOPE", NoParameters));
        Assert.Equal(EventRaiseOutcome.NotPublished, _bus.TryRaise("E_NOPE", NoParameters));
        Assert.Equal(0, Stat("raised"));
    }

    [Fact]
    public void BuildNotification_NamedParameters_JsonRpcObjectParams()
    {
        var body = EventBus.BuildNotification("E_CORE_TCP_DISCONNECT", Named(
            ("src_ip", "10.0.0.1"), ("src_port", 5060), ("dst_ip", "10.0.0.2"), ("dst_port", 5061), ("proto", null)));
        Assert.Equal(
            """{"jsonrpc":"2.0","method":"E_CORE_TCP_DISCONNECT","params":{"src_ip":"10.0.0.1","src_port":5060,"dst_ip":"10.0.0.2","dst_port":5061,"proto":null}}""",
            System.Text.Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void BuildNotification_UnnamedParameters_ArrayOfValues()
    {
        var body = EventBus.BuildNotification("E_TEST", [new EventParameter(null, "a\"b"), new EventParameter(null, 7), new EventParameter(null, "é/ü")]);
        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":["a\"b",7,"é/ü"]}""", System.Text.Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void BuildNotification_NoParameters_NoParamsMember()
    {
        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST"}""", System.Text.Encoding.UTF8.GetString(EventBus.BuildNotification("E_TEST", NoParameters)));
    }

    [Fact]
    public async Task Raise_UdpSubscriber_ReceivesExactJsonRpcDatagram()
    {
        using var sink = new UdpSink();
        _bus.Publish("E_TEST");
        Assert.Equal(SubscribeStatus.Subscribed, _bus.Subscribe("E_TEST", sink.Socket, 120).Status);
        _bus.Start();

        Assert.True(_bus.Raise("E_TEST", Named(("callid", "abc@host"), ("code", 200))));

        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":{"callid":"abc@host","code":200}}""", await sink.ReceiveRequiredAsync());
        Assert.True(await Wait.UntilAsync(() => Stat("delivered") == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, Stat("raised"));
        Assert.Equal(0, Stat("failed_deliveries"));
    }

    [Fact]
    public async Task Raise_OnlySubscribedEvent_OtherEventsNotSent()
    {
        using var sink = new UdpSink();
        _bus.Publish("E_A");
        _bus.Publish("E_B");
        _bus.Subscribe("E_B", sink.Socket);
        _bus.Start();

        _bus.Raise("E_A", NoParameters);
        _bus.Raise("E_B", NoParameters);

        Assert.Equal("""{"jsonrpc":"2.0","method":"E_B"}""", await sink.ReceiveRequiredAsync());
        Assert.Null(await sink.ReceiveAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Raise_HttpSubscriber_ReceivesJsonPost()
    {
        await using var server = new TestHttpServer();
        _bus.Publish("E_TEST");
        Assert.Equal(SubscribeStatus.Subscribed, _bus.Subscribe("E_TEST", server.Url("/hook?x=1")).Status);
        _bus.Start();

        _bus.Raise("E_TEST", [new EventParameter(null, "one"), new EventParameter(null, 2)]);

        var request = await server.NextAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(request);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook?x=1", request.Path);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":["one",2]}""", request.Body);
        Assert.True(await Wait.UntilAsync(() => Stat("delivered") == 1, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Raise_HttpSubscriberManyEvents_PostedInRaiseOrder()
    {
        await using var server = new TestHttpServer();
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", server.Url());
        _bus.Start();

        for (int i = 0; i < 20; i++)
        {
            _bus.Raise("E_TEST", [new EventParameter("n", i)]);
        }

        for (int i = 0; i < 20; i++)
        {
            var request = await server.NextAsync(TimeSpan.FromSeconds(5));
            Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":{"n":""" + i + "}}", request?.Body);
        }
    }

    [Fact]
    public async Task Subscribe_ExpireZero_Unsubscribes()
    {
        using var sink = new UdpSink();
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", sink.Socket);
        Assert.Single(_bus.Subscribers("E_TEST"));

        Assert.Equal(SubscribeStatus.Unsubscribed, _bus.Subscribe("E_TEST", sink.Socket, 0).Status);

        Assert.Empty(_bus.Subscribers("E_TEST"));
        Assert.Equal(0, Stat("subscribers"));
        Assert.Equal(0, Stat("expired_subscribers"));
        _bus.Start();
        _bus.Raise("E_TEST", NoParameters);
        Assert.Null(await sink.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(SubscribeStatus.NotSubscribed, _bus.Subscribe("E_TEST", sink.Socket, 0).Status);
    }

    [Fact]
    public void Subscribe_SameSocketAgain_RefreshesOneSubscriber()
    {
        _bus.Publish("E_TEST");
        var first = _bus.Subscribe("E_TEST", "udp:127.0.0.1:9999", 60);
        _time.Advance(TimeSpan.FromSeconds(50));

        var again = _bus.Subscribe("E_TEST", "udp:127.0.0.1:09999", 100);

        Assert.Equal(SubscribeStatus.Refreshed, again.Status);
        Assert.Equal(first.Subscription!.SubscribedAt.AddSeconds(50), again.Subscription!.SubscribedAt);
        Assert.Equal(100, again.Subscription.ExpireSeconds);
        _time.Advance(TimeSpan.FromSeconds(60)); // past the first expiry, within the renewed one
        var listed = Assert.Single(_bus.Subscribers());
        Assert.Equal("udp:127.0.0.1:9999", listed.Socket);
        Assert.Equal(_time.GetUtcNow().AddSeconds(40), listed.ExpiresAt);
    }

    [Fact]
    public void Subscribe_DefaultExpire_OneHour()
    {
        _bus.Publish("E_TEST");
        var result = _bus.Subscribe("E_TEST", "udp:127.0.0.1:9999");
        Assert.Equal(3600, result.Subscription!.ExpireSeconds);
        Assert.Equal(_time.GetUtcNow().AddHours(1), result.Subscription.ExpiresAt);
    }

    [Fact]
    public void Subscribe_TwoSockets_NewestListedFirst()
    {
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", "udp:127.0.0.1:1001");
        _bus.Subscribe("E_TEST", "http://127.0.0.1:1002/x");
        _bus.Subscribe("E_CORE_THRESHOLD", "udp:127.0.0.1:1003");

        var all = _bus.Subscribers();

        Assert.Equal(
            [("E_CORE_THRESHOLD", "udp:127.0.0.1:1003"), ("E_TEST", "http://127.0.0.1:1002/x"), ("E_TEST", "udp:127.0.0.1:1001")],
            [.. all.Select(s => (s.EventName, s.Socket))]);
        Assert.Equal(3, Stat("subscribers"));
    }

    [Theory]
    [InlineData("udp:127.0.0.1")]
    [InlineData("udp:127.0.0.1:")]
    [InlineData("udp::5060")]
    [InlineData("udp:127.0.0.1:0")]
    [InlineData("udp:127.0.0.1:65536")]
    [InlineData("udp:127.0.0.1:50x")]
    [InlineData("udp:127.0.0.1:-5")]
    [InlineData("udp:::1:5060")]
    [InlineData("tcp:127.0.0.1:5060")]
    [InlineData("127.0.0.1:5060")]
    [InlineData("ftp://127.0.0.1/x")]
    [InlineData("http://")]
    [InlineData("")]
    public void Subscribe_BadSocket_BadSocketAndNotAdded(string socket)
    {
        _bus.Publish("E_TEST");
        var result = _bus.Subscribe("E_TEST", socket);
        Assert.Equal(SubscribeStatus.BadSocket, result.Status);
        Assert.False(result.Succeeded);
        Assert.Empty(_bus.Subscribers());
    }

    [Theory]
    [InlineData("udp:127.0.0.1:5060", "udp:127.0.0.1:5060")]
    [InlineData("udp:[::1]:5060", "udp:[::1]:5060")]
    [InlineData("udp:localhost:5060", "udp:localhost:5060")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/")]
    [InlineData("https://example.invalid/hook", "https://example.invalid/hook")]
    public void Subscribe_GoodSocket_ListedCanonically(string socket, string listed)
    {
        var result = _bus.Subscribe("E_CORE_THRESHOLD", socket);
        Assert.Equal(SubscribeStatus.Subscribed, result.Status);
        Assert.Equal(listed, Assert.Single(_bus.Subscribers()).Socket);
        Assert.NotNull(_bus.FindSubscriber("E_CORE_THRESHOLD", socket));
    }

    [Fact]
    public void Subscribe_UnknownEvent_UnknownEvent()
    {
        var result = _bus.Subscribe("E_NOPE", "udp:127.0.0.1:5060");
        Assert.Equal(SubscribeStatus.UnknownEvent, result.Status);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public void SweepExpired_PastExpiry_RemovesAndCounts()
    {
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", "udp:127.0.0.1:1001", 60);
        _bus.Subscribe("E_TEST", "udp:127.0.0.1:1002", 600);
        Assert.Equal(2, Stat("subscribers"));

        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, _bus.SweepExpired()); // at its expiry it is still live, as in OpenSIPS
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Single(_bus.Subscribers("E_TEST"));
        Assert.Equal(1, Stat("subscribers"));
        Assert.Equal(1, _bus.SweepExpired());
        Assert.Equal(1, Stat("expired_subscribers"));
        Assert.Equal(0, _bus.SweepExpired());
        Assert.Equal(1, Stat("expired_subscribers"));
        Assert.Equal("udp:127.0.0.1:1002", Assert.Single(_bus.Subscribers()).Socket);
    }

    [Fact]
    public async Task Raise_SubscriberExpired_NotSentRemovedAndCounted()
    {
        using var expired = new UdpSink();
        using var live = new UdpSink();
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", expired.Socket, 10);
        _bus.Subscribe("E_TEST", live.Socket, 100);
        _time.Advance(TimeSpan.FromSeconds(11));
        _bus.Start();

        _bus.Raise("E_TEST", NoParameters);

        Assert.NotNull(await live.ReceiveAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(await expired.ReceiveAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, Stat("expired_subscribers"));
        Assert.Equal(1, Stat("delivered"));
    }

    [Fact]
    public void Raise_QueueFullAndLoopNotStarted_DropsAndCounts()
    {
        _bus.Publish("E_TEST");
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(EventRaiseOutcome.Queued, _bus.TryRaise("E_TEST", NoParameters));
        }

        Assert.Equal(EventRaiseOutcome.Dropped, _bus.TryRaise("E_TEST", NoParameters));
        Assert.True(_bus.Raise("E_TEST", NoParameters)); // published: true even when dropped

        Assert.Equal(10_002, Stat("raised"));
        Assert.Equal(2, Stat("dropped"));
    }

    [Fact]
    public async Task Raise_QueueFull_CallerNeverBlocks()
    {
        await using var bus = new EventBus(new StatisticsRegistry(), new EventBusOptions { QueueCapacity = 4 });
        bus.Publish("E_TEST");
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 10_000; i++)
        {
            bus.Raise("E_TEST", NoParameters);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task Raise_ScriptSink_GetsEventWithParameters()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<RaisedEvent>();
        int id = _bus.Publish("E_TEST");
        _bus.ScriptSink = seen.Enqueue;
        _bus.Start();

        _bus.Raise("E_TEST", Named(("a", "x"), ("b", 1)));

        Assert.True(await Wait.UntilAsync(() => !seen.IsEmpty, TimeSpan.FromSeconds(5)));
        Assert.True(seen.TryDequeue(out var raised));
        Assert.Equal("E_TEST", raised.Name);
        Assert.Equal(id, raised.Id);
        Assert.Equal(2, raised.Parameters.Count);
        Assert.Equal("a", raised.Parameters[0].Name);
        Assert.Equal("x", (string?)raised.Parameters[0].Value);
        Assert.Equal(1, (int?)raised.Parameters[1].Value);
    }

    [Fact]
    public async Task Raise_ScriptSinkThrows_SubscribersStillGetEveryEvent()
    {
        using var sink = new UdpSink();
        int calls = 0;
        _bus.Publish("E_TEST");
        _bus.ScriptSink = _ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("script failed");
        };
        _bus.Subscribe("E_TEST", sink.Socket);
        _bus.Start();

        _bus.Raise("E_TEST", [new EventParameter(null, 1)]);
        _bus.Raise("E_TEST", [new EventParameter(null, 2)]);

        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":[1]}""", await sink.ReceiveRequiredAsync());
        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":[2]}""", await sink.ReceiveRequiredAsync());
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task ScriptSinkFilter_RejectsEvent_SinkNotCalledAndNoListener()
    {
        int calls = 0;
        _bus.Publish("E_A");
        _bus.Publish("E_B");
        _bus.ScriptSink = _ => Interlocked.Increment(ref calls);
        _bus.ScriptSinkFilter = name => name == "E_B";
        Assert.False(_bus.HasListeners("E_A"));
        Assert.True(_bus.HasListeners("E_B"));
        _bus.Start();

        _bus.Raise("E_A", NoParameters);
        _bus.Raise("E_B", NoParameters);

        Assert.True(await Wait.UntilAsync(() => Volatile.Read(ref calls) == 1, TimeSpan.FromSeconds(5)));
        await Task.Delay(100);
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public void HasListeners_OnlyExpiredSubscriber_False()
    {
        _bus.Publish("E_TEST");
        Assert.False(_bus.HasListeners("E_TEST"));
        _bus.Subscribe("E_TEST", "udp:127.0.0.1:1001", 5);
        Assert.True(_bus.HasListeners("E_TEST"));
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(_bus.HasListeners("E_TEST"));
        Assert.False(_bus.HasListeners("E_NOPE"));
    }

    [Fact]
    public async Task Raise_UdpDeliveryFails_CountedAndSubscriberKeptUntilExpiry()
    {
        using var live = new UdpSink();
        _bus.Publish("E_TEST");
        // The broadcast address without SO_BROADCAST: every sendto fails (EACCES).
        _bus.Subscribe("E_TEST", "udp:255.255.255.255:9", 60);
        _bus.Subscribe("E_TEST", live.Socket, 600);
        _bus.Start();

        _bus.Raise("E_TEST", NoParameters);

        Assert.NotNull(await live.ReceiveAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await Wait.UntilAsync(() => Stat("failed_deliveries") == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, Stat("delivered"));
        Assert.Equal(2, _bus.Subscribers("E_TEST").Count);

        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, _bus.SweepExpired());
        Assert.Equal(1, Stat("expired_subscribers"));
    }

    [Fact]
    public async Task Raise_HttpConnectionRefused_CountedAndSubscriberKept()
    {
        _bus.Publish("E_TEST");
        string url = "http://127.0.0.1:" + Wait.ClosedTcpPort() + "/";
        _bus.Subscribe("E_TEST", url, 60);
        _bus.Start();

        _bus.Raise("E_TEST", NoParameters);

        Assert.True(await Wait.UntilAsync(() => Stat("failed_deliveries") == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(0, Stat("delivered"));
        Assert.Equal(url, Assert.Single(_bus.Subscribers()).Socket);
    }

    [Fact]
    public async Task Raise_HttpErrorStatus_CountedAsFailed()
    {
        await using var server = new TestHttpServer(status: 500);
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", server.Url());
        _bus.Start();

        _bus.Raise("E_TEST", NoParameters);

        Assert.NotNull(await server.NextAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await Wait.UntilAsync(() => Stat("failed_deliveries") == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(0, Stat("delivered"));
    }

    [Fact]
    public async Task Raise_DeadHttpSubscriber_LiveSubscribersNotHeldUp()
    {
        // The dead webhook accepts and never answers: each POST costs the 2 s timeout. Delivering in turn would
        // take at least 2 s before anyone else hears of the first event and 10 s for five.
        await using var dead = new TestHttpServer(hang: true);
        await using var live = new TestHttpServer();
        using var udp = new UdpSink();
        _bus.Publish("E_TEST");
        _bus.Subscribe("E_TEST", dead.Url());
        _bus.Subscribe("E_TEST", live.Url());
        _bus.Subscribe("E_TEST", udp.Socket);
        _bus.Start();
        var watch = Stopwatch.StartNew();

        for (int i = 0; i < 5; i++)
        {
            _bus.Raise("E_TEST", [new EventParameter("n", i)]);
        }

        for (int i = 0; i < 5; i++)
        {
            Assert.NotNull(await udp.ReceiveAsync(TimeSpan.FromSeconds(5)));
            Assert.NotNull(await live.NextAsync(TimeSpan.FromSeconds(5)));
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), "live deliveries took " + watch.Elapsed);
        Assert.True(await Wait.UntilAsync(() => Stat("failed_deliveries") >= 1, TimeSpan.FromSeconds(6)));
        Assert.Equal(10, Stat("delivered"));
        Assert.Equal(3, _bus.Subscribers("E_TEST").Count);
    }

    [Fact]
    public void Constructor_Always_RegistersEventsStatisticsGroup()
    {
        Assert.Equal(
            [
                new("events:raised", "incremental"),
                new("events:delivered", "incremental"),
                new("events:failed_deliveries", "incremental"),
                new("events:dropped", "incremental"),
                new("events:expired_subscribers", "incremental"),
                new KeyValuePair<string, string>("events:subscribers", "non-incremental"),
            ],
            _statistics.List(["events:"]));
    }

    [Fact]
    public void SubscribersStatistic_Reset_KeepsItsValue()
    {
        _bus.Subscribe("E_CORE_THRESHOLD", "udp:127.0.0.1:1001");
        _statistics.Reset(["events:"]);
        Assert.Equal(1, Stat("subscribers"));
    }

    [Fact]
    public async Task DisposeAsync_Started_StopsLoopAndRejectsLaterWork()
    {
        var bus = new EventBus(new StatisticsRegistry(), _time);
        bus.Publish("E_TEST");
        bus.Subscribe("E_TEST", "http://127.0.0.1:" + Wait.ClosedTcpPort() + "/");
        bus.Start();

        await bus.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await bus.DisposeAsync();

        Assert.Equal(EventRaiseOutcome.Dropped, bus.TryRaise("E_TEST", NoParameters));
        Assert.Throws<ObjectDisposedException>(() => bus.Start());
        Assert.Throws<ObjectDisposedException>(() => bus.Subscribe("E_TEST", "udp:127.0.0.1:1"));
    }
}
