using Parley.Protocol;
using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>
/// What happens to a well-formed message: the routing script and the transaction layer plug in here. Called on the
/// worker that owns the message's Call-ID, one message at a time; the message and packet are valid only during the call.
/// </summary>
internal interface IMessageProcessor
{
    void OnRequest(SipMessage request, in InboundPacket packet);

    void OnResponse(SipMessage response, in InboundPacket packet);
}
