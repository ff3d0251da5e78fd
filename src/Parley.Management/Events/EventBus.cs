using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management.Statistics;

namespace Parley.Management.Events;

/// <summary>One attribute of a raised event: a name (null when raised with values only) and a JSON string or number.</summary>
public readonly record struct EventParameter(string? Name, JsonNode? Value);

/// <summary>An event as delivered: name, id and its parameters in raise order.</summary>
public sealed record RaisedEvent(string Name, int Id, IReadOnlyList<EventParameter> Parameters);

/// <summary>One subscription as <c>subscribers_list</c> shows it.</summary>
public sealed record EventSubscription(string EventName, string Socket, DateTimeOffset? ExpiresAt)
{
    /// <summary>The expire the subscription was made (or last refreshed) with, in seconds: what OpenSIPS prints as <c>expire</c>.</summary>
    public int ExpireSeconds { get; init; }

    /// <summary>When the subscription was made or last refreshed.</summary>
    public DateTimeOffset SubscribedAt { get; init; }
}

/// <summary>What <see cref="EventBus.TryRaise"/> did with an event.</summary>
public enum EventRaiseOutcome
{
    /// <summary>Queued for the delivery loop.</summary>
    Queued,

    /// <summary>No event of that name is published; nothing was queued or counted.</summary>
    NotPublished,

    /// <summary>The queue was full (or the bus disposed): the event was dropped and counted in <c>events:dropped</c>.</summary>
    Dropped,
}

/// <summary>What <see cref="EventBus.Subscribe"/> did.</summary>
public enum SubscribeStatus
{
    /// <summary>A new subscriber was added.</summary>
    Subscribed,

    /// <summary>The event already had this socket: its subscription time and expire were renewed.</summary>
    Refreshed,

    /// <summary>Expire 0 removed an existing subscriber.</summary>
    Unsubscribed,

    /// <summary>Expire 0 for a socket that was not subscribed: nothing changed (OpenSIPS answers OK too).</summary>
    NotSubscribed,

    /// <summary>No event of that name is published.</summary>
    UnknownEvent,

    /// <summary>The socket is neither <c>udp:HOST:PORT</c> nor an <c>http(s)://</c> URL, or its host cannot be resolved.</summary>
    BadSocket,
}

/// <summary>Outcome of <see cref="EventBus.Subscribe"/>: the status and, when subscribed or refreshed, the subscription.</summary>
public readonly record struct SubscribeResult(SubscribeStatus Status, EventSubscription? Subscription)
{
    /// <summary>False for an unknown event or a bad socket (OpenSIPS's 400 "Bad parameter value").</summary>
    public bool Succeeded => Status is not (SubscribeStatus.UnknownEvent or SubscribeStatus.BadSocket);
}

/// <summary>Tuning of an <see cref="EventBus"/>; the defaults suit a proxy.</summary>
public sealed class EventBusOptions
{
    /// <summary>Raised events waiting for the delivery loop; beyond this <see cref="EventBus.Raise"/> drops and counts.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Time limit of one webhook POST (connect included).</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Webhook POSTs in flight at once, over all subscribers.</summary>
    public int MaxConcurrentHttpDeliveries { get; init; } = 16;

    /// <summary>Bodies waiting for one webhook subscriber; beyond this its deliveries fail (and are counted) at once.</summary>
    public int HttpSubscriberQueueCapacity { get; init; } = 1_000;

