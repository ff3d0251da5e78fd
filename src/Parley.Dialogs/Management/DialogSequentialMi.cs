using System.Text;
using System.Text.Json.Nodes;
using Parley.Dialogs.Core;
using Parley.Management.Mi;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Management;

/// <summary>
/// MI <c>dlg_send_sequential</c> (manual §1.9.13): asynchronous, answers with the final reply's <c>Code</c> and
/// <c>Reason</c> (a locally generated timeout is an error with that code). Modes <c>caller</c> (default), <c>callee</c>,
/// <c>challenge[-caller|-callee]</c> (the 2xx body of the challenged side is sent on to the other side, whose reply is
/// the answer); bodies <c>none</c>, <c>inbound</c>, <c>outbound</c>, <c>custom:TYPE:BODY</c>; extra <c>headers</c>.
/// </summary>
internal static class DialogSequentialMi
{
    private static readonly string[] Optional = ["method", "mode", "body", "headers"];

    public static void Register(MiCommandRegistry registry, DialogManager manager)
    {
        var recipes = new List<MiRecipe>();
        for (var mask = 0; mask < 1 << Optional.Length; mask++)
        {
            var parameters = new List<MiParam> { MiParam.Str("callid") };
            for (var i = 0; i < Optional.Length; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    parameters.Add(MiParam.Str(Optional[i]));
                }
            }

            recipes.Add(new MiRecipe([.. parameters]));
        }

        registry.Register(new MiCommand("dlg_send_sequential", "send sequential request within dialog", recipes,
            (r, ct) => SendAsync(manager, r), "dialog", namedParamsOnly: true));
    }

    private static async ValueTask<MiResult> SendAsync(DialogManager manager, MiRequest request)
    {
        if (!TryParseMode(request.Has("mode") ? request.GetString("mode") : null, out var toCaller, out var challenge))
        {
            return MiResult.Error(400, "Invalid mode");
        }

        var method = request.Has("method") ? request.GetString("method") : "INVITE";
        if (!TryParseBody(request.Has("body") ? request.GetString("body") : null, out var bodyMode, out var contentType, out var customBody))
        {
            return MiResult.Error(400, "Invalid body mode");
        }

        if (challenge && !method.Equals("INVITE", StringComparison.OrdinalIgnoreCase) && !method.Equals("UPDATE", StringComparison.OrdinalIgnoreCase))
        {
            return MiResult.Error(406, "Not Acceptable");
        }

        var dialog = manager.Table.FindByCallId(Encoding.UTF8.GetBytes(request.GetString("callid")));
        if (dialog is null || dialog.State == DialogState.Deleted)
        {
            return MiResult.Error(404, "Dialog Not Found");
        }

        byte[]? body = bodyMode switch
        {
            BodyMode.Inbound or BodyMode.Outbound => manager.BodyFor(dialog, toCaller),
            BodyMode.Custom => Encoding.UTF8.GetBytes(customBody!),
            _ => null,
        };
        if (bodyMode is BodyMode.Inbound or BodyMode.Outbound)
        {
            contentType = "application/sdp";
        }

        var headers = request.Has("headers") ? request.GetString("headers") : null;
        if (manager.SendSequential(dialog, method, toCaller, body, body is null ? null : contentType, headers) is not { } first)
        {
            return MiResult.Error(500, "Internal Error");
        }

        var reply = await first.ConfigureAwait(false);
        if (!challenge || reply.Code >= 300 || reply.Local)
        {
            return Result(reply);
        }

        // Challenge: the challenged side's answer is offered to the other side.
        if (DialogManager.ReplyBody(reply) is not { } offer)
        {
            return MiResult.Success(new JsonObject { ["Code"] = 400, ["Reason"] = reply.Reason });
        }

        if (manager.SendSequential(dialog, method, !toCaller, offer, "application/sdp", null) is not { } second)
        {
            return MiResult.Error(500, "Internal Error");
        }

        return Result(await second.ConfigureAwait(false));
    }

    private static MiResult Result(UacReply reply) =>
        reply.Local ? MiResult.Error(reply.Code, reply.Reason) : MiResult.Success(new JsonObject { ["Code"] = reply.Code, ["Reason"] = reply.Reason });

    private enum BodyMode
    {
        None,
        Inbound,
        Outbound,
        Custom,
    }

    /// <summary><c>caller</c> (default), <c>callee</c>, <c>challenge</c>, <c>challenge</c> + one separator + <c>caller|callee</c>.</summary>
    private static bool TryParseMode(string? mode, out bool toCaller, out bool challenge)
    {
        toCaller = true;
        challenge = false;
        if (mode is null)
        {
            return true;
        }

        var rest = mode.AsSpan();
        if (rest.Length >= 9)
        {
            if (!rest[..9].Equals("challenge", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            challenge = true;
            if (rest.Length == 9)
            {
                return true;
            }

            rest = rest[10..];
        }

        if (rest.Equals("callee", StringComparison.OrdinalIgnoreCase))
        {
            toCaller = false;
            return true;
        }

        return rest.Equals("caller", StringComparison.OrdinalIgnoreCase);
    }

    private static bool TryParseBody(string? text, out BodyMode mode, out string? contentType, out string? body)
    {
        mode = BodyMode.None;
        contentType = null;
        body = null;
        if (text is null || text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("inbound", StringComparison.OrdinalIgnoreCase))
        {
            mode = BodyMode.Inbound;
            return true;
        }

        if (text.Equals("outbound", StringComparison.OrdinalIgnoreCase))
        {
            mode = BodyMode.Outbound;
            return true;
        }

        if (text.Length < 10 || !text.StartsWith("custom", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var colon = text.IndexOf(':', 7);
        if (colon < 0)
        {
            // OpenSIPS: a custom body without a content type is sent without a body.
            return true;
        }

        mode = BodyMode.Custom;
        contentType = text[7..colon];
        body = text[(colon + 1)..];
        return true;
    }
}
