using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Parley.Modules.Common;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Sl;

/// <summary>
/// OpenSIPS's <c>sl</c> module: replies to a request without keeping state. <c>sl_send_reply(code, reason)</c> and
/// <c>sl_reply_error()</c> build the reply as RFC 3261 §8.2.6 says (via <see cref="SipResponseWriter"/>), give it the
/// stable To tag of <see cref="StatelessTag"/> so a retransmitted request gets the same reply, add the script's
/// <c>append_to_reply</c> headers and the <c>Server</c> header, and send it where RFC 3261 §18.2.2 / RFC 3581 §4 say
/// (<see cref="ResponseRouting.ForLocalReply"/>) from the socket the request came in on. ACKs that answer such replies
/// carry that tag; <see cref="IsAckToLocalReply"/> recognises them and, as the pipeline's
/// <see cref="IMessageInterceptor"/>, sl absorbs them before the script runs, as OpenSIPS's sl does.
/// </summary>
public sealed partial class SlModule : ScriptModule, IMessageInterceptor
{
    private const RouteMask SendReplyRoutes = RouteMask.Request | RouteMask.Error;

    public override string Name => "sl";

    /// <summary><c>modparam("sl", "enable_stats", 0|1)</c>; the statistics themselves come with the statistics work.</summary>
    public bool EnableStats { get; private set; } = true;

