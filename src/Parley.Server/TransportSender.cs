using System.Buffers;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Server;

/// <summary>The script's <see cref="ISipSender"/> over the transport layer: sends, then returns the pooled buffer.</summary>
internal sealed partial class TransportSender(Func<SipTransportLayer> transport, ILogger logger) : ISipSender
{
    public void Send(SipListener? from, SipTransport transportKind, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        ValueTask<SendResult> sending;
        try
        {
            var layer = transport();
            var data = pooledBuffer.AsMemory(0, length);
            sending = from is not null && from.Transport == transportKind
                ? layer.SendAsync(from, destination, data, connectionId)
                : layer.SendAsync(transportKind, destination, data, connectionId);
        }
        catch (ArgumentException e)
        {
            ArrayPool<byte>.Shared.Return(pooledBuffer);
            LogSendFailed(logger, destination, e.Message);
            return;
        }

        if (sending.IsCompleted)
        {
            Complete(sending.Result, destination, pooledBuffer);
            return;
        }

        _ = CompleteLater(sending, destination, pooledBuffer);
    }

    public ValueTask<SendResult> SendReportingAsync(SipListener? from, SipTransport transportKind, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        ValueTask<SendResult> sending;
        try
        {
            var layer = transport();
            var data = pooledBuffer.AsMemory(0, length);
            sending = from is not null && from.Transport == transportKind
                ? layer.SendAsync(from, destination, data, connectionId)
                : layer.SendAsync(transportKind, destination, data, connectionId);
        }
        catch (ArgumentException e)
        {
            ArrayPool<byte>.Shared.Return(pooledBuffer);
            LogSendFailed(logger, destination, e.Message);
            return ValueTask.FromResult(SendResult.NetworkError);
        }

        if (sending.IsCompletedSuccessfully)
        {
            var result = sending.Result;
            Complete(result, destination, pooledBuffer);
            return ValueTask.FromResult(result);
        }

        return new ValueTask<SendResult>(ReportLater(sending, destination, pooledBuffer));
    }

    private async Task<SendResult> ReportLater(ValueTask<SendResult> sending, SipEndPoint destination, byte[] buffer)
    {
        SendResult result;
        try
        {
            result = await sending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            LogSendFailed(logger, destination, e.Message);
            return SendResult.NetworkError;
        }

        Complete(result, destination, buffer);
        return result;
    }

    private async Task CompleteLater(ValueTask<SendResult> sending, SipEndPoint destination, byte[] buffer)
    {
        SendResult result;
        try
        {
            result = await sending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            LogSendFailed(logger, destination, e.Message);
            return;
        }

        Complete(result, destination, buffer);
    }

    private void Complete(SendResult result, SipEndPoint destination, byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        if (result != SendResult.Sent)
        {
            LogSendFailed(logger, destination, result.ToString());
        }
    }

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Could not send to {Destination}: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, SipEndPoint destination, string reason);
}
