using Parley.Scripting.Runtime;

namespace Parley.Management.Modules;

/// <summary>
/// The OpenSIPS modules of the management plane, bound to one configuration's <see cref="ManagementServices"/>:
/// <c>httpd</c>, <c>mi_http</c>, <c>prometheus</c>, <c>mi_fifo</c>, <c>statistics</c>, <c>mi_script</c>, the
/// event modules <c>event_route</c> and <c>event_datagram</c>, and the core's <c>raise_event</c> (loaded with every
/// script, as in OpenSIPS's core).
/// </summary>
public static class ManagementModules
{
    public static void AddTo(ModuleCatalog catalog, ManagementServices services)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(services);
        catalog.AddImplicit(CoreEventsModule.ModuleName, () => new CoreEventsModule(services.Events));
        catalog.Add("httpd", () => new HttpdModule(services.Http));
        catalog.Add("mi_http", () => new MiHttpModule(services.Http));
        catalog.Add("mi_fifo", () => new MiFifoModule(services));
        catalog.Add("prometheus", () => new PrometheusModule(services.Http));
        catalog.Add("statistics", () => new StatisticsModule(services.Statistics));
        catalog.Add("mi_script", () => new MiScriptModule(services.Dispatcher, services.Commands));

        // OpenSIPS delivers to event_route blocks and udp: subscribers only with these loaded; Parley always can, so
        // loading them is accepted and changes nothing.
        catalog.Add("event_route", static () => new AcceptedModule("event_route"));
        catalog.Add("event_datagram", static () => new AcceptedModule("event_datagram"));
    }

    /// <summary>A module whose feature Parley always has: <c>loadmodule</c> of it is accepted and does nothing more.</summary>
    private sealed class AcceptedModule(string name) : ScriptModule
    {
        public override string Name => name;

        public override void Register(ScriptRegistry registry)
        {
        }
    }
}
