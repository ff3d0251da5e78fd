using System.Text.Json.Nodes;
using Parley.Management.Statistics;

namespace Parley.Management.Events;

/// <summary>One attribute of a raised event: a name (null when raised with values only) and a JSON string or number.</summary>
public readonly record struct EventParameter(string? Name, JsonNode? Value);

/// <summary>An event as delivered: name, id and its parameters in raise order.</summary>
public sealed record RaisedEvent(string Name, int Id, IReadOnlyList<EventParameter> Parameters);

/// <summary>One subscription as <c>subscribers_list</c> shows it.</summary>
public sealed record EventSubscription(string EventName, string Socket, DateTimeOffset? ExpiresAt);

/// <summary>
/// CONTRACT (issue 4): the event interface (OpenSIPS's EVI). Events are published (given an id), raised without
/// blocking the caller, and delivered on a background loop to the script sink (event_route) and to subscribers
/// (<c>udp:IP:PORT</c> datagrams, <c>http://…</c> POSTs) with JSON-RPC 2.0 notification bodies.
/// </summary>
public sealed class EventBus : IAsyncDisposable
{
    public EventBus(StatisticsRegistry statistics, TimeProvider? time = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        throw new NotImplementedException();
    }

    /// <summary>Registers an event name (idempotent); returns its id. Core events are published by the constructor.</summary>
    public int Publish(string name) => throw new NotImplementedException();

    public bool IsPublished(string name) => throw new NotImplementedException();

    /// <summary>Published events in id order.</summary>
    public IReadOnlyList<(string Name, int Id)> Events => throw new NotImplementedException();

    /// <summary>
    /// Queues an event for delivery and returns at once (never blocks; a full queue drops and counts). False when the
    /// event is not published.
    /// </summary>
    public bool Raise(string name, IReadOnlyList<EventParameter> parameters) => throw new NotImplementedException();

    /// <summary>Called on the delivery loop for every raised event (the server runs <c>event_route[name]</c> here).</summary>
    public Action<RaisedEvent>? ScriptSink { get; set; }

    /// <summary>Starts the delivery loop.</summary>
    public void Start() => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
