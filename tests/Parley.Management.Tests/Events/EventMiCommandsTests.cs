using Parley.Management.Events;
using Parley.Management.Mi;
using Parley.Management.Statistics;
using Parley.Management.Tests.Mi;

namespace Parley.Management.Tests.Events;

public sealed class EventMiCommandsTests : IAsyncLifetime
{
    private const string Ok = """{"jsonrpc":"2.0","result":"OK","id":1}""";

    private readonly StatisticsRegistry _statistics = new();
    private readonly ManualTimeProvider _time = new();
    private readonly MiCommandRegistry _registry = new();
    private EventBus _bus = null!;
    private JsonRpcDispatcher _dispatcher = null!;

    public Task InitializeAsync()
    {
        _bus = new EventBus(_statistics, _time);
        _bus.Publish("E_TEST");
        EventMiCommands.Register(_registry, _bus);
        _dispatcher = new JsonRpcDispatcher(_registry);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        _statistics.Dispose();
    }

    private string Call(string method, string? parameters = null)
    {
        string request = parameters is null
            ? "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"id\":1}"
            : "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"params\":" + parameters + ",\"id\":1}";
        var (status, body) = MiTestSupport.Run(_dispatcher, request);
        Assert.Equal(200, status);
        return body!;
    }

    private static string Error(int code, string message) =>
        "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\"},\"id\":1}";

    private static string InvalidParams(string data) =>
        "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"Invalid params\",\"data\":\"" + data + "\"},\"id\":1}";

    [Fact]
    public void Register_Always_OpenSipsNamesRecipesAndOrder()
    {
        Assert.Equal(
            [
                "event_subscribe: event,socket | event,socket,expire",
                "events_list: ",
                "subscribers_list:  | event | event,socket",
                "raise_event: event | event,params",
            ],
            _registry.Commands.Select(c => c.Name + ": " + string.Join(" | ", c.Recipes.Select(r => string.Join(",", r.Parameters.Select(p => p.Name))))));
        Assert.All(_registry.Commands, c => Assert.Equal("core", c.Module));
    }

    [Fact]
    public void EventsList_NoParams_EveryEventWithIdInOrder()
    {
        Assert.Equal(
            """{"jsonrpc":"2.0","result":{"Events":[{"name":"E_CORE_THRESHOLD","id":0},{"name":"E_CORE_SHM_THRESHOLD","id":1},{"name":"E_CORE_PKG_THRESHOLD","id":2},{"name":"E_CORE_PROC_AUTO_SCALE","id":3},{"name":"E_CORE_TCP_DISCONNECT","id":4},{"name":"E_TEST","id":5}]},"id":1}""",
            Call("events_list"));
    }

    [Fact]
    public void EventSubscribe_NamedWithExpire_OkAndListed()
    {
        Assert.Equal(Ok, Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:8888","expire":120}"""));

