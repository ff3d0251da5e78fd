using System.Text;
using Parley.Dialogs.Core;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Dialogs;

/// <summary><c>dlg_send_sequential</c> (manual §1.7.25) and <c>dlg_inc_cseq</c> (§1.7.26).</summary>
public sealed partial class DialogModule
{
    private void RegisterSequential(ScriptRegistry registry)
    {
        // "This function can be used from ANY route."
        Add(registry, "dlg_send_sequential", 2, 5, RouteMask.All, BindSendSequential);
        Add(registry, "dlg_inc_cseq", 0, 2, RouteMask.Request | RouteMask.Failure | RouteMask.OnReply | RouteMask.Branch | RouteMask.Local, BindIncCSeq);
        registry.AddPseudoVariable("DLG_options_ping_interval", _ => PingIntervalVariable("$DLG_options_ping_interval", reinvite: false));
        registry.AddPseudoVariable("DLG_reinvite_ping_interval", _ => PingIntervalVariable("$DLG_reinvite_ping_interval", reinvite: true));
    }

    /// <summary>
    /// <c>$DLG_options_ping_interval</c> / <c>$DLG_reinvite_ping_interval</c> (opensips-behaviour.md §5.6): the dialog's
    /// interval. Written before <c>create_dialog</c> (as <c>$DLG_timeout</c> can be), it is kept in the processing context
    /// and becomes the new dialog's; read then, it returns what was written, else NULL.
    /// </summary>
    private PvAccessor PingIntervalVariable(string name, bool reinvite) => new(name,
        ctx =>
        {
            if (Manager.Current(ctx) is { } d)
            {
                return ScriptValue.FromInt(Manager.GetPingInterval(d, reinvite));
            }

            var state = ctx.GetState(DialogContextState.Slot);
            var pending = state.Owner == Manager ? (reinvite ? state.ReinvitePingInterval : state.OptionsPingInterval) : 0;
            return pending > 0 ? ScriptValue.FromInt(pending) : ScriptValue.Null;
        },
        (ctx, value) =>
        {
            if (!value.TryGetInt(out var seconds) || seconds <= 0)
            {
                return;
            }

            var interval = (int)Math.Min(seconds, int.MaxValue);
            if (Manager.Current(ctx) is { } d)
            {
                Manager.SetPingInterval(d, reinvite, interval);
                return;
            }

            var state = ctx.GetState(DialogContextState.Slot);
            state.Owner = Manager;
            if (reinvite)
            {
                state.ReinvitePingInterval = interval;
            }
            else
            {
                state.OptionsPingInterval = interval;
            }
        });

    /// <summary>
    /// <c>dlg_send_sequential(method, leg[, body[, content-type[, headers]]])</c>: leg is "caller" or "callee"; the request
    /// leaves at once and the route goes on (the reply is not waited for). 1 when sent, -1 without a dialog or when it
    /// cannot be sent. The manual's example swaps the first two arguments; that order is accepted too.
    /// </summary>
    private ScriptFunctionBody? BindSendSequential(FunctionBinder b)
    {
        var method = b.Argument(0);
        var leg = b.Argument(1);
        if (method is null || leg is null)
        {
            return null;
        }

        if (leg.IsConstant && method.IsConstant && ParseLeg(leg.Constant.AsString()) is null && ParseLeg(method.Constant.AsString()) is null)
        {
            b.Error(1, "leg must be \"caller\" or \"callee\"");
            return null;
        }

        var body = b.Argument(2);
        var contentType = b.Argument(3);
        var headers = b.Argument(4);
        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            var name = method.Evaluate(ctx).AsString();
            var legText = leg.Evaluate(ctx).AsString();
            if (ParseLeg(legText) is not { } toCaller)
            {
                // The manual's own example gives the leg first: dlg_send_sequential($var(direction), "INFO", ...).
                if (ParseLeg(name) is not { } swapped)
                {
                    return -1;
                }

                toCaller = swapped;
                name = legText;
            }
            if (name.Length == 0)
            {
                return -1;
            }

            var bodyText = body?.Evaluate(ctx).AsString();
            var sent = Manager.SendSequential(dialog, name, toCaller, bodyText is { Length: > 0 } ? Encoding.UTF8.GetBytes(bodyText) : null,
                contentType?.Evaluate(ctx).AsString(), headers?.Evaluate(ctx).AsString());
            return sent is null ? -1 : 1;
        };
    }

    private static bool? ParseLeg(string text) =>
        text.Equals("caller", StringComparison.OrdinalIgnoreCase) ? true
        : text.Equals("callee", StringComparison.OrdinalIgnoreCase) ? false
        : null;

    /// <summary><c>dlg_inc_cseq([tag,][inc])</c>: the leg of <c>tag</c> (default: the message's To tag), by <c>inc</c> (default 1).</summary>
    private ScriptFunctionBody? BindIncCSeq(FunctionBinder b)
    {
        var tag = b.Argument(0);
        var increment = b.Argument(1);
        return ctx =>
        {
            if (Manager.Current(ctx) is not { } dialog)
            {
                return -1;
            }

            long by = 1;
            if (increment is not null && !increment.Evaluate(ctx).TryGetInt(out by))
            {
                return -1;
            }

            if (tag is not null)
            {
                return Manager.IncrementCSeq(dialog, Encoding.UTF8.GetBytes(tag.Evaluate(ctx).AsString()), by);
            }

            var msg = ctx.Message;
            if (msg is null || !msg.TryGetTo(out var to) || !to.HasTag)
            {
                return -1;
            }

            return Manager.IncrementCSeq(dialog, msg[to.Tag], by);
        };
    }
}
