using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>One worker's routing-script pipeline: runs the compiled script on each well-formed message.</summary>
internal sealed partial class ScriptProcessor(ScriptPipeline pipeline, CoreStatistics statistics, SlowMessageMeter slow, ILogger logger) : IMessageProcessor
{
    public void OnRequest(SipMessage request, SipMessageEditor edits, in InboundPacket packet)
    {
        var start = slow.Start();
        try
        {
            pipeline.HandleRequest(request, edits, MessageSource.From(packet));
            if (pipeline.Context.Forwarded)
            {
                statistics.RequestForwarded();
            }
            else if (!pipeline.Context.Replied)
            {
                statistics.RequestDropped();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            // A script or module bug on one message must not take the worker down; the message is lost, others are not.
            statistics.RequestDropped();
            LogScriptFailed(logger, packet.RemoteEndPoint, e);
        }

        slow.Stop(start, request);
    }

    public void OnResponse(SipMessage response, in InboundPacket packet)
    {
        var start = slow.Start();
        try
        {
            if (pipeline.HandleReply(response, MessageSource.From(packet)))
            {
                statistics.ReplyForwarded();
            }
            else
            {
                statistics.ReplyDropped();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            statistics.ReplyDropped();
            LogScriptFailed(logger, packet.RemoteEndPoint, e);
        }

        slow.Stop(start, response);
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Error, Message = "Script failed on a message from {Source}")]
    private static partial void LogScriptFailed(ILogger logger, SipEndPoint source, Exception exception);
}