        var subscription = Assert.Single(_bus.Subscribers("E_TEST"));
        Assert.Equal("udp:127.0.0.1:8888", subscription.Socket);
        Assert.Equal(_time.GetUtcNow().AddSeconds(120), subscription.ExpiresAt);
    }

    [Fact]
    public void EventSubscribe_PositionalWithoutExpire_DefaultOneHour()
    {
        Assert.Equal(Ok, Call("event_subscribe", """["E_TEST","udp:127.0.0.1:8888"]"""));
        Assert.Equal(3600, Assert.Single(_bus.Subscribers()).ExpireSeconds);
    }

    [Fact]
    public void EventSubscribe_ExpireAsString_Accepted()
    {
        Assert.Equal(Ok, Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:8888","expire":"30"}"""));
        Assert.Equal(30, Assert.Single(_bus.Subscribers()).ExpireSeconds);
    }

    [Fact]
    public void EventSubscribe_ExpireZero_Unsubscribes()
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:8888"}""");
        Assert.Equal(Ok, Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:8888","expire":0}"""));
        Assert.Empty(_bus.Subscribers());
    }

    [Fact]
    public void EventSubscribe_UnknownEvent_400BadParameterValue()
    {
        Assert.Equal(Error(400, "Bad parameter value"), Call("event_subscribe", """{"event":"E_NOPE","socket":"udp:127.0.0.1:8888"}"""));
    }

    [Theory]
    [InlineData("udp:127.0.0.1")]
    [InlineData("tcp:127.0.0.1:8888")]
    [InlineData("nonsense")]
    [InlineData("")]
    public void EventSubscribe_BadSocket_400BadParameterValue(string socket)
    {
        Assert.Equal(Error(400, "Bad parameter value"), Call("event_subscribe", "{\"event\":\"E_TEST\",\"socket\":\"" + socket + "\"}"));
        Assert.Empty(_bus.Subscribers());
    }

    [Fact]
    public void EventSubscribe_NegativeExpire_InvalidParamsNegativeExpireValue()
    {
        Assert.Equal(InvalidParams("Negative expire value"), Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:8888","expire":-1}"""));
    }

    [Fact]
    public void EventSubscribe_ExpireNotInteger_BadTypeForParameter()
    {
        Assert.Equal(InvalidParams("Bad type for parameter 'expire'"), Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:8888","expire":"soon"}"""));
    }

    [Fact]
    public void SubscribersList_NoParams_OnlyEventsWithSubscribersNewestFirst()
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001","expire":60}""");
        Call("event_subscribe", """{"event":"E_TEST","socket":"http://127.0.0.1:1002/hook"}""");
        Call("event_subscribe", """{"event":"E_CORE_THRESHOLD","socket":"udp:127.0.0.1:1003","expire":10}""");

        Assert.Equal(
            """{"jsonrpc":"2.0","result":{"Events":[{"name":"E_CORE_THRESHOLD","id":0,"Subscribers":[{"socket":"udp:127.0.0.1:1003","expire":10}]},{"name":"E_TEST","id":5,"Subscribers":[{"socket":"http://127.0.0.1:1002/hook","expire":3600},{"socket":"udp:127.0.0.1:1001","expire":60}]}]},"id":1}""",
            Call("subscribers_list"));
    }

    [Fact]
    public void SubscribersList_NoSubscribers_EmptyEvents()
    {
        Assert.Equal("""{"jsonrpc":"2.0","result":{"Events":[]},"id":1}""", Call("subscribers_list"));
    }

    [Fact]
    public void SubscribersList_ExpiredSubscriber_NotListed()
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001","expire":5}""");
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("""{"jsonrpc":"2.0","result":{"Events":[]},"id":1}""", Call("subscribers_list"));
    }

    [Fact]
    public void SubscribersList_Event_EventObjectWithSubscribers()
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001","expire":60}""");
        Assert.Equal(
            """{"jsonrpc":"2.0","result":{"Event":{"name":"E_TEST","id":5,"Subscribers":[{"socket":"udp:127.0.0.1:1001","expire":60}]}},"id":1}""",
            Call("subscribers_list", """{"event":"E_TEST"}"""));
    }

    [Fact]
    public void SubscribersList_EventWithoutSubscribers_EmptyEventObject()
    {
        Assert.Equal("""{"jsonrpc":"2.0","result":{"Event":{}},"id":1}""", Call("subscribers_list", """{"event":"E_TEST"}"""));
    }

    [Fact]
    public void SubscribersList_UnknownEvent_404EventNotPublished()
    {
        Assert.Equal(Error(404, "Event not published"), Call("subscribers_list", """{"event":"E_NOPE"}"""));
        Assert.Equal(Error(404, "Event not published"), Call("subscribers_list", """{"event":"E_NOPE","socket":"udp:127.0.0.1:1001"}"""));
    }

    [Fact]
    public void SubscribersList_EventAndSocket_SingleSubscriberObject()
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001","expire":60}""");
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1002","expire":70}""");
        Assert.Equal(
            """{"jsonrpc":"2.0","result":{"Event":{"name":"E_TEST","id":5,"Subscriber":{"socket":"udp:127.0.0.1:1001","expire":60}}},"id":1}""",
            Call("subscribers_list", """["E_TEST","udp:127.0.0.1:1001"]"""));
    }

    [Theory]
    [InlineData("udp:127.0.0.1:1009")]
    [InlineData("garbage")]
    public void SubscribersList_UnknownSocket_404SubscriberDoesNotExist(string socket)
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001"}""");
        Assert.Equal(Error(404, "Subscriber does not exist"), Call("subscribers_list", "{\"event\":\"E_TEST\",\"socket\":\"" + socket + "\"}"));
    }

    [Fact]
    public void RaiseEvent_UnknownEvent_404EventNotRegistered()
    {
        Assert.Equal(Error(404, "Event not registered"), Call("raise_event", """{"event":"E_NOPE"}"""));
    }

    [Fact]
    public void RaiseEvent_NobodyListening_480TemporarilyUnavailable()
    {
        Assert.Equal(Error(480, "Temporarily Unavailable"), Call("raise_event", """{"event":"E_TEST"}"""));
        Assert.Equal(0, _statistics.Find("events:raised")!.Value);
    }

    [Fact]
    public async Task RaiseEvent_NoParams_SubscriberGetsBareNotification()
    {
        using var sink = new UdpSink();
        Call("event_subscribe", "{\"event\":\"E_TEST\",\"socket\":\"" + sink.Socket + "\"}");
        _bus.Start();

        Assert.Equal(Ok, Call("raise_event", """{"event":"E_TEST"}"""));

        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST"}""", await sink.ReceiveRequiredAsync());
    }

    [Fact]
    public async Task RaiseEvent_ArrayParams_UnnamedStringValues()
    {
        using var sink = new UdpSink();
        Call("event_subscribe", "{\"event\":\"E_TEST\",\"socket\":\"" + sink.Socket + "\"}");
        _bus.Start();

        Assert.Equal(Ok, Call("raise_event", """{"event":"E_TEST","params":["a",5,7.9]}"""));

        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":["a","5","7"]}""", await sink.ReceiveRequiredAsync());
    }

    [Fact]
    public async Task RaiseEvent_JsonStringParams_NamedParametersTypedAsOpenSips()
    {
        using var sink = new UdpSink();
        Call("event_subscribe", "{\"event\":\"E_TEST\",\"socket\":\"" + sink.Socket + "\"}");
        _bus.Start();

        Assert.Equal(Ok, Call("raise_event", """{"event":"E_TEST","params":"{\"user\":\"alice\",\"count\":3,\"ratio\":2.5,\"flag\":true,\"list\":[1, 2]}"}"""));

        Assert.Equal(
            """{"jsonrpc":"2.0","method":"E_TEST","params":{"user":"alice","count":3,"ratio":2,"flag":"true","list":"[1,2]"}}""",
            await sink.ReceiveRequiredAsync());
    }

    [Fact]
    public async Task RaiseEvent_ObjectParams_TakenAsNamedParameters()
    {
        using var sink = new UdpSink();
        Call("event_subscribe", "{\"event\":\"E_TEST\",\"socket\":\"" + sink.Socket + "\"}");
        _bus.Start();

        Assert.Equal(Ok, Call("raise_event", """{"event":"E_TEST","params":{"user":"bob","n":1}}"""));

        Assert.Equal("""{"jsonrpc":"2.0","method":"E_TEST","params":{"user":"bob","n":1}}""", await sink.ReceiveRequiredAsync());
    }

    [Fact]
    public async Task RaiseEvent_ScriptSinkOnly_Raised()
    {
        var raised = new TaskCompletionSource<RaisedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.ScriptSink = e => raised.TrySetResult(e);
        _bus.Start();

        Assert.Equal(Ok, Call("raise_event", """{"event":"E_TEST","params":["x"]}"""));

        var e = await raised.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("E_TEST", e.Name);
        Assert.Equal("x", (string?)Assert.Single(e.Parameters).Value);
    }

    [Theory]
    [InlineData("\"not json\"")]
    [InlineData("\"[1,2]\"")]
    [InlineData("5")]
    [InlineData("[{\"a\":1}]")]
    [InlineData("[\"a\",null]")]
    public void RaiseEvent_BadParams_400BadParams(string parameters)
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001"}""");
        Assert.Equal(Error(400, "Bad Params"), Call("raise_event", "{\"event\":\"E_TEST\",\"params\":" + parameters + "}"));
        Assert.Equal(0, _statistics.Find("events:raised")!.Value);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("null")]
    public void RaiseEvent_ParamsNeitherStringNorArray_400NoParams(string parameters)
    {
        Call("event_subscribe", """{"event":"E_TEST","socket":"udp:127.0.0.1:1001"}""");
        Assert.Equal(Error(400, "No Params"), Call("raise_event", "{\"event\":\"E_TEST\",\"params\":" + parameters + "}"));
    }

    [Fact]
    public async Task RaiseEvent_QueueFull_500CannotRaiseEvent()
    {
        await using var bus = new EventBus(new StatisticsRegistry(), new EventBusOptions { QueueCapacity = 1 });
        var registry = new MiCommandRegistry();
        EventMiCommands.Register(registry, bus);
        bus.Subscribe("E_CORE_THRESHOLD", "udp:127.0.0.1:1001");
        const string request = """{"jsonrpc":"2.0","method":"raise_event","params":{"event":"E_CORE_THRESHOLD"},"id":1}""";

        Assert.Equal(Ok, MiTestSupport.Run(registry, request).Body);
        Assert.Equal(Error(500, "Cannot Raise Event"), MiTestSupport.Run(registry, request).Body);
    }
}
