using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// The extra branches (<see cref="ScriptContext.Branches"/>): <c>$branch = "sip:…"</c> appends one (as
/// <c>append_branch</c>); <c>$(branch(field)[n])</c> and <c>$(branch.fields(field)[n])</c> read or change field
/// uri, duri, q, path, flags or socket of branch n (0 first, -1 last; the first when no index is given).
/// Assigning NULL to a branch's uri removes it; <c>$(branch[*]) = NULL</c> removes them all.
/// </summary>
internal static class BranchVariables
{
    private enum Field
    {
        Uri,
        DestinationUri,
        Q,
        Path,
        Flags,
        Socket,
    }

    private static readonly (string Name, Field Field)[] Fields =
    [
        ("uri", Field.Uri),
        ("duri", Field.DestinationUri),
        ("q", Field.Q),
        ("path", Field.Path),
        ("flags", Field.Flags),
        ("socket", Field.Socket),
    ];

    public static void Register(ScriptRegistry registry)
    {
        registry.AddPseudoVariable("branch", request => Bind(request, request.Argument is null ? Field.Uri : ParseField(request), appendWhenUnindexed: request.Argument is null));
        registry.AddPseudoVariable("branch.fields", request =>
            CorePseudoVariables.RequiredArgument(request, "a field") is null ? null : Bind(request, ParseField(request), appendWhenUnindexed: false));
    }

    private static Field? ParseField(PvBindRequest request)
    {
        var name = request.Argument!.Trim();
        foreach (var (text, field) in Fields)
        {
            if (name.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }

        request.Error($"unknown branch field '{name}' in {request.Text}: expected uri, duri, q, path, flags or socket");
        return null;
    }

    private static PvAccessor? Bind(PvBindRequest request, Field? maybeField, bool appendWhenUnindexed)
    {
        if (maybeField is not { } field || !request.TryGetIndex(out var index, out var all))
        {
            return null;
        }

        Action<ScriptContext, List<ScriptValue>> getAll = (ctx, list) =>
        {
            list.Clear();
            foreach (var b in ctx.Branches)
            {
                list.Add(Get(b, field));
            }
        };

        if (all)
        {
            return new PvAccessor(
                request.Text,
                ctx =>
                {
                    var list = new List<ScriptValue>();
                    getAll(ctx, list);
                    return CorePseudoVariables.Join(list, ", ");
                },
                static (ctx, value) =>
                {
                    if (value.IsNull)
                    {
                        ctx.Branches.Clear();
                    }
                    else
                    {
                        ctx.Host.CoreLogger.LogWarning("Ignoring a value assigned to $(branch[*]): only NULL (remove every branch) is allowed");
                    }
                })
            {
                GetAll = getAll,
            };
        }

        PvSetter set = appendWhenUnindexed && request.Index is null
            ? static (ctx, value) =>
            {
                if (value.IsNullOrEmpty)
                {
                    ctx.Host.CoreLogger.LogWarning("Ignoring an empty value assigned to $branch: a new branch needs a URI");
                    return;
                }

                ctx.Branches.Add(new ScriptBranch(value.AsString()));
            }
            : (ctx, value) => Set(ctx, index, field, value);

        return new PvAccessor(
            request.Text,
            ctx => CorePseudoVariables.ResolveIndex(index, ctx.Branches.Count) is var i and >= 0 ? Get(ctx.Branches[i], field) : ScriptValue.Null,
            set)
        {
            GetAll = getAll,
        };
    }

    private static ScriptValue Get(ScriptBranch branch, Field field) => field switch
    {
        Field.Uri => ScriptValue.FromString(branch.Uri),
        Field.DestinationUri => ScriptValue.FromString(branch.DestinationUri),
        Field.Q => branch.Q < 0 ? ScriptValue.Null : ScriptValue.FromString(FormatQ(branch.Q)),
        Field.Path => ScriptValue.FromString(branch.Path),
        Field.Flags => ScriptValue.FromInt((long)branch.Flags),
        _ => branch.Socket is { } socket ? ScriptValue.FromString(TransportVariables.FormatSocket(socket)) : ScriptValue.Null,
    };

    private static void Set(ScriptContext ctx, int index, Field field, ScriptValue value)
    {
        var i = CorePseudoVariables.ResolveIndex(index, ctx.Branches.Count);
        if (i < 0)
        {
            ctx.Host.CoreLogger.LogWarning("Ignoring an assignment to branch {Index}: there are only {Count} branches", index, ctx.Branches.Count);
            return;
        }

        var branch = ctx.Branches[i];
        switch (field)
        {
            case Field.Uri:
                if (value.IsNullOrEmpty)
                {
                    ctx.Branches.RemoveAt(i);
                }
                else
                {
                    ctx.Branches[i] = branch with { Uri = value.AsString() };
                }

                break;
            case Field.DestinationUri:
                branch.DestinationUri = value.IsNullOrEmpty ? null : value.AsString();
                break;
            case Field.Path:
                branch.Path = value.IsNullOrEmpty ? null : value.AsString();
                break;
            case Field.Q:
                if (value.IsNull)
                {
                    branch.Q = -1;
                }
                else if (TryParseQ(value.AsString(), out var q))
                {
                    branch.Q = q;
                }
                else
                {
                    // RFC 3261 §25.1: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
                    ctx.Host.CoreLogger.LogWarning("Ignoring q = '{Value}' for branch {Index}: a q value is between 0 and 1", value.AsString(), index);
                }

                break;
            case Field.Flags:
                branch.Flags = value.TryGetInt(out var flags) ? (ulong)flags : 0;
                break;
            default:
                if (value.IsNullOrEmpty)
                {
                    branch.Socket = null;
                }
                else if (TransportVariables.FindListener(ctx.Host, value.AsString()) is { } listener)
                {
                    branch.Socket = listener;
                }
                else
                {
                    ctx.Host.CoreLogger.LogWarning("Ignoring socket '{Socket}' for branch {Index}: Parley does not listen on it", value.AsString(), index);
                }

                break;
        }
    }

    /// <summary>q as OpenSIPS prints it: "1", "0.5", "0.123".</summary>
    internal static string FormatQ(int q) => (q / 1000m).ToString("0.###", CultureInfo.InvariantCulture);

    internal static bool TryParseQ(string text, out int q)
    {
        q = 0;
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 1)
        {
            return false;
        }

        q = (int)Math.Round(value * 1000);
        return true;
    }
}
