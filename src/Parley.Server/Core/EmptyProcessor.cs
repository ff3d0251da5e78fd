using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>The pipeline without a routing script: well-formed messages are counted as dropped (OpenSIPS with an empty route does the same).</summary>
internal sealed class EmptyProcessor(CoreStatistics statistics) : IMessageProcessor
{
    public void OnRequest(SipMessage request, SipMessageEditor edits, in InboundPacket packet) => statistics.RequestDropped();

    public void OnResponse(SipMessage response, in InboundPacket packet) => statistics.ReplyDropped();
}
