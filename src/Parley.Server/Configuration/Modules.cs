using Parley.Management;
using Parley.Management.Modules;
using Parley.Modules;
using Parley.Scripting.Runtime;

namespace Parley.Server.Configuration;

/// <summary>The modules this build offers to <c>loadmodule</c>.</summary>
public static class Modules
{
    /// <summary>
    /// The catalog for one configuration; <paramref name="management"/> is the management plane its modules register
    /// into (a private one when null, e.g. for <c>parley -c</c> and tests).
    /// </summary>
    public static ModuleCatalog CreateCatalog(ManagementServices? management = null)
    {
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);
        management ??= new ManagementServices();
        ManagementModules.AddTo(catalog, management);
        catalog.Add("tm", () => new Parley.Transactions.TmModule(management));
        catalog.Add("dialog", () => new Parley.Dialogs.DialogModule(management, new Parley.Persistence.DialogStoreFactory()));

        // OpenSIPS 3 loads its transports as modules; Parley's are built in, so these only make such scripts load.
        catalog.Add("proto_udp", static () => new TransportModule("proto_udp"));
        catalog.Add("proto_tcp", static () => new TransportModule("proto_tcp"));
        return catalog;
    }

    /// <summary><c>proto_udp</c>/<c>proto_tcp</c>: accepted and without effect (the transports are always there).</summary>
    private sealed class TransportModule(string name) : ScriptModule
    {
        public override string Name => name;

        public override void Register(ScriptRegistry registry)
        {
        }
    }
}
