using System.Text;
using Microsoft.Extensions.Logging;
using Parley.Scripting.Runtime;
using Parley.Transactions.Api;
using Parley.Transactions.Mi;
using Parley.Transactions.Proxy;

namespace Parley.Transactions;

/// <summary>
/// tm's API for other modules (<see cref="ITmApiProvider"/>) and the script functions over it: <c>t_new_request</c>,
/// <c>t_reply_with_body</c>, <c>t_reply_by_callid</c>; and the tm MI commands (<see cref="TmMiCommands"/>).
/// </summary>
public sealed partial class TmModule : ITmApiProvider
{
    private TmApiImpl? _api;

    /// <summary>tm's API (OpenSIPS <c>load_tm_api</c>); usable once tm is initialized, global callbacks even before.</summary>
    public ITmApi TmApi => LazyInitializer.EnsureInitialized(ref _api, () => new TmApiImpl(() => _core));

    /// <summary>The logger of tm's MI commands.</summary>
    internal ILogger Logger => _management.Loggers.CreateLogger("Parley.Tm");

    /// <summary>The proxy host tm was started with (null before).</summary>
    internal ProxyHost? Host => _core?.AttachedHost;

    private void RegisterUac(ScriptRegistry registry)
    {
        registry.AvpSlot(TmCore.UacContextAvp); // t_new_request's ctx, read in local_route
        Add(registry, "t_new_request", 4, 6, RouteMask.All, BindNewRequest);
        Add(registry, "t_reply_with_body", 3, 3, RouteMask.Request | RouteMask.Failure, BindReplyWithBody);
        Add(registry, "t_reply_by_callid", 2, 4, RouteMask.Request, BindReplyByCallId);
    }

    /// <summary>The core exists (Initialize): earlier global callbacks move to it, the MI commands register.</summary>
    private void OnCoreCreated(TmCore core)
    {
        ((TmApiImpl)TmApi).Attach(core);
        TmMiCommands.Register(_management.Commands, this);
    }

    private ScriptFunctionBody? BindNewRequest(FunctionBinder b)
    {
        var method = b.Argument(0);
        var ruri = b.Argument(1);
        var from = b.Argument(2);
        var to = b.Argument(3);
        var body = b.IsMissing(4) ? null : b.Argument(4);
        var ctx = b.IsMissing(5) ? null : b.Argument(5);
        if (method is null || ruri is null || from is null || to is null)
        {
            return null;
        }

        return context =>
        {
            string? headers = null;
            byte[]? content = null;
            if (body is not null)
            {
                // "content_type body" (tm manual): the type up to the first space, the rest is the body.
                var text = body.Evaluate(context).AsString();
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                if (space <= 0)
                {
                    return -1;
                }

                headers = "Content-Type: " + text[..space] + "\r\n";
                content = Encoding.UTF8.GetBytes(text[(space + 1)..]);
            }

            var request = new UacRequest
            {
                Method = method.Evaluate(context).AsString(),
                RequestUri = ruri.Evaluate(context).AsString(),
                From = UacMessages.NameAddr(from.Evaluate(context).AsString()),
                To = UacMessages.NameAddr(to.Evaluate(context).AsString()),
                Headers = headers,
                Body = content,
                Context = ctx?.Evaluate(context).AsString(),
            };
            var sending = Core.SendRequestAsync(request, ackSuccess: false, CancellationToken.None);
            if (sending.IsFaulted)
            {
                _ = sending.Exception; // observed: a request that cannot be sent (bad URI, unresolvable, no socket)
                return -1;
            }

            _ = sending.ContinueWith(
                t => Core.LogUacProblem($"t_new_request {request.Method} to {request.RequestUri} failed: {t.Exception?.InnerException?.Message}"),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return 1;
        };
    }

    private ScriptFunctionBody? BindReplyWithBody(FunctionBinder b)
    {
        var code = b.IntArgument(0);
        var reason = b.Argument(1);
        var body = b.Argument(2);
        if (code is null || reason is null || body is null)
        {
            return null;
        }

        return context => Core.ReplyWithBody(context, (int)code(context).AsInt(), reason.Evaluate(context).AsString(),
            Encoding.UTF8.GetBytes(body.Evaluate(context).AsString()));
    }

    private ScriptFunctionBody? BindReplyByCallId(FunctionBinder b)
    {
        var code = b.IntArgument(0);
        var reason = b.Argument(1);
        var callId = b.IsMissing(2) ? null : b.Argument(2);
        var cseq = b.IsMissing(3) ? null : b.IntArgument(3);
        if (code is null || reason is null || (!b.IsMissing(3) && cseq is null))
        {
            return null;
        }

        return context =>
        {
            // The INVITE of the current message's dialog: its Call-ID and CSeq number unless given (tm manual).
            var message = context.Msg;
            var id = callId is not null ? callId.Evaluate(context).AsString() : message.GetString(message.CallId);
            uint number;
            if (cseq is not null)
            {
                var value = cseq(context).AsInt();
                if (value is < 0 or > uint.MaxValue)
                {
                    return -1;
                }

                number = (uint)value;
            }
            else if (message.TryGetCSeq(out var c))
            {
                number = c.Number;
            }
            else
            {
                return -1;
            }

            if (Core.FindInvite(id, number) is not { IsLocal: false } tx)
            {
                return -1;
            }

            return Core.ReplyOn(tx, (int)code(context).AsInt(), reason.Evaluate(context).AsString(), null, null, null) ? 1 : -1;
        };
    }
}
