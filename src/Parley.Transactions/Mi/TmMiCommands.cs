using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Parley.Management.Mi;
using Parley.Protocol.Uri;
using Parley.Scripting.Core;
using Parley.Transactions.Api;
using Parley.Transactions.Matching;
using Parley.Transactions.Proxy;

namespace Parley.Transactions.Mi;

/// <summary>
/// tm's MI commands as OpenSIPS 3.x's modules/tm/mi.c has them, with its recipes, results and errors:
/// <list type="bullet">
/// <item><c>t_uac_dlg {method, ruri, headers[, next_hop][, socket][, body]}</c>: sends the request statefully and
/// answers once the final reply is in: <c>{"Status":"200 OK", "RURI", "Next-hop", "Routes", "Message"}</c> (the URIs
/// and route set for a 2xx only, "Message" the reply from its first header on), or <c>{"Status":"408 Request
/// Timeout"}</c> for a local timeout. With tm's <c>pass_provisional_replies</c>, each provisional reply is first
/// reported as an intermediate result of the same shape (<see cref="MiRequest.ReportProgress"/>; written by mi_fifo). A 2xx to an INVITE is acknowledged by tm itself. Errors: 400 "Invalid ruri",
/// "Invalid next_hop", "Bad headers", "To missing", "From missing", "Content-Type missing", "Content-Length
/// disallowed", "Bad CSeq number", "CSeq method mismatch"; 404 "Invalid local socket", "Local socket not found"; a
/// request that cannot be sent gives its SIP error (478 "Unresolvable destination"…).</item>
/// <item><c>t_uac_cancel {callid, cseq}</c> ("1 INVITE"): cancels the INVITE's pending branches → "OK"; 481 "No such transaction".</item>
/// <item><c>t_hash</c>: one <c>{"index","Current","Total"}</c> per bucket of the transaction table.</item>
/// <item><c>t_reply {code, reason, trans_id, to_tag[, new_headers][, body]}</c> (trans_id "hash_entry:label" in
/// decimal) → "OK"; 400 "Invalid reply code", "Invalid trans_id", "Invalid index in trans_id", "Invalid label in
/// trans_id"; 404 "Transaction not found"; 500 "Reply failed".</item>
/// </list>
/// </summary>
public static partial class TmMiCommands
{
    /// <summary>Registers the four commands (once per management plane).</summary>
    public static void Register(MiCommandRegistry registry, TmModule module)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(module);
        if (registry.TryGet("t_uac_dlg", out _))
        {
            return;
        }

