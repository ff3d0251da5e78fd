using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Parley.Management.Events;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Server;

/// <summary>
/// Delivers raised events to the script's <c>event_route[E_NAME]</c> blocks. Runs on the event bus's delivery loop
/// with its own <see cref="ScriptPipeline"/>, so an event route never runs on (or waits for) a SIP worker.
/// </summary>
internal static partial class EventRoutes
{
    public static Action<RaisedEvent>? CreateSink(CompiledScript script, ScriptPipeline pipeline, ILogger logger)
    {
        if (script.EventRoutes.Count == 0)
        {
            return null;
        }

        return raised =>
        {
            if (script.FindRoute(RouteType.Event, raised.Name) is not { } route)
            {
                return;
            }

            var parameters = new ScriptEventParameter[raised.Parameters.Count];
            for (var i = 0; i < parameters.Length; i++)
            {
                var p = raised.Parameters[i];
                parameters[i] = new ScriptEventParameter(p.Name, ToScriptValue(p.Value));
            }

            try
            {
                pipeline.RunEvent(route, parameters);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException)
            {
                LogEventRouteFailed(logger, raised.Name, e);
            }
        };
    }

    /// <summary>An event attribute as a script value: integers stay integers, everything else is its text.</summary>
    public static ScriptValue ToScriptValue(JsonNode? value)
    {
        if (value is null)
        {
            return ScriptValue.Null;
        }

        if (value is JsonValue v)
        {
            if (v.TryGetValue<long>(out var n))
            {
                return ScriptValue.FromInt(n);
            }

            if (v.TryGetValue<string>(out var s))
            {
                return ScriptValue.FromString(s);
            }

            if (v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out n))
            {
                return ScriptValue.FromInt(n);
            }
        }

        return ScriptValue.FromString(value.ToJsonString());
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "event_route[{Event}] failed")]
    private static partial void LogEventRouteFailed(ILogger logger, string @event, Exception exception);
}
