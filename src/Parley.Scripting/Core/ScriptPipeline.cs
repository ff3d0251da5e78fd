using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Core;

/// <summary>
/// Decides, for an incoming message, whether something other than the script handles it first (a module
/// that absorbs it, e.g. sl's ACK filter or, later, tm's transaction matching).
/// </summary>
public interface IMessageInterceptor
{
    /// <summary>True when the interceptor has handled the request and the script must not run.</summary>
    bool InterceptRequest(ScriptContext context);

    /// <summary>True when the interceptor has handled the reply (no onreply_route, no stateless relay).</summary>
    bool InterceptReply(ScriptContext context);
}

/// <summary>
/// Takes a reply after the global <c>onreply_route</c> and before stateless relaying: tm claims the replies of its
/// transactions here (OpenSIPS's core calls tm's reply hook at the same point).
/// </summary>
public interface IReplyHandler
{
    /// <summary>
    /// True when the reply belonged to the handler (it relayed, stored or absorbed it); <paramref name="relayed"/> says
    /// whether it went upstream.
    /// </summary>
    bool HandleReply(ScriptContext context, SipMessageEditor editor, out bool relayed);
}

/// <summary>Told when the request route has finished with a request (OpenSIPS's post-script callbacks: tm's <c>t_unref</c>).</summary>
public interface IRequestEndHandler
{
    void OnRequestEnd(ScriptContext context);
}

/// <summary>
/// What happens to each message with a compiled script, as OpenSIPS's core does it: a request runs the main route (what
/// the script does not forward or answer is dropped); a reply runs the unnamed <c>onreply_route</c> and, unless dropped,
/// is relayed statelessly. One per worker (it owns the worker's context and reply editor).
/// </summary>
public sealed class ScriptPipeline
{
    private readonly CompiledScript _script;
    private readonly ScriptContext _context;
    private readonly SipMessageEditor _replyEditor = new();
    private readonly IReadOnlyList<IMessageInterceptor> _interceptors;
    private readonly IReadOnlyList<IReplyHandler> _replyHandlers;
    private readonly IRequestEndHandler[] _requestEndHandlers;

    public ScriptPipeline(CompiledScript script, ProxyHost host, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(host);
        _script = script;
        _context = script.CreateContext(host, time);
        var interceptors = new List<IMessageInterceptor>();
        var replyHandlers = new List<IReplyHandler>();
        var requestEndHandlers = new List<IRequestEndHandler>();
        foreach (var module in script.Registry.Modules)
        {
            if (module is IMessageInterceptor interceptor)
            {
                interceptors.Add(interceptor);
            }

            if (module is IReplyHandler handler)
            {
                replyHandlers.Add(handler);
            }

            if (module is IRequestEndHandler endHandler)
            {
                requestEndHandlers.Add(endHandler);
            }
        }

        _interceptors = interceptors;
        _replyHandlers = replyHandlers;
        _requestEndHandlers = requestEndHandlers.ToArray();
    }

    /// <summary>The worker's context (tests and diagnostics).</summary>
    public ScriptContext Context => _context;

    /// <summary>Runs the request route for <paramref name="request"/>; <paramref name="edits"/> already holds received/rport.</summary>
    public void HandleRequest(SipMessage request, SipMessageEditor edits, in MessageSource source)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = _context;
        context.Begin(request, edits, source, RouteType.Request);
        foreach (var interceptor in _interceptors)
        {
            if (interceptor.InterceptRequest(context))
            {
                return;
            }
        }

        _script.RequestRoute?.Run(context, RouteType.Request);
        foreach (var handler in _requestEndHandlers)
        {
            handler.OnRequestEnd(context);
        }
    }

    /// <summary>
    /// Runs <c>onreply_route</c> for <paramref name="response"/> and relays it unless the script dropped it; true when
    /// it was relayed (OpenSIPS's <c>core:fwd_replies</c>).
    /// </summary>
    public bool HandleReply(SipMessage response, in MessageSource source)
    {
        ArgumentNullException.ThrowIfNull(response);
        var context = _context;
        _replyEditor.Reset(response);
        context.Begin(response, _replyEditor, source, RouteType.OnReply);
        foreach (var interceptor in _interceptors)
        {
            if (interceptor.InterceptReply(context))
            {
                return false;
            }
        }

        _script.ReplyRoute?.Run(context, RouteType.OnReply);
        if (context.Dropped)
        {
            return false;
        }

        foreach (var handler in _replyHandlers)
        {
            if (handler.HandleReply(context, _replyEditor, out var relayed))
            {
                return relayed;
            }
        }

        return StatelessReplyRelay.Relay(context, _replyEditor);
    }

    /// <summary>Runs <c>startup_route</c> once, before traffic.</summary>
    public void RunStartup()
    {
        if (_script.StartupRoute is { } startup)
        {
            _context.BeginWithoutMessage(RouteType.Startup);
            startup.Run(_context, RouteType.Startup);
        }
    }

    /// <summary>Runs <c>event_route[name]</c> with the event's attributes (<c>$param(name)</c>).</summary>
    public void RunEvent(RouteHandle route, IReadOnlyList<ScriptEventParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(parameters);
        _context.BeginWithoutMessage(RouteType.Event);
        _context.EventParameters = parameters;
        route.Run(_context, RouteType.Event);
    }

    /// <summary>Runs one <c>timer_route</c>.</summary>
    public void RunTimer(RouteHandle timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        _context.BeginWithoutMessage(RouteType.Timer);
        timer.Run(_context, RouteType.Timer);
    }
}
