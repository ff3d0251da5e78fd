using Parley.Management.Mi;

namespace Parley.Management.Events;

/// <summary>Placeholder until the events branch lands (event_subscribe, events_list, subscribers_list, raise_event).</summary>
public static class EventMiCommands
{
    public static void Register(MiCommandRegistry registry, EventBus bus)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(bus);
    }
}
