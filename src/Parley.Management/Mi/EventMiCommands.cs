using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Management.Events;

namespace Parley.Management.Mi;

/// <summary>
/// The Event Interface MI commands of the OpenSIPS 3.x core (<c>mi/mi_core.c</c>, handlers in
/// <c>evi/event_interface.c</c>), over an <see cref="EventBus"/>, with OpenSIPS's recipes, shapes and errors:
/// <list type="bullet">
/// <item><c>event_subscribe {event, socket}</c> / <c>{event, socket, expire}</c> (expire defaults to 3600; 0 unsubscribes)
/// → <c>"OK"</c>; unknown event or bad socket → 400 "Bad parameter value"; negative expire → -32602 "Invalid params"
/// with "Negative expire value".</item>
/// <item><c>events_list</c> → <c>{"Events":[{"name","id"}…]}</c> in id order.</item>
/// <item><c>subscribers_list</c> → <c>{"Events":[{"name","id","Subscribers":[{"socket","expire"}…]}…]}</c>, only events
/// with subscribers; <c>{event}</c> → <c>{"Event":{"name","id","Subscribers":[…]}}</c> (<c>{"Event":{}}</c> when it has
/// none), 404 "Event not published"; <c>{event, socket}</c> → <c>{"Event":{"name","id","Subscriber":{"socket","expire"}}}</c>,
/// 404 "Subscriber does not exist". <c>expire</c> is the expire the subscription was made with, in seconds.</item>
/// <item><c>raise_event {event}</c> / <c>{event, params}</c> → <c>"OK"</c>; unknown event → 404 "Event not registered";
/// nobody listening → 480 "Temporarily Unavailable"; <c>params</c> an array → unnamed string values (numbers as their
/// integer text); a string → parsed as a JSON object whose members become named parameters (numbers as integers,
/// strings as strings, anything else as its JSON text); otherwise 400 "No Params" / "Bad Params"; a full queue →
/// 500 "Cannot Raise Event".</item>
/// </list>
/// Parley differences: sockets may also be <c>http(s)://</c> webhooks (see <see cref="EventBus"/>), and
/// <c>raise_event</c> also accepts <c>params</c> given directly as a JSON object (OpenSIPS answers 400 "No Params").
/// </summary>
public static class EventMiCommands
{
    public const string BadParameterValue = "Bad parameter value";
    public const string NegativeExpire = "Negative expire value";
    public const string EventNotPublished = "Event not published";
    public const string SubscriberDoesNotExist = "Subscriber does not exist";
    public const string EventNotRegistered = "Event not registered";
    public const string TemporarilyUnavailable = "Temporarily Unavailable";
    public const string NoParams = "No Params";
    public const string BadParams = "Bad Params";
    public const string CannotRaiseEvent = "Cannot Raise Event";

