using Parley.Management.Events;
using Parley.Scripting.Runtime;

namespace Parley.Management.Modules;

/// <summary>
/// The core's <c>raise_event(name[, attrs_avp[, vals_avp]])</c>: queues an event on the <see cref="EventBus"/> and
/// returns at once (1; -1 when the event is unknown or the queue is full). With one AVP its values are the event's
/// unnamed values; with two, the first holds the attribute names and the second their values. A constant name is
/// published when the script loads, as OpenSIPS's fixup does, so subscribers can find it in <c>events_list</c>.
/// </summary>
public sealed class CoreEventsModule(EventBus events) : ScriptModule
{
    public const string ModuleName = "core_events";

    public override string Name => ModuleName;

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddFunction(new ScriptFunctionDefinition("raise_event", 1, 3, RouteMask.All, Bind) { Module = "core" });
    }

    private ScriptFunctionBody? Bind(FunctionBinder b)
    {
        var name = b.Argument(0);
        if (name is null)
        {
            return null;
        }

        if (name.IsConstant)
        {
            var constant = name.Constant.AsString();
            if (constant.Length == 0)
            {
                b.Error(0, "raise_event() needs an event name, e.g. \"E_MY_EVENT\"");
                return null;
            }

            events.Publish(constant);
        }

        PvAccessor? first = null;
        PvAccessor? second = null;
        if (!b.IsMissing(1) && (first = b.WritableVariable(1)) is null)
        {
            return null;
        }

        if (!b.IsMissing(2) && (second = b.WritableVariable(2)) is null)
        {
            return null;
        }

        return context =>
        {
            var parameters = new List<EventParameter>();
            if (first is not null)
            {
                var a = MiScriptModule.AllValues(context, first);
                if (second is null)
                {
                    foreach (var v in a)
                    {
                        parameters.Add(new EventParameter(null, MiScriptModule.ToJson(v)));
                    }
                }
                else
                {
                    var values = MiScriptModule.AllValues(context, second);
                    if (values.Count != a.Count)
                    {
                        return -1; // OpenSIPS: the attribute and value AVPs must pair up
                    }

                    for (var i = 0; i < a.Count; i++)
                    {
                        parameters.Add(new EventParameter(a[i].AsString(), MiScriptModule.ToJson(values[i])));
                    }
                }
            }

            return events.Raise(name.Evaluate(context).AsString(), parameters) ? 1 : -1;
        };
    }
}