    /// <summary>How often expired subscribers are removed even when their event is not raised.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// CONTRACT (issue 4): the event interface (OpenSIPS's EVI). Events are published (given an id), raised without
/// blocking the caller, and delivered on a background loop to the script sink (event_route) and to subscribers
/// (<c>udp:IP:PORT</c> datagrams, <c>http://…</c> POSTs) with JSON-RPC 2.0 notification bodies.
/// </summary>
/// <remarks>
/// <para>Follows OpenSIPS 3.x <c>evi/event_interface.c</c> (publish, subscribe, expiry), <c>evi/evi_transport.c</c>
/// (<c>evi_build_payload</c>: the body) and <c>modules/event_datagram</c> (the <c>udp:</c> socket).</para>
/// <para>Where Parley differs: OpenSIPS raises synchronously in the raising process; Parley queues (bounded) and
/// delivers on one background loop, so a raise never waits for a subscriber. <c>http://</c>/<c>https://</c> webhook
/// subscribers are Parley's own (POST of the same body); each has its own bounded queue and sender, so a slow or dead
/// webhook delays nobody else. <c>udp:</c> accepts a bracketed IPv6 host (<c>udp:[::1]:9000</c>). Expire 0
/// unsubscribes at once (OpenSIPS lets the subscription lapse at its next raise). A subscriber whose deliveries fail
/// is kept until its expiry, then dropped and counted in <c>events:expired_subscribers</c>.</para>
/// </remarks>
public sealed partial class EventBus : IAsyncDisposable
{
    /// <summary>OpenSIPS's DEFAULT_EXPIRE: the expire of <c>event_subscribe</c> without one, in seconds.</summary>
    public const int DefaultExpireSeconds = 3600;

    /// <summary>The statistics group of the bus.</summary>
    public const string StatisticsGroup = "events";

    /// <summary>
    /// The events OpenSIPS 3.x's core publishes from <c>evi/evi_core.c</c> (<c>evi_core_table</c>), in its order, so
    /// they get ids 0 to 4. OpenSIPS also publishes <c>E_CORE_SR_STATUS_CHANGED</c> (status-report framework) and
    /// <c>E_CORE_LOG</c> (only with <c>log_event_enabled</c>) outside that table; Parley has neither feature yet and
    /// does not publish them.
    /// </summary>
    public static readonly IReadOnlyList<string> CoreEventNames =
        ["E_CORE_THRESHOLD", "E_CORE_SHM_THRESHOLD", "E_CORE_PKG_THRESHOLD", "E_CORE_PROC_AUTO_SCALE", "E_CORE_TCP_DISCONNECT"];

    private static readonly JsonWriterOptions PayloadWriterOptions = new()
    {
        // cJSON_PrintUnformatted writes non-ASCII text as raw UTF-8.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly Lock _lock = new();
    private readonly List<EventEntry> _events = [];
    private volatile Dictionary<string, EventEntry> _byName = new(StringComparer.Ordinal);
    private volatile (string Name, int Id)[] _eventList = [];

    private readonly EventBusOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<RaisedEvent> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _httpSlots;
    private readonly Lazy<Socket> _udp;
    private readonly Lazy<HttpClient> _http;

    private readonly Statistic _raised;
    private readonly Statistic _delivered;
    private readonly Statistic _failed;
    private readonly Statistic _dropped;
    private readonly Statistic _expired;

    private Task? _loop;
    private ITimer? _sweepTimer;
    private int _disposed;

    public EventBus(StatisticsRegistry statistics, TimeProvider? time = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
        : this(statistics, new EventBusOptions(), time, loggers)
    {
    }

    /// <summary>A bus with explicit <paramref name="options"/>.</summary>
    public EventBus(StatisticsRegistry statistics, EventBusOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentHttpDeliveries, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HttpSubscriberQueueCapacity, 1, nameof(options));
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = loggers?.CreateLogger("Parley.Management.Events") ?? NullLogger.Instance;
        _queue = Channel.CreateBounded<RaisedEvent>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _httpSlots = new SemaphoreSlim(options.MaxConcurrentHttpDeliveries, options.MaxConcurrentHttpDeliveries);
        _udp = new Lazy<Socket>(CreateUdpSocket, LazyThreadSafetyMode.ExecutionAndPublication);
        _http = new Lazy<HttpClient>(() => CreateHttpClient(options.HttpTimeout), LazyThreadSafetyMode.ExecutionAndPublication);

        _raised = statistics.Register(StatisticsGroup, "raised", StatisticKind.Counter,
            description: "Events raised (published ones), including those dropped");
        _delivered = statistics.Register(StatisticsGroup, "delivered", StatisticKind.Counter,
            description: "Event notifications sent to subscribers");
        _failed = statistics.Register(StatisticsGroup, "failed_deliveries", StatisticKind.Counter,
            description: "Event notifications that could not be sent to a subscriber");
        _dropped = statistics.Register(StatisticsGroup, "dropped", StatisticKind.Counter,
            description: "Raised events dropped because the delivery queue was full");
        _expired = statistics.Register(StatisticsGroup, "expired_subscribers", StatisticKind.Counter,
            description: "Subscribers removed because their subscription expired");
        statistics.RegisterFunction(StatisticsGroup, "subscribers", CountLiveSubscribers,
            description: "Live event subscribers");

        foreach (var name in CoreEventNames)
        {
            Publish(name);
        }
    }

    /// <summary>Registers an event name (idempotent); returns its id. Core events are published by the constructor.</summary>
    public int Publish(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_lock)
        {
            if (_byName.TryGetValue(name, out var existing))
            {
                return existing.Id;
            }

            var entry = new EventEntry(name, _events.Count);
            _events.Add(entry);
            var byName = new Dictionary<string, EventEntry>(_byName, StringComparer.Ordinal) { [name] = entry };
            var list = new (string Name, int Id)[_events.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = (_events[i].Name, _events[i].Id);
            }

            _byName = byName;
            _eventList = list;
            return entry.Id;
        }
    }