    private static readonly JsonWriterOptions CompactWriter = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonReaderOptions Reader = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Registers the four commands, in OpenSIPS's order.</summary>
    public static void Register(MiCommandRegistry registry, EventBus bus)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(bus);
        registry.Register(new MiCommand("event_subscribe", "subscribes an event to the Event Interface",
            [
                new MiRecipe(MiParam.Str("event"), MiParam.Str("socket")),
                new MiRecipe(MiParam.Str("event"), MiParam.Str("socket"), MiParam.Int("expire")),
            ],
            r => Subscribe(bus, r)));
        registry.Register(new MiCommand("events_list", "lists all the events advertised through the Event Interface",
            [new MiRecipe()], _ => EventsList(bus)));
        registry.Register(new MiCommand("subscribers_list", "lists all the Event Interface subscribers; Params: [ event [ subscriber ]]",
            [
                new MiRecipe(),
                new MiRecipe(MiParam.Str("event")),
                new MiRecipe(MiParam.Str("event"), MiParam.Str("socket")),
            ],
            r => SubscribersList(bus, r)));
        registry.Register(new MiCommand("raise_event", "raises an event through the Event Interface; Params: event [ params ]",
            [
                new MiRecipe(MiParam.Str("event")),
                new MiRecipe(MiParam.Str("event"), MiParam.Any("params")),
            ],
            r => RaiseEvent(bus, r)));
    }

    private static MiResult Subscribe(EventBus bus, MiRequest request)
    {
        int expire = EventBus.DefaultExpireSeconds;
        if (request.Has("expire"))
        {
            expire = request.GetInt("expire");
            if (expire < 0)
            {
                return MiResult.InvalidParams(NegativeExpire);
            }
        }

        var result = bus.Subscribe(request.GetString("event"), request.GetString("socket"), expire);
        return result.Succeeded ? MiResult.Ok() : MiResult.Error(400, BadParameterValue);
    }

    private static MiResult EventsList(EventBus bus)
    {
        var events = new JsonArray();
        foreach (var (name, id) in bus.Events)
        {
            events.Add(new JsonObject { ["name"] = name, ["id"] = id });
        }

        return MiResult.Success(new JsonObject { ["Events"] = events });
    }

    private static MiResult SubscribersList(EventBus bus, MiRequest request)
    {
        if (!request.Has("event"))
        {
            var events = new JsonArray();
            JsonObject? current = null;
            JsonArray? subscribers = null;
            foreach (var sub in bus.Subscribers())
            {
                if (current is null || !string.Equals((string?)current["name"], sub.EventName, StringComparison.Ordinal))
                {
                    bus.TryGetId(sub.EventName, out int id);
                    subscribers = [];
                    current = new JsonObject { ["name"] = sub.EventName, ["id"] = id, ["Subscribers"] = subscribers };
                    events.Add(current);
                }

                subscribers!.Add(Subscriber(sub));
            }

            return MiResult.Success(new JsonObject { ["Events"] = events });
        }

        string eventName = request.GetString("event");
        if (!bus.TryGetId(eventName, out int eventId))
        {
            return MiResult.Error(404, EventNotPublished);
        }

        var evt = new JsonObject();
        if (request.Has("socket"))
        {
            var found = bus.FindSubscriber(eventName, request.GetString("socket"));
            if (found is null)
            {
                return MiResult.Error(404, SubscriberDoesNotExist);
            }

            evt["name"] = eventName;
            evt["id"] = eventId;
            evt["Subscriber"] = Subscriber(found);
        }
        else
        {
            var list = bus.Subscribers(eventName);
            if (list.Count > 0)
            {
                var subscribers = new JsonArray();
                foreach (var sub in list)
                {
                    subscribers.Add(Subscriber(sub));
                }

                evt["name"] = eventName;
                evt["id"] = eventId;
                evt["Subscribers"] = subscribers;
            }
        }

        return MiResult.Success(new JsonObject { ["Event"] = evt });
    }

    private static JsonObject Subscriber(EventSubscription sub)
    {
        var obj = new JsonObject { ["socket"] = sub.Socket };
        obj["expire"] = sub.ExpiresAt is null ? JsonValue.Create("never") : JsonValue.Create(sub.ExpireSeconds);
        return obj;
    }

    private static MiResult RaiseEvent(EventBus bus, MiRequest request)
    {
        string name = request.GetString("event");
        if (!bus.IsPublished(name))
        {
            return MiResult.Error(404, EventNotRegistered);
        }

        if (!bus.HasListeners(name))
        {
            return MiResult.Error(480, TemporarilyUnavailable);
        }

        List<EventParameter> parameters = [];
        if (request.Has("params"))
        {
            var raw = request.GetRaw("params");
            switch (raw.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (var item in raw.EnumerateArray())
                    {
                        if (!TryReadMiString(item, out var text))
                        {
                            return MiResult.Error(400, BadParams);
                        }

                        parameters.Add(new EventParameter(null, JsonValue.Create(text)));
                    }

                    break;
                case JsonValueKind.String:
                case JsonValueKind.Number:
                    TryReadMiString(raw, out var json);
                    if (!TryParseObjectParams(json, parameters))
                    {
                        return MiResult.Error(400, BadParams);
                    }

                    break;
                case JsonValueKind.Object:
                    // Parley: an object is taken as it is (OpenSIPS wants it as a string holding JSON).
                    AddObjectParams(raw, parameters);
                    break;
                default:
                    return MiResult.Error(400, NoParams);
            }
        }

        return bus.TryRaise(name, parameters) == EventRaiseOutcome.Queued
            ? MiResult.Ok()
            : MiResult.Error(500, CannotRaiseEvent);
    }

    /// <summary>OpenSIPS's get_mi_string_param: a string as is, a number as the text of its (int) value.</summary>
    private static bool TryReadMiString(JsonElement e, out string text)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                text = e.GetString()!;
                return true;
            case JsonValueKind.Number:
                text = CJsonInt(e).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return true;
            default:
                text = string.Empty;
                return false;
        }
    }

    /// <summary>cJSON's valueint: the double truncated and saturated to int.</summary>
    private static int CJsonInt(JsonElement e)
    {
        if (e.TryGetInt32(out int n))
        {
            return n;
        }

        double d = e.GetDouble();
        return d >= int.MaxValue ? int.MaxValue : d <= int.MinValue ? int.MinValue : (int)d;
    }

    /// <summary>mi_raise_event_json_params: the text must hold a JSON object (trailing bytes are ignored, as cJSON_Parse does).</summary>
    private static bool TryParseObjectParams(string json, List<EventParameter> parameters)
    {
        JsonDocument? doc;
        try
        {
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), Reader);
            if (!JsonDocument.TryParseValue(ref reader, out doc))
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            AddObjectParams(doc.RootElement, parameters);
            return true;
        }
    }

    private static void AddObjectParams(JsonElement obj, List<EventParameter> parameters)
    {
        foreach (var member in obj.EnumerateObject())
        {
            JsonNode value = member.Value.ValueKind switch
            {
                JsonValueKind.Number => JsonValue.Create(CJsonInt(member.Value)),
                JsonValueKind.String => JsonValue.Create(member.Value.GetString()!),
                _ => JsonValue.Create(Compact(member.Value)),
            };
            parameters.Add(new EventParameter(member.Name, value));
        }
    }

    /// <summary>cJSON_PrintUnformatted of a value.</summary>
    private static string Compact(JsonElement e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, CompactWriter))
        {
            e.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
