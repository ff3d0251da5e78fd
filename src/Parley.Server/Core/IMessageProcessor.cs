using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Transport;

namespace Parley.Server.Core;

/// <summary>
/// What happens to a well-formed message: the routing script and the transaction layer plug in here. Called on the
/// worker that owns the message's Call-ID, one message at a time; the message and packet are valid only during the call.
/// </summary>
internal interface IMessageProcessor
{
    /// <param name="edits">Edits already due when the request is forwarded: received/rport on the top Via (RFC 3261 §18.2.1, RFC 3581 §4).</param>
    void OnRequest(SipMessage request, SipMessageEditor edits, in InboundPacket packet);

    void OnResponse(SipMessage response, in InboundPacket packet);
}