    public bool IsPublished(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.ContainsKey(name);
    }

    /// <summary>The id of a published event (OpenSIPS's <c>evi_get_id</c>).</summary>
    public bool TryGetId(string name, out int id)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out var entry))
        {
            id = entry.Id;
            return true;
        }

        id = -1;
        return false;
    }

    /// <summary>Published events in id order.</summary>
    public IReadOnlyList<(string Name, int Id)> Events => _eventList;

    /// <summary>
    /// Queues an event for delivery and returns at once (never blocks; a full queue drops and counts). False when the
    /// event is not published.
    /// </summary>
    /// <remarks>The parameters are copied; their <see cref="JsonNode"/> values must not be changed afterwards.</remarks>
    public bool Raise(string name, IReadOnlyList<EventParameter> parameters) =>
        TryRaise(name, parameters) != EventRaiseOutcome.NotPublished;

    /// <summary>As <see cref="Raise"/>, telling a queued event from a dropped one.</summary>
    public EventRaiseOutcome TryRaise(string name, IReadOnlyList<EventParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!_byName.TryGetValue(name, out var entry))
        {
            return EventRaiseOutcome.NotPublished;
        }

        EventParameter[] copy;
        if (parameters.Count == 0)
        {
            copy = [];
        }
        else
        {
            copy = new EventParameter[parameters.Count];
            for (int i = 0; i < copy.Length; i++)
            {
                copy[i] = parameters[i];
            }
        }

        _raised.Increment();
        if (_queue.Writer.TryWrite(new RaisedEvent(entry.Name, entry.Id, copy)))
        {
            return EventRaiseOutcome.Queued;
        }

        _dropped.Increment();
        LogQueueFull(_logger, name);
        return EventRaiseOutcome.Dropped;
    }

    /// <summary>Called on the delivery loop for every raised event (the server runs <c>event_route[name]</c> here).</summary>
    public Action<RaisedEvent>? ScriptSink { get; set; }

    /// <summary>
    /// Which events <see cref="ScriptSink"/> handles (the server passes its <c>event_route</c> names); null means all.
    /// The sink is called only for accepted events, and only they count as listened to in <see cref="HasListeners"/>.
    /// </summary>
    public Predicate<string>? ScriptSinkFilter { get; set; }

    /// <summary>
    /// OpenSIPS's <c>evi_probe_event</c>: whether raising <paramref name="name"/> reaches anyone (a live subscriber or
    /// the script sink). Lets a raiser skip building parameters nobody reads.
    /// </summary>
    public bool HasListeners(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_byName.TryGetValue(name, out var entry))
        {
            return false;
        }

        if (ScriptSink is not null && (ScriptSinkFilter?.Invoke(name) ?? true))
        {
            return true;
        }

        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var sub in entry.Subscribers)
            {
                if (!sub.IsExpired(now))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// OpenSIPS's <c>event_subscribe</c>: subscribes <paramref name="socket"/> (<c>udp:HOST:PORT</c>, or Parley's
    /// <c>http://…</c>/<c>https://…</c> webhook) to <paramref name="eventName"/> for <paramref name="expireSeconds"/>.
    /// Subscribing the same event and socket again renews the subscription; expire 0 unsubscribes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative expire.</exception>
    public SubscribeResult Subscribe(string eventName, string socket, int expireSeconds = DefaultExpireSeconds)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentOutOfRangeException.ThrowIfNegative(expireSeconds);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        if (!_byName.TryGetValue(eventName, out var entry))
        {
            return new SubscribeResult(SubscribeStatus.UnknownEvent, null);
        }

        if (!TryParseSocket(socket, out var target))
        {
            return new SubscribeResult(SubscribeStatus.BadSocket, null);
        }

        var now = _time.GetUtcNow();
        Subscriber? removed = null;
        SubscribeResult result;
        lock (_lock)
        {
            int index = entry.IndexOf(target.Key);
            if (expireSeconds == 0)
            {
                if (index < 0)
                {
                    return new SubscribeResult(SubscribeStatus.NotSubscribed, null);
                }

                removed = entry.Subscribers[index];
                entry.Subscribers.RemoveAt(index);
                result = new SubscribeResult(SubscribeStatus.Unsubscribed, null);
            }
            else if (index >= 0)
            {
                var sub = entry.Subscribers[index];
                sub.SubscribedAt = now;
                sub.ExpireSeconds = expireSeconds;
                result = new SubscribeResult(SubscribeStatus.Refreshed, sub.Snapshot());
            }
            else
            {
                var sub = new Subscriber(entry, target) { SubscribedAt = now, ExpireSeconds = expireSeconds };
                if (target.Http is not null)
                {
                    sub.Outbox = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(_options.HttpSubscriberQueueCapacity)
                    {
                        FullMode = BoundedChannelFullMode.Wait,
                        SingleReader = true,
                        SingleWriter = true,
                    });
                    sub.Sender = Task.Run(() => RunHttpSenderAsync(sub));
                }

                // OpenSIPS links a new subscriber at the head of the list: the newest is listed first.
                entry.Subscribers.Insert(0, sub);
                result = new SubscribeResult(SubscribeStatus.Subscribed, sub.Snapshot());
            }
        }

        if (removed is not null)
        {
            Retire(removed);
        }

        return result;
    }

    /// <summary>Shorthand for <see cref="Subscribe"/> with expire 0; true when a subscriber was removed.</summary>
    public bool Unsubscribe(string eventName, string socket) =>
        Subscribe(eventName, socket, 0).Status == SubscribeStatus.Unsubscribed;

    /// <summary>
    /// Live subscriptions of <paramref name="eventName"/> (all events, in id order, when null), newest first within an
    /// event as OpenSIPS lists them. Unknown events have none.
    /// </summary>
    public IReadOnlyList<EventSubscription> Subscribers(string? eventName = null)
    {
        var now = _time.GetUtcNow();
        var result = new List<EventSubscription>();
        lock (_lock)
        {
            foreach (var entry in _events)
            {
                if (eventName is not null && !string.Equals(entry.Name, eventName, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var sub in entry.Subscribers)
                {
                    if (!sub.IsExpired(now))
                    {
                        result.Add(sub.Snapshot());
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The live subscription of <paramref name="socket"/> to <paramref name="eventName"/>, or null.</summary>
    public EventSubscription? FindSubscriber(string eventName, string socket)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(socket);
        if (!_byName.TryGetValue(eventName, out var entry) || !TryParseSocket(socket, out var target, resolve: false))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        lock (_lock)
        {
            int index = entry.IndexOf(target.Key);
            return index >= 0 && !entry.Subscribers[index].IsExpired(now) ? entry.Subscribers[index].Snapshot() : null;
        }
    }

    /// <summary>
    /// Removes every expired subscriber now and counts them in <c>events:expired_subscribers</c>; returns how many.
    /// Runs every <see cref="EventBusOptions.SweepInterval"/> once started; delivery also removes them lazily.
    /// </summary>
    public int SweepExpired()
    {
        var now = _time.GetUtcNow();
        List<Subscriber>? removed = null;
        lock (_lock)
        {
            foreach (var entry in _events)
            {
                RemoveExpired(entry, now, ref removed);
            }
        }

        return RetireExpired(removed);
    }

    /// <summary>
    /// The JSON-RPC 2.0 notification OpenSIPS's <c>evi_build_payload</c> builds (as sent by <c>event_datagram</c> and
    /// <c>event_stream</c>): <c>{"jsonrpc":"2.0","method":NAME,"params":…}</c>. <c>params</c> is an object when the
    /// first parameter has a name, an array of values when it has none, and absent when there are no parameters.
    /// </summary>
    public static byte[] BuildNotification(string name, IReadOnlyList<EventParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, PayloadWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteString("method", name);
            if (parameters.Count > 0)
            {
                bool named = parameters[0].Name is not null;
                writer.WritePropertyName("params");
                if (named)
                {
                    writer.WriteStartObject();
                }
                else
                {
                    writer.WriteStartArray();
                }

                foreach (var p in parameters)
                {
                    if (named)
                    {
                        writer.WritePropertyName(p.Name ?? string.Empty);
                    }

                    if (p.Value is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        p.Value.WriteTo(writer);
                    }
                }

                if (named)
                {
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteEndArray();
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Starts the delivery loop (once; later calls do nothing).</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_lock)
        {
            if (_loop is not null)
            {
                return;
            }

            var token = _stopping.Token;
            _loop = Task.Run(() => RunDeliveryLoopAsync(token), CancellationToken.None);
            if (_options.SweepInterval > TimeSpan.Zero)
            {
                _sweepTimer = _time.CreateTimer(_ => SweepSafely(), null, _options.SweepInterval, _options.SweepInterval);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task? loop;
        ITimer? timer;
        var senders = new List<Task>();
        lock (_lock)
        {
            loop = _loop;
            timer = _sweepTimer;
            foreach (var entry in _events)
            {
                foreach (var sub in entry.Subscribers)
                {
                    sub.Removed = true;
                    sub.Outbox?.Writer.TryComplete();
                    if (sub.Sender is not null)
                    {
                        senders.Add(sub.Sender);
                    }
                }

                entry.Subscribers.Clear();
            }
        }

        if (timer is not null)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        await Task.WhenAll(senders).ConfigureAwait(false);
        if (_udp.IsValueCreated)
        {
            _udp.Value.Dispose();
        }

        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }

        _httpSlots.Dispose();
        _stopping.Dispose();
    }

    private async Task RunDeliveryLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var raised))
                {
                    Deliver(raised);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Deliver(RaisedEvent raised)
    {
        var sink = ScriptSink;
        if (sink is not null && (ScriptSinkFilter?.Invoke(raised.Name) ?? true))
        {
            try
            {
                sink(raised);
            }
            catch (Exception e)
            {
                LogScriptSinkFailed(_logger, raised.Name, e);
            }
        }

        if (!_byName.TryGetValue(raised.Name, out var entry))
        {
            return;
        }

        var now = _time.GetUtcNow();
        Subscriber[] targets;
        List<Subscriber>? expired = null;
        lock (_lock)
        {
            RemoveExpired(entry, now, ref expired);
            targets = entry.Subscribers.Count == 0 ? [] : entry.Subscribers.ToArray();
        }

        RetireExpired(expired);
        if (targets.Length == 0)
        {
            return;
        }

        byte[] body;
        try
        {
            body = BuildNotification(raised.Name, raised.Parameters);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or JsonException)
        {
            LogPayloadFailed(_logger, raised.Name, e);
            _failed.Increment(targets.Length);
            return;
        }

        foreach (var sub in targets)
        {
            if (sub.Target.Udp is not null)
            {
                SendDatagram(sub, raised.Name, body);
            }
            else if (!sub.Outbox!.Writer.TryWrite(new Outgoing(raised.Name, body)))
            {
                _failed.Increment();
                LogHttpBacklogFull(_logger, raised.Name, sub.Target.Key);
            }
        }
    }

    private void SendDatagram(Subscriber sub, string eventName, byte[] body)
    {
        try
        {
            _udp.Value.SendTo(body, SocketFlags.None, sub.Target.Udp!);
            _delivered.Increment();
        }
        catch (SocketException e)
        {
            _failed.Increment();
            LogUdpFailed(_logger, eventName, sub.Target.Key, e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            _failed.Increment();
        }
    }

    private async Task RunHttpSenderAsync(Subscriber sub)
    {
        var reader = sub.Outbox!.Reader;
        var cancellationToken = _stopping.Token;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (sub.Removed)
                    {
                        return;
                    }

                    await PostAsync(sub, item, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task PostAsync(Subscriber sub, Outgoing item, CancellationToken cancellationToken)
    {
        await _httpSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var content = new ByteArrayContent(item.Body);
            content.Headers.ContentType = JsonContentType;
            using var response = await _http.Value.PostAsync(sub.Target.Http, content, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                _delivered.Increment();
            }
            else
            {
                _failed.Increment();
                LogHttpFailed(_logger, item.EventName, sub.Target.Key, "HTTP " + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            // A timeout surfaces as TaskCanceledException (an OperationCanceledException) without our token set.
            _failed.Increment();
            LogHttpFailed(_logger, item.EventName, sub.Target.Key, e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            _httpSlots.Release();
        }
    }

    private void SweepSafely()
    {
        try
        {
            SweepExpired();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Moves the expired subscribers of <paramref name="entry"/> to <paramref name="removed"/>; caller holds the lock.</summary>
    private static void RemoveExpired(EventEntry entry, DateTimeOffset now, ref List<Subscriber>? removed)
    {
        for (int i = entry.Subscribers.Count - 1; i >= 0; i--)
        {
            var sub = entry.Subscribers[i];
            if (sub.IsExpired(now))
            {
                entry.Subscribers.RemoveAt(i);
                (removed ??= []).Add(sub);
            }
        }
    }

    private int RetireExpired(List<Subscriber>? removed)
    {
        if (removed is null)
        {
            return 0;
        }

        foreach (var sub in removed)
        {
            _expired.Increment();
            LogSubscriberExpired(_logger, sub.Event.Name, sub.Target.Key);
            Retire(sub);
        }

        return removed.Count;
    }

    private static void Retire(Subscriber sub)
    {
        sub.Removed = true;
        sub.Outbox?.Writer.TryComplete();
    }

    private long CountLiveSubscribers()
    {
        var now = _time.GetUtcNow();
        long n = 0;
        lock (_lock)
        {
            foreach (var entry in _events)
            {
                foreach (var sub in entry.Subscribers)
                {
                    if (!sub.IsExpired(now))
                    {
                        n++;
                    }
                }
            }
        }

        return n;
    }

    private static Socket CreateUdpSocket()
    {
        Socket socket;
        if (Socket.OSSupportsIPv6)
        {
            socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
        }
        else
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        }

        // As event_datagram: a full send buffer fails the delivery instead of blocking the loop.
        socket.Blocking = false;
        return socket;
    }

    private static HttpClient CreateHttpClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
    }

    /// <summary>
    /// Parses a subscriber socket. <c>udp:HOST:PORT</c> as event_datagram (port 1-65535, digits only; the host an IP
    /// literal, a bracketed IPv6 literal, or a name resolved now), or an absolute <c>http</c>/<c>https</c> URL.
    /// </summary>
    internal static bool TryParseSocket(string socket, out SubscriberTarget target, bool resolve = true)
    {
        target = default;
        if (socket.StartsWith("udp:", StringComparison.Ordinal))
        {
            var rest = socket.AsSpan(4);
            int colon = rest.LastIndexOf(':');
            if (colon <= 0 || colon == rest.Length - 1)
            {
                return false;
            }

            var portText = rest[(colon + 1)..];
            int port = 0;
            foreach (var c in portText)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }

                port = (port * 10) + (c - '0');
                if (port > 65535)
                {
                    return false;
                }
            }

            if (port == 0)
            {
                return false;
            }

            string host = rest[..colon].ToString();
            bool bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
            string bare = bracketed ? host[1..^1] : host;
            if (bracketed != bare.Contains(':', StringComparison.Ordinal))
            {
                // An IPv6 literal must be bracketed (its colons would be ambiguous), and only an IPv6 literal may be.
                return false;
            }

            if (!IPAddress.TryParse(bare, out var address))
            {
                if (bracketed || Uri.CheckHostName(bare) != UriHostNameType.Dns)
                {
                    return false;
                }

                if (resolve && !TryResolve(bare, out address))
                {
                    return false;
                }
            }

            string key = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"udp:{host}:{port}");
            target = new SubscriberTarget(key, address is null ? null : new IPEndPoint(address, port), null);
            return true;
        }

        if ((socket.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || socket.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            && Uri.TryCreate(socket, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Length > 0)
        {
            target = new SubscriberTarget(uri.AbsoluteUri, null, uri);
            return true;
        }

        return false;
    }

    private static bool TryResolve(string host, out IPAddress? address)
    {
        address = null;
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            foreach (var a in addresses)
            {
                // resolvehost() gives the first IPv4 address; prefer it, take IPv6 otherwise.
                if (a.AddressFamily == AddressFamily.InterNetwork)
                {
                    address = a;
                    return true;
                }
            }

            address = addresses.Length > 0 ? addresses[0] : null;
            return address is not null;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Event {Event} dropped: the delivery queue is full")]
    private static partial void LogQueueFull(ILogger logger, string @event);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "event_route for {Event} failed")]
    private static partial void LogScriptSinkFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Event {Event} to {Socket} failed: {Error}")]
    private static partial void LogUdpFailed(ILogger logger, string @event, string socket, SocketError error);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Event {Event} to {Socket} failed: {Error}")]
    private static partial void LogHttpFailed(ILogger logger, string @event, string socket, string error);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Event {Event} to {Socket} failed: too many deliveries waiting for it")]
    private static partial void LogHttpBacklogFull(ILogger logger, string @event, string socket);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Subscriber {Socket} of {Event} expired and was removed")]
    private static partial void LogSubscriberExpired(ILogger logger, string @event, string socket);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Could not build the body of event {Event}")]
    private static partial void LogPayloadFailed(ILogger logger, string @event, Exception exception);

    /// <summary>A parsed subscriber socket: its canonical text (what is listed and matched) and where to send.</summary>
    internal readonly record struct SubscriberTarget(string Key, IPEndPoint? Udp, Uri? Http);

    private readonly record struct Outgoing(string EventName, byte[] Body);

    private sealed class EventEntry(string name, int id)
    {
        public string Name { get; } = name;

        public int Id { get; } = id;

        /// <summary>Newest first; guarded by the bus lock.</summary>
        public List<Subscriber> Subscribers { get; } = [];

        public int IndexOf(string key)
        {
            for (int i = 0; i < Subscribers.Count; i++)
            {
                if (string.Equals(Subscribers[i].Target.Key, key, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }
    }

    private sealed class Subscriber(EventEntry entry, SubscriberTarget target)
    {
        public EventEntry Event { get; } = entry;

        public SubscriberTarget Target { get; } = target;

        /// <summary>Guarded by the bus lock.</summary>
        public DateTimeOffset SubscribedAt { get; set; }

        /// <summary>Guarded by the bus lock.</summary>
        public int ExpireSeconds { get; set; }

        public Channel<Outgoing>? Outbox { get; set; }

        public Task? Sender { get; set; }

        public volatile bool Removed;

        public DateTimeOffset ExpiresAt => SubscribedAt.AddSeconds(ExpireSeconds);

        /// <summary>As OpenSIPS: expired once the subscription time plus expire is in the past.</summary>
        public bool IsExpired(DateTimeOffset now) => ExpiresAt < now;

        public EventSubscription Snapshot() => new(Event.Name, Target.Key, ExpiresAt)
        {
            ExpireSeconds = ExpireSeconds,
            SubscribedAt = SubscribedAt,
        };
    }
}