        var logger = module.Logger;
        MiParam[] required = [MiParam.Str("method"), MiParam.Str("ruri"), MiParam.Str("headers")];
        registry.Register(new MiCommand("t_uac_dlg", "sends a SIP request statefully; Params: method ruri headers [next_hop] [socket] [body]",
            [
                new MiRecipe(required),
                new MiRecipe([.. required, MiParam.Str("next_hop")]),
                new MiRecipe([.. required, MiParam.Str("socket")]),
                new MiRecipe([.. required, MiParam.Str("body")]),
                new MiRecipe([.. required, MiParam.Str("next_hop"), MiParam.Str("socket")]),
                new MiRecipe([.. required, MiParam.Str("next_hop"), MiParam.Str("body")]),
                new MiRecipe([.. required, MiParam.Str("socket"), MiParam.Str("body")]),
                new MiRecipe([.. required, MiParam.Str("next_hop"), MiParam.Str("socket"), MiParam.Str("body")]),
            ],
            (request, cancellationToken) => UacDialogAsync(module, logger, request, cancellationToken), "tm"));
        registry.Register(new MiCommand("t_uac_cancel", "cancels a pending INVITE transaction; Params: callid cseq",
            [new MiRecipe(MiParam.Str("callid"), MiParam.Str("cseq"))], r => UacCancel(module, r), "tm"));
        registry.Register(new MiCommand("t_hash", "prints the load of the transaction hash table",
            [new MiRecipe()], _ => Hash(module), "tm"));
        MiParam[] reply = [MiParam.Int("code"), MiParam.Str("reason"), MiParam.Str("trans_id"), MiParam.Str("to_tag")];
        registry.Register(new MiCommand("t_reply", "replies on a server transaction; Params: code reason trans_id to_tag [new_headers] [body]",
            [
                new MiRecipe(reply),
                new MiRecipe([.. reply, MiParam.Str("new_headers")]),
                new MiRecipe([.. reply, MiParam.Str("body")]),
                new MiRecipe([.. reply, MiParam.Str("new_headers"), MiParam.Str("body")]),
            ],
            r => Reply(module, r), "tm"));
    }

    /// <summary>The header block of t_uac_dlg split into what tm fills in itself and the lines it copies.</summary>
    internal sealed record UacHeaders(string? From, string? To, string? CallId, string? CSeq, bool HasContentType, bool HasContentLength, string Rest);

    /// <summary>Parses a header block ("\r\n" written literally is taken as CRLF, as OpenSIPS's unescape_crlf does); null when malformed.</summary>
    internal static UacHeaders? ParseHeaders(string text)
    {
        text = text.Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
        var lines = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (lines.Count == 0)
                {
                    return null;
                }

                lines[^1] += " " + line.Trim(); // RFC 3261 §7.3.1 folding
                continue;
            }

            lines.Add(line);
        }

        string? from = null, to = null, callId = null, cseq = null;
        bool contentType = false, contentLength = false;
        var rest = new StringBuilder();
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (name.ToLowerInvariant())
            {
                case "from" or "f":
                    from = value;
                    continue;
                case "to" or "t":
                    to = value;
                    continue;
                case "call-id" or "i":
                    callId = value;
                    continue;
                case "cseq":
                    cseq = value;
                    continue;
                case "content-type" or "c":
                    contentType = true;
                    break;
                case "content-length" or "l":
                    contentLength = true;
                    break;
            }

            rest.Append(line).Append("\r\n");
        }

        return new UacHeaders(from, to, callId, cseq, contentType, contentLength, rest.ToString());
    }

    private static async ValueTask<MiResult> UacDialogAsync(TmModule module, ILogger logger, MiRequest request, CancellationToken cancellationToken)
    {
        var method = request.GetString("method");
        var ruri = request.GetString("ruri");
        if (!SipUri.TryParse(Encoding.UTF8.GetBytes(ruri), out _, out _))
        {
            return MiResult.Error(400, "Invalid ruri");
        }

        string? nextHop = request.Has("next_hop") ? request.GetString("next_hop") : null;
        if (nextHop is not null && !SipUri.TryParse(Encoding.UTF8.GetBytes(nextHop), out _, out _))
        {
            return MiResult.Error(400, "Invalid next_hop");
        }

        string? socket = request.Has("socket") ? request.GetString("socket") : null;
        if (!string.IsNullOrEmpty(socket))
        {
            if (!NextHop.TryParse(socket, out _))
            {
                return MiResult.Error(404, "Invalid local socket");
            }

            if (module.Host is not { } host || TmCore.FindSocket(host, socket) is null)
            {
                return MiResult.Error(404, "Local socket not found");
            }
        }
        else
        {
            socket = null;
        }

        if (ParseHeaders(request.GetString("headers")) is not { } headers)
        {
            return MiResult.Error(400, "Bad headers");
        }

        string? body = request.Has("body") ? request.GetString("body") : null;
        if (!string.IsNullOrEmpty(body) && !headers.HasContentType)
        {
            return MiResult.Error(400, "Content-Type missing");
        }

        if (!string.IsNullOrEmpty(body) && headers.HasContentLength)
        {
            return MiResult.Error(400, "Content-Length disallowed");
        }

        if (headers.To is null)
        {
            return MiResult.Error(400, "To missing");
        }

        if (headers.From is null)
        {
            return MiResult.Error(400, "From missing");
        }

        uint? cseq = null;
        if (headers.CSeq is { } cseqText)
        {
            var parts = cseqText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return MiResult.Error(400, "Bad CSeq number");
            }

            if (parts.Length != 2 || !string.Equals(parts[1], method, StringComparison.Ordinal))
            {
                return MiResult.Error(400, "CSeq method mismatch");
            }

            cseq = number;
        }

        var passProvisional = module.Options.PassProvisionalReplies;
        var uac = new UacRequest
        {
            Method = method,
            RequestUri = ruri,
            From = headers.From,
            To = headers.To,
            CallId = headers.CallId,
            CSeq = cseq,
            NextHop = nextHop,
            Socket = socket,
            Headers = headers.Rest,
            Body = string.IsNullOrEmpty(body) ? null : Encoding.UTF8.GetBytes(body),
            // pass_provisional_replies (OpenSIPS mi.c mi_uac_dlg_hdl): each provisional reply goes to the client as an
            // intermediate response shaped like the final one; a transport that cannot stream (HTTP) drops it.
            OnProvisional = passProvisional
                ? r =>
                {
                    LogProvisional(logger, method, ruri, r.Code, r.Reason);
                    request.ReportProgress(UacResult(r));
                }
                : null,
        };
        UacReply reply;
        try
        {
            reply = await module.Core.SendRequestAsync(uac, ackSuccess: true, cancellationToken).ConfigureAwait(false);
        }
        catch (UacSendException e)
        {
            return MiResult.Error(e.Code, e.Reason);
        }

        return MiResult.Success(UacResult(reply));
    }

    /// <summary>mi_uac_dlg_hdl's result object for a final reply.</summary>
    internal static JsonObject UacResult(UacReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var result = new JsonObject { ["Status"] = reply.Code.ToString(CultureInfo.InvariantCulture) + " " + reply.Reason };
        if (reply.Message is not { } message)
        {
            return result;
        }

        if (reply.Code is >= 200 and < 300)
        {
            // The dialog the 2xx confirms (dlg_response_uac): remote target, next hop, route set (Record-Route reversed).
            var routes = new List<string>(reply.RecordRoute);
            routes.Reverse();
            if (reply.Contact is { } target)
            {
                result["RURI"] = target;
            }

            var next = routes.Count > 0 ? UacMessages.RouteUri(routes[0]) : reply.Contact;
            if (next is not null)
            {
                result["Next-hop"] = next;
            }

            if (routes.Count > 0)
            {
                var array = new JsonArray();
                foreach (var r in routes)
                {
                    array.Add(r);
                }

                result["Routes"] = array;
            }
        }

        var text = Encoding.UTF8.GetString(message);
        var firstLineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        result["Message"] = firstLineEnd >= 0 ? text[(firstLineEnd + 2)..] : string.Empty;
        return result;
    }

    private static MiResult UacCancel(TmModule module, MiRequest request)
    {
        var callId = request.GetString("callid");
        var parts = request.GetString("cseq").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || !string.Equals(parts[1], "INVITE", StringComparison.Ordinal) || module.Core.FindInvite(callId, number) is not { } tx)
        {
            return MiResult.Error(481, "No such transaction");
        }

        module.Core.CancelTransaction(tx, null);
        return MiResult.Ok();
    }

    /// <summary>t_hash: every bucket with its current and accumulated number of transactions.</summary>
    internal static MiResult Hash(TmModule module)
    {
        var table = module.Core.Table;
        var array = new JsonArray();
        for (var i = 0; i < TmHash.TableSize; i++)
        {
            array.Add(new JsonObject { ["index"] = i, ["Current"] = table.BucketSize(i), ["Total"] = table.BucketTotal(i) });
        }

        return MiResult.Success(array);
    }

    private static MiResult Reply(TmModule module, MiRequest request)
    {
        var code = request.GetInt("code");
        if (code is >= 700 or < 100)
        {
            return MiResult.Error(400, "Invalid reply code");
        }

        var reason = request.GetString("reason");
        var id = request.GetString("trans_id");
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return MiResult.Error(400, "Invalid trans_id");
        }

        if (!int.TryParse(id.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var hash))
        {
            return MiResult.Error(400, "Invalid index in trans_id");
        }

        if (!uint.TryParse(id.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var label))
        {
            return MiResult.Error(400, "Invalid label in trans_id");
        }

        if (module.Core.Find(hash, label) is not { } tx)
        {
            return MiResult.Error(404, "Transaction not found");
        }

        var toTag = request.GetString("to_tag");
        string? headers = request.Has("new_headers") ? Placeholder(request.GetString("new_headers")) : null;
        if (headers is not null)
        {
            headers = headers.Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
        }

        var body = request.Has("body") ? Placeholder(request.GetString("body")) : null;
        var sent = module.Core.ReplyOn(tx, code, reason, Placeholder(toTag), headers, body is null ? null : Encoding.UTF8.GetBytes(body));
        return sent ? MiResult.Ok() : MiResult.Error(500, "Reply failed");
    }

    /// <summary>"." stands for an empty value (OpenSIPS's older MI syntax, still in the manual's example).</summary>
    private static string? Placeholder(string value) => value.Length == 0 || value == "." ? null : value;

    [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "t_uac_dlg {Method} {Ruri}: provisional {Code} {Reason}")]
    private static partial void LogProvisional(ILogger logger, string method, string ruri, int code, string reason);
}