    public override IReadOnlyList<ModuleParameter> Parameters =>
        [ModuleParameter.Int("enable_stats", v => EnableStats = v != 0, 0, 1)];

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddFunction(new ScriptFunctionDefinition("sl_send_reply", 2, 2, SendReplyRoutes, BindSendReply) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("sl_reply_error", 0, 0, RouteMask.Request, _ => ReplyError) { Module = Name });
    }

    /// <summary>
    /// Sends a stateless reply to the request being handled. Returns 1 when sent (and for an ACK, which is never
    /// answered), -1 when it cannot be: no request, a code outside 100-699, a reason with a line break.
    /// </summary>
    public int SendReply(ScriptContext context, int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(reason);
        var bytes = ScriptText.Buffer(context, 1, Encoding.UTF8.GetMaxByteCount(reason.Length));
        var n = Encoding.UTF8.GetBytes(reason, bytes);
        return SendReply(context, code, bytes[..n]);
    }

    /// <inheritdoc cref="SendReply(ScriptContext, int, string)"/>
    public int SendReply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Message;
        if (request is null || !request.IsRequest)
        {
            return -1;
        }

        // RFC 3261 §17.1.1.3, §17.2.1: an ACK is never answered. OpenSIPS's sl reports success without sending.
        if (request.Is(SipMethod.Ack))
        {
            return 1;
        }

        if (code is < 100 or > 699)
        {
            LogBadCode(context.Host.CoreLogger, code);
            return -1;
        }

        // RFC 3261 §25.1: a Reason-Phrase holds no CR or LF; one from a variable must not inject header lines.
        if (reason.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            LogBadReason(context.Host.CoreLogger, code);
            return -1;
        }

        var source = context.Source;
        if (source.Remote.IsEmpty)
        {
            return -1;
        }

        var extra = ArrayPool<byte>.Shared.Rent(MaxExtraHeadersLength(context, code));
        byte[]? reply = null;
        try
        {
            var extraLength = WriteExtraHeaders(context, code, extra);
            Span<byte> tag = stackalloc byte[StatelessTag.Length];
            StatelessTag.Write(request, tag);
            var size = SipResponseWriter.GetMaxLength(request, reason, tag, extra.AsSpan(0, extraLength)) + LocalReplyVia.MaxGrowth;
            reply = ArrayPool<byte>.Shared.Rent(size);
            var length = SipResponseWriter.Write(request, code, reason, tag, extra.AsSpan(0, extraLength), reply);
            length = LocalReplyVia.AddReceived(request, source.Remote, reply, length);

            // The sender owns the pooled buffer from here on.
            var destination = ResponseRouting.ForLocalReply(request, source);
            var owned = reply;
            reply = null;
            context.Host.Sender.Send(source.Listener, source.Transport, destination, owned, length, source.ConnectionId);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(extra);
            if (reply is not null)
            {
                ArrayPool<byte>.Shared.Return(reply);
            }
        }

        context.Replied = true;
        return 1;
    }

    /// <summary>
    /// <c>sl_reply_error()</c>: replies with the last internal error (<see cref="ScriptContext.LastErrorCode"/>), or
    /// 500 "Server Internal Error" when nothing recorded one.
    /// </summary>
    public int ReplyError(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var code = context.LastErrorCode is >= 100 and <= 699 ? context.LastErrorCode : 500;
        var reason = code == context.LastErrorCode && context.LastErrorReason.Length > 0 ? context.LastErrorReason : DefaultReason(code);
        return SendReply(context, code, reason);
    }

    /// <summary>
    /// True for an ACK whose To tag is the one <see cref="SendReply(ScriptContext, int, ReadOnlySpan{byte})"/> put in
    /// its reply: the ACK of a non-2xx final reply reuses the request's Call-ID, From tag and top Via branch
    /// (RFC 3261 §17.1.1.3), so it hashes to the same <see cref="StatelessTag"/>. Such an ACK ends at this proxy.
    /// </summary>
    public bool IsAckToLocalReply(SipMessage ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        if (!ack.IsRequest || !ack.Is(SipMethod.Ack) || !ack.TryGetTo(out var to) || !to.HasTag || to.Tag.Length != StatelessTag.Length)
        {
            return false;
        }

        Span<byte> tag = stackalloc byte[StatelessTag.Length];
        StatelessTag.Write(ack, tag);
        return ack[to.Tag].SequenceEqual(tag);
    }

    /// <summary>
    /// An ACK to one of sl's own replies ends here (RFC 3261 §17.2.1: the ACK of a non-2xx final response belongs to
    /// the server transaction that sent it; for a stateless reply that is this proxy), so the script never sees it.
    /// </summary>
    public bool InterceptRequest(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Message is { } request && IsAckToLocalReply(request);
    }

    /// <summary>Replies are never sl's to absorb.</summary>
    public bool InterceptReply(ScriptContext context) => false;

    private int RunSendReply(ReplyArguments arguments, ScriptContext context)
    {
        if (!arguments.TryGetCode(context, out var code))
        {
            LogBadCode(context.Host.CoreLogger, 0);
            return -1;
        }

        return SendReply(context, code, arguments.ReasonBytes(context));
    }

    private ScriptFunctionBody? BindSendReply(FunctionBinder binder)
    {
        var arguments = ReplyArguments.Bind(binder);
        return arguments is null ? null : context => RunSendReply(arguments, context);
    }

    /// <summary>Extra header lines: the script's <c>append_to_reply</c> lines, the redirect targets of a 3xx, <c>Server</c>.</summary>
    private static int MaxExtraHeadersLength(ScriptContext context, int code)
    {
        var length = Encoding.UTF8.GetMaxByteCount(context.ReplyHeaders.Length)
            + "Server: \r\n"u8.Length + Encoding.UTF8.GetMaxByteCount(context.Host.ServerHeader.Length);
        if (code is >= 300 and < 400)
        {
            length += RedirectContacts.MaxLength(context);
        }

        return Math.Max(length, 1);
    }

    private static int WriteExtraHeaders(ScriptContext context, int code, Span<byte> destination)
    {
        var n = 0;
        foreach (var chunk in context.ReplyHeaders.GetChunks())
        {
            n += Encoding.UTF8.GetBytes(chunk.Span, destination[n..]);
        }

        // OpenSIPS's sl dumps the destination set of a redirect into the reply's Contact (print_dset).
        if (code is >= 300 and < 400)
        {
            n += RedirectContacts.Write(context, destination[n..]);
        }

        if (context.Host.ServerHeader.Length > 0)
        {
            "Server: "u8.CopyTo(destination[n..]);
            n += 8;
            n += Encoding.UTF8.GetBytes(context.Host.ServerHeader, destination[n..]);
            "\r\n"u8.CopyTo(destination[n..]);
            n += 2;
        }

        return n;
    }

    internal static string DefaultReason(int code) => code switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        486 => "Busy Here",
        488 => "Not Acceptable Here",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        < 200 => "Trying",
        < 300 => "OK",
        < 400 => "Redirection",
        < 500 => "Request Failure",
        < 600 => "Server Internal Error",
        _ => "Global Failure",
    };

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "sl: reply code {Code} is not a number in 100-699; no reply sent")]
    private static partial void LogBadCode(ILogger logger, int code);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "sl: the reason phrase of a {Code} reply holds a line break; no reply sent")]
    private static partial void LogBadReason(ILogger logger, int code);
}
