using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>
/// One SIP worker: a single consumer of the packets whose Call-ID hashes to it, so the messages of a call are handled
/// in arrival order. It owns a reusable <see cref="SipMessage"/> and reply buffer: parsing allocates nothing.
/// </summary>
internal sealed partial class Worker
{
    private readonly Channel<InboundPacket> _queue = Channel.CreateUnbounded<InboundPacket>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SipMessage _message = new();
    private readonly SipMessageEditor _editor = new();
    private readonly IMessageProcessor _processor;
    private readonly IReplySender _sender;
    private readonly CoreStatistics _statistics;
    private readonly ILogger _logger;
    private readonly byte[] _serverHeader;
    private readonly int _id;

    public Worker(int id, IMessageProcessor processor, IReplySender sender, CoreStatistics statistics, byte[] serverHeader, ILogger logger)
    {
        _id = id;
        _processor = processor;
        _sender = sender;
        _statistics = statistics;
        _serverHeader = serverHeader;
        _logger = logger;
    }

    public void Enqueue(InboundPacket packet)
    {
        if (!_queue.Writer.TryWrite(packet))
        {
            packet.Release(); // the worker has stopped: shutting down
        }
    }

    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var packet))
                {
                    try
                    {
                        await HandleAsync(packet, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // A bug on one message must not stop the worker and with it every call hashed here.
                        LogHandlerFailed(_logger, _id, packet.RemoteEndPoint, e);
                    }
                    finally
                    {
                        packet.Release();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        while (reader.TryRead(out var left))
        {
            left.Release();
        }
    }

    /// <summary>A stream whose framing failed: answer the request if its headers allow, then the transport closes it.</summary>
    public ValueTask HandleFramingErrorAsync(InboundPacket packet, ParseError error, CancellationToken cancellationToken)
    {
        if (packet.Length == 0)
        {
            _statistics.BadRequest(error); // nothing arrived that could be answered; the transport closes the stream
            return ValueTask.CompletedTask;
        }

        var message = new SipMessage();
        SipParser.Parse(packet.Buffer, packet.Offset, packet.Length, message, datagram: true);
        return RejectAsync(message, packet, error, cancellationToken);
    }

    private ValueTask HandleAsync(in InboundPacket packet, CancellationToken cancellationToken)
    {
        var message = _message;
        var result = SipParser.Parse(packet.Buffer, packet.Offset, packet.Length, message, datagram: packet.Transport == SipTransport.Udp);
        if (result.Status == ParseStatus.Complete)
        {
            var error = message.IsRequest ? SipValidator.ValidateRequest(message) : SipValidator.ValidateResponse(message);
            if (error == ParseError.None)
            {
                if (message.IsRequest)
                {
                    _statistics.RequestReceived();
                    _editor.Reset(message);
                    AddReceived(_editor, packet.RemoteEndPoint);
                    _processor.OnRequest(message, _editor, packet);
                }
                else
                {
                    _statistics.ReplyReceived();
                    _processor.OnResponse(message, packet);
                }

                return ValueTask.CompletedTask;
            }

            return RejectAsync(message, packet, error, cancellationToken);
        }

        // Incomplete cannot happen for a framed packet or a datagram; treat it like a truncated message.
        return RejectAsync(message, packet, result.Status == ParseStatus.Invalid ? result.Error : ParseError.HeadersNotTerminated, cancellationToken);
    }

    private async ValueTask RejectAsync(SipMessage message, InboundPacket packet, ParseError error, CancellationToken cancellationToken)
    {
        var code = ParseErrors.StatusCode(error);
        if (!message.IsRequest || code == 0)
        {
            // RFC 3261 §18.1.2: a malformed response is discarded; an empty packet has nobody to answer.
            _statistics.BadReply(error);
            LogReplyDropped(_logger, packet.RemoteEndPoint, error);
            return;
        }

        _statistics.BadRequest(error);
        LogRequestRejected(_logger, packet.RemoteEndPoint, code, error);
        if (message.Is(SipMethod.Ack))
        {
            return; // RFC 3261 §17.2.1/§8.2: an ACK is never answered
        }

        var extra = BuildExtraHeaders(message, error, out var extraLength);
        try
        {
            Span<byte> tag = stackalloc byte[StatelessTag.Length];
            StatelessTag.Write(message, tag);
            var reason = ParseErrors.ReasonPhrase(error);
            var size = SipResponseWriter.GetMaxLength(message, reason, tag, extra.AsSpan(0, extraLength));
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                var n = SipResponseWriter.Write(message, code, reason, tag, extra.AsSpan(0, extraLength), buffer);
                await _sender.SendToSourceAsync(packet, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(extra);
        }
    }

    /// <summary>RFC 3261 §18.2.1 / RFC 3581 §4: the top Via learns the address (and port, when asked) the request came from.</summary>
    internal static void AddReceived(SipMessageEditor editor, SipEndPoint source)
    {
        Span<byte> text = stackalloc byte[SipEndPoint.MaxFormattedLength];
        if (!source.TryFormat(text, out var written))
        {
            return;
        }

        // "1.2.3.4:5060" or "[2001:db8::1]:5060": received= carries the bare address.
        var address = text[..text[..written].LastIndexOf((byte)':')];
        if (address.Length > 2 && address[0] == '[')
        {
            address = address[1..^1];
        }

        editor.AddReceived(address, source.Port);
    }

    /// <summary>Server header, and for 420 the Unsupported list of the Proxy-Require tags (RFC 3261 §8.2.2.3, §16.3 step 5).</summary>
    private byte[] BuildExtraHeaders(SipMessage message, ParseError error, out int length)
    {
        var size = _serverHeader.Length;
        if (error == ParseError.BadExtension)
        {
            foreach (ref readonly var h in message.Headers)
            {
                if (h.Kind == HeaderKind.ProxyRequire)
                {
                    size += 15 + h.Value.Length;
                }
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        _serverHeader.CopyTo(buffer, 0);
        length = _serverHeader.Length;
        if (error == ParseError.BadExtension)
        {
            foreach (ref readonly var h in message.Headers)
            {
                if (h.Kind == HeaderKind.ProxyRequire)
                {
                    "Unsupported: "u8.CopyTo(buffer.AsSpan(length));
                    length += 13;
                    message[h.Value].CopyTo(buffer.AsSpan(length));
                    length += h.Value.Length;
                    buffer[length++] = (byte)'\r';
                    buffer[length++] = (byte)'\n';
                }
            }
        }

        return buffer;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Request from {Source} refused with {Code}: {Error}")]
    private static partial void LogRequestRejected(ILogger logger, SipEndPoint source, int code, ParseError error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Malformed reply from {Source} dropped: {Error}")]
    private static partial void LogReplyDropped(ILogger logger, SipEndPoint source, ParseError error);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Worker {Worker} failed on a message from {Source}")]
    private static partial void LogHandlerFailed(ILogger logger, int worker, SipEndPoint source, Exception exception);
}
