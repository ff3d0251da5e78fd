using System.Globalization;
using System.Text;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transactions.Proxy;

namespace Parley.Transactions;

/// <summary>
/// tm's branch control and variables: <c>t_cancel_branch</c>, <c>t_local_replied</c>, <c>t_wait_for_new_branches</c>,
/// <c>t_wait_no_more_branches</c>, <c>t_inject_branches</c>, <c>t_add_hdrs</c>, <c>t_flush_flags</c>,
/// <c>$T_fr_timeout</c>, <c>$T_fr_inv_timeout</c>, <c>$bavp(name)</c> and <c>$T_branch_last_reply_code</c>. The route
/// masks are the tm manual's (OpenSIPS's where the manual says nothing).
/// </summary>
public sealed partial class TmModule : IRequestEndHandler
{
    void IRequestEndHandler.OnRequestEnd(ScriptContext context) => Core.OnRequestScriptEnd(context);

    private void RegisterBranchControl(ScriptRegistry registry)
    {
        const RouteMask Injecting = RouteMask.Request | RouteMask.OnReply | RouteMask.Timer | RouteMask.Event;
        Add(registry, "t_cancel_branch", 0, 1, RouteMask.OnReply, BindCancelBranch);
        Add(registry, "t_local_replied", 1, 1, RouteMask.Request | RouteMask.Branch | RouteMask.Failure | RouteMask.OnReply, BindLocalReplied);
        Add(registry, "t_wait_for_new_branches", 0, 1, RouteMask.Request, BindWaitForNewBranches);
        Add(registry, "t_wait_no_more_branches", 0, 0, Injecting, _ => c => Core.WaitNoMoreBranches(c));
        Add(registry, "t_inject_branches", 1, 2, Injecting, BindInjectBranches);
        Add(registry, "t_add_hdrs", 1, 1, RouteMask.Request, BindAddHeaders);
        Add(registry, "t_flush_flags", 0, 0, RouteMask.Request | RouteMask.Branch, _ => TmCore.FlushFlags);
        registry.AddPseudoVariable("T_fr_timeout", r => BindFrTimeout(r, invite: false));
        registry.AddPseudoVariable("T_fr_inv_timeout", r => BindFrTimeout(r, invite: true));
        registry.AddPseudoVariable("bavp", BindBranchAvp);
        registry.AddPseudoVariable("T_branch_last_reply_code", BindBranchLastReplyCode);
    }

