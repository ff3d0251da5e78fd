using System.Text;
using Parley.Modules.Common;
using Parley.Modules.SipMsgOps;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Uri;

/// <summary>
/// The <c>uri</c> module, as a stateless proxy needs it.
/// </summary>
/// <remarks>
/// OpenSIPS 3's uri module keeps only database/AAA lookups (<c>db_check_to</c>, <c>db_does_uri_exist</c>,
/// <c>aaa_does_uri_exist</c>…), which need a user database Parley does not have; its generic URI functions moved to
/// sipmsgops in 3.0 (<c>ruri_has_param</c>, <c>ruri_add_param</c>, <c>ruri_del_param</c>, <c>ruri_tel2sip</c>,
/// <c>has_totag</c>), where <see cref="SipMsgOpsModule"/> provides them. So this module offers:
/// <list type="bullet">
/// <item><c>is_uri_host_local()</c>: the Request-URI's host and port are this proxy (listening addresses and
/// <c>alias</c>es, the core's <c>myself</c>). OpenSIPS has it in the domain module, backed by a domain table; a proxy
/// without one uses exactly this check to tell "for us" from "to forward".</item>
/// <item>The OpenSIPS 2 names of the Request-URI helpers, so older scripts run unchanged: <c>uri_param(name[, value])</c>,
/// <c>add_uri_param(param)</c>, <c>del_uri_param(name)</c>, <c>tel2sip()</c>.</item>
/// </list>
/// Not provided: <c>is_user</c> (it checks digest credentials, which need the auth module), the database and AAA checks.
/// </remarks>
public sealed class UriModule : ScriptModule
{
    private const RouteMask LocalCheckRoutes = RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Local;

    public override string Name => "uri";

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Add(registry, "is_uri_host_local", 0, 0, LocalCheckRoutes, _ => IsUriHostLocal);
        Add(registry, "uri_param", 1, 2, RouteMask.Request | RouteMask.Local, BindUriParam);
        Add(registry, "add_uri_param", 1, 1, RouteMask.Request, b => SipMsgOpsModule.BindRuriEdit(b, RequestUriOps.AddParam));
        Add(registry, "del_uri_param", 1, 1, RouteMask.Request, b => SipMsgOpsModule.BindRuriEdit(b, RequestUriOps.DelParam));
        Add(registry, "tel2sip", 0, 0, RouteMask.Request, _ => context => RequestUriOps.TelToSip(context) ? 1 : -1);
    }

    /// <summary><c>is_uri_host_local()</c>: 1 when the current Request-URI names this proxy, else -1.</summary>
    public int IsUriHostLocal(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RequestUriOps.IsHostLocal(context) ? 1 : -1;
    }

    /// <summary><c>uri_param(name[, value])</c>: OpenSIPS 2's name of <c>ruri_has_param</c>.</summary>
    public int UriParam(ScriptContext context, string name, string? value = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        return RequestUriOps.HasParam(context, Encoding.UTF8.GetBytes(name), value is null ? default : Encoding.UTF8.GetBytes(value), value is not null) ? 1 : -1;
    }

    /// <summary><c>add_uri_param(param)</c>: OpenSIPS 2's name of <c>ruri_add_param</c>.</summary>
    public int AddUriParam(ScriptContext context, string param)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(param);
        return RequestUriOps.AddParam(context, Encoding.UTF8.GetBytes(param)) ? 1 : -1;
    }

    /// <summary><c>del_uri_param(name)</c>: OpenSIPS 2's name of <c>ruri_del_param</c>.</summary>
    public int DelUriParam(ScriptContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        return RequestUriOps.DelParam(context, Encoding.UTF8.GetBytes(name)) ? 1 : -1;
    }

    /// <summary><c>tel2sip()</c>: OpenSIPS 2's name of <c>ruri_tel2sip</c>.</summary>
    public int Tel2Sip(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RequestUriOps.TelToSip(context) ? 1 : -1;
    }

    private void Add(ScriptRegistry registry, string name, int min, int max, RouteMask routes, Func<FunctionBinder, ScriptFunctionBody?> bind) =>
        registry.AddFunction(new ScriptFunctionDefinition(name, min, max, routes, bind) { Module = Name });

    private static ScriptFunctionBody? BindUriParam(FunctionBinder binder)
    {
        var name = TextArgument.Bind(binder, 0);
        if (name is null)
        {
            return null;
        }

        if (binder.IsMissing(1))
        {
            return context => RequestUriOps.HasParam(context, name.Get(context, 0), default, withValue: false) ? 1 : -1;
        }

        var value = TextArgument.Bind(binder, 1);
        return value is null ? null : context => RequestUriOps.HasParam(context, name.Get(context, 0), value.Get(context, 1), withValue: true) ? 1 : -1;
    }
}
