using Parley.Modules.MaxFwd;
using Parley.Modules.Rr;
using Parley.Modules.Signaling;
using Parley.Modules.SipMsgOps;
using Parley.Modules.Sl;
using Parley.Modules.TextOps;
using Parley.Modules.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Modules;

/// <summary>The small modules every script uses (sl, rr, maxfwd, signaling, sipmsgops/textops, uri), by OpenSIPS name.</summary>
public static class BuiltInModules
{
    /// <summary>Adds each module of this assembly to <paramref name="catalog"/>.</summary>
    public static void AddTo(ModuleCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        // Modules add themselves here as they land.
        catalog.Add("rr", () => new RrModule());
        catalog.Add("maxfwd", () => new MaxFwdModule());
        catalog.Add("sl", () => new SlModule());
        catalog.Add("signaling", () => new SignalingModule());
        catalog.Add("sipmsgops", () => new SipMsgOpsModule());
        catalog.Add("textops", () => new TextOpsModule());
        catalog.Add("uri", () => new UriModule());
    }
}