    /// <summary>
    /// Points the routes run on <paramref name="context"/> at the transaction whose <c>$T_id</c> is
    /// <paramref name="transactionId"/>, as OpenSIPS's event_routing does before a notification route: there
    /// <c>t_inject_branches</c> and <c>t_wait_no_more_branches</c> act on it. For modules (no script function: OpenSIPS
    /// has none); false when no such transaction is alive.
    /// </summary>
    public bool SetRemoteTransaction(ScriptContext context, string transactionId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transactionId);
        return Core.SetRemoteTransaction(context, transactionId);
    }

    /// <summary>Parses <c>t_cancel_branch</c>'s flags: "a" all, "o" others, none the current branch; null for anything else.</summary>
    internal static CancelBranchFlags? ParseCancelBranchFlags(string text, out string? error)
    {
        var flags = CancelBranchFlags.Current;
        foreach (var c in text)
        {
            switch (c)
            {
                case 'a' or 'A': flags |= CancelBranchFlags.All; break;
                case 'o' or 'O': flags |= CancelBranchFlags.Others; break;
                default:
                    error = $"unsupported t_cancel_branch flag '{c}' (known: a = all, o = others, none = the current branch)";
                    return null;
            }
        }

        error = null;
        return flags;
    }

    private ScriptFunctionBody? BindCancelBranch(FunctionBinder b)
    {
        var flags = CancelBranchFlags.Current;
        if (!b.IsMissing(0))
        {
            if (!b.TryGetConstantString(0, out var text))
            {
                return null;
            }

            if (ParseCancelBranchFlags(text, out var error) is not { } parsed)
            {
                b.Error(0, error!);
                return null;
            }

            flags = parsed;
        }

        return context => Core.CancelBranches(context, flags);
    }

    private static ScriptFunctionBody? BindLocalReplied(FunctionBinder b)
    {
        if (!b.TryGetConstantString(0, out var text))
        {
            return null;
        }

        LocalRepliedScope scope;
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            scope = LocalRepliedScope.All;
        }
        else if (text.Equals("last", StringComparison.OrdinalIgnoreCase))
        {
            scope = LocalRepliedScope.Last;
        }
        else if (text.Equals("branch", StringComparison.OrdinalIgnoreCase))
        {
            scope = LocalRepliedScope.Branch;
        }
        else
        {
            b.Error(0, $"t_local_replied() takes \"all\" or \"last\", not '{text}'");
            return null;
        }

        return context => TmCore.LocalReplied(context, scope);
    }

    private ScriptFunctionBody? BindWaitForNewBranches(FunctionBinder b)
    {
        if (b.IsMissing(0))
        {
            return context => Core.WaitForNewBranches(context, 0);
        }

        var count = b.IntArgument(0);
        if (count is null)
        {
            return null;
        }

        return context => Core.WaitForNewBranches(context, (int)Math.Clamp(count(context).AsInt(), 0, int.MaxValue));
    }

    private ScriptFunctionBody? BindInjectBranches(FunctionBinder b)
    {
        if (!b.TryGetConstantString(0, out var sourceText))
        {
            return null;
        }

        InjectSource source;
        if (sourceText.Equals("msg", StringComparison.OrdinalIgnoreCase) || sourceText.Equals("message", StringComparison.OrdinalIgnoreCase))
        {
            source = InjectSource.Message;
        }
        else if (sourceText.Equals("event", StringComparison.OrdinalIgnoreCase) || sourceText.Equals("events", StringComparison.OrdinalIgnoreCase))
        {
            source = InjectSource.Event; // the contact of the event whose event_route is running ($param(uri), …)
        }
        else
        {
            b.Error(0, $"unsupported t_inject_branches source '{sourceText}' (known: msg, event)");
            return null;
        }

        var cancel = false;
        if (!b.IsMissing(1))
        {
            if (!b.TryGetConstantString(1, out var flagText))
            {
                return null;
            }

            if (!flagText.Equals("cancel", StringComparison.OrdinalIgnoreCase))
            {
                b.Error(1, $"unsupported t_inject_branches flag '{flagText}' (known: cancel)");
                return null;
            }

            cancel = true;
        }

        return context => Core.InjectBranches(context, source, cancel);
    }

    private ScriptFunctionBody? BindAddHeaders(FunctionBinder b)
    {
        var headers = b.Argument(0);
        if (headers is null)
        {
            b.Error(0, "t_add_hdrs() needs the header lines");
            return null;
        }

        if (headers.IsConstant && headers.Constant.AsString().Length == 0)
        {
            b.Error(0, "t_add_hdrs() needs at least one header line, as in \"X-Origin: 1.1.1.1\\r\\n\"");
            return null;
        }

        return context => Core.SetExtraHeaders(context, headers.Evaluate(context).AsString());
    }

    private PvAccessor BindFrTimeout(PvBindRequest request, bool invite) =>
        new(
            request.Text,
            c => ScriptValue.FromInt((long)Core.GetFrTimeout(c, invite).TotalSeconds),
            (c, value) =>
            {
                // "$T_fr_timeout = NULL" resets it to the parameter; a non-integer is refused, as OpenSIPS does.
                if (value.IsNull)
                {
                    Core.SetFrTimeout(c, invite, null);
                }
                else if (value.TryGetInt(out var seconds))
                {
                    Core.SetFrTimeout(c, invite, TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 86400L * 7)));
                }
            });

    /// <summary>
    /// <c>$bavp(name)</c>: per-branch AVPs, read and written as <c>$avp</c> is (index, <c>[*]</c>, <c>=</c> adds,
    /// <c>:=</c> replaces); NULL, and writes ignored, outside branch, onreply and failure routes.
    /// </summary>
    private static PvAccessor? BindBranchAvp(PvBindRequest request)
    {
        var name = request.Argument?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            request.Error($"$bavp needs a name in parentheses, as in $bavp(name); got {request.Text}");
            return null;
        }

        if (!request.TryGetIndex(out var index, out var all))
        {
            return null;
        }

        var slot = request.Registry.AvpSlot(name);
        Action<ScriptContext, List<ScriptValue>> getAll = (c, list) =>
        {
            list.Clear();
            if (TmCore.BranchAvps(c, create: false) is { } store)
            {
                store.CopyTo(slot, list);
            }
        };
        if (all)
        {
            return new PvAccessor(
                request.Text,
                c =>
                {
                    var list = new List<ScriptValue>();
                    getAll(c, list);
                    return Join(list);
                },
                (c, value) => TmCore.BranchAvps(c, create: !value.IsNull)?.Set(slot, value))
            {
                GetAll = getAll,
            };
        }

        if (request.Index is not null)
        {
            return new PvAccessor(
                request.Text,
                c => TmCore.BranchAvps(c, create: false)?.Get(slot, index) ?? ScriptValue.Null,
                (c, value) => TmCore.BranchAvps(c, create: false)?.Replace(slot, index, value))
            {
                GetAll = getAll,
            };
        }

        return new PvAccessor(
            request.Text,
            c => TmCore.BranchAvps(c, create: false)?.Get(slot) ?? ScriptValue.Null,
            (c, value) => TmCore.BranchAvps(c, create: !value.IsNull)?.Set(slot, value))
        {
            Add = (c, value) =>
            {
                if (value.IsNull)
                {
                    TmCore.BranchAvps(c, create: false)?.Delete(slot);
                }
                else
                {
                    TmCore.BranchAvps(c, create: true)?.Push(slot, value);
                }
            },
            GetAll = getAll,
        };
    }

    private static ScriptValue Join(List<ScriptValue> values)
    {
        if (values.Count <= 1)
        {
            return values.Count == 0 ? ScriptValue.Null : values[0];
        }

        var sb = new StringBuilder();
        foreach (var v in values)
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(v.AsString());
        }

        return ScriptValue.FromString(sb.ToString());
    }

    /// <summary><c>$T_branch_last_reply_code</c> (the current branch) or <c>$T_branch_last_reply_code(i)</c> / <c>[i]</c> (branch i).</summary>
    private static PvAccessor? BindBranchLastReplyCode(PvBindRequest request)
    {
        var text = request.Argument?.Trim() is { Length: > 0 } argument ? argument : request.Index;
        if (text is null)
        {
            return new PvAccessor(request.Text, c => TmCore.BranchLastReplyCode(c, null));
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            request.Error($"$T_branch_last_reply_code takes a branch index (0, 1, …), not '{text}'");
            return null;
        }

        return new PvAccessor(request.Text, c => TmCore.BranchLastReplyCode(c, index));
    }
}
