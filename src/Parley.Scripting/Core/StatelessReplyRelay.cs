using System.Buffers;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Scripting.Core;

/// <summary>
/// Relays a reply that no transaction claimed, as OpenSIPS's core does for statelessly forwarded requests
/// (RFC 3261 §16.11 with §16.7 step 3 and §18.2.2): the top Via must be this proxy's, it is removed, and the reply goes
/// to the next Via's received/rport address or sent-by. A reply whose top Via is not ours is dropped.
/// </summary>
public static class StatelessReplyRelay
{
    /// <summary>Relays the reply in <paramref name="context"/>; true when it was sent.</summary>
    public static bool Relay(ScriptContext context, SipMessageEditor editor)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(editor);
        var response = context.Msg;
        var host = context.Host;
        if (!response.TryGetTopVia(out var top) || !host.IsMyself(response[top.Host], top.Port > 0 ? top.Port : 0))
        {
            ScriptLog.ReplyNotOurs(host.CoreLogger, context.Source.Remote);
            return false;
        }

        if (!ResponseRouting.TryForRelayedReply(response, 1, out var transport, out var destination, out var hostName, out var port))
        {
            return false; // a reply to a request this proxy originated: nobody further to relay it to
        }

        if (hostName is not null)
        {
            var resolving = host.Resolver.ResolveAsync(hostName, port, transport, false, response.Length).AsTask();
            if (!resolving.IsCompletedSuccessfully || resolving.Result is not { Succeeded: true, Count: > 0 } resolved)
            {
                return false; // RFC 3261 §18.2.2 would have us try the name's SRV/A records; a name in a Via is rare
            }

            destination = resolved[0];
        }

        var listener = context.Source.Listener is { } inbound && inbound.Transport == transport && inbound.Address.AddressFamily == destination.AddressFamily
            ? inbound
            : host.FindListener(transport, destination.AddressFamily);
        if (listener is null)
        {
            return false;
        }

        editor.PopVia();
        var length = editor.GetLength();
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var written = editor.WriteTo(buffer);
        host.Sender.Send(listener, transport, destination, buffer, written, 0);
        return true;
    }
}
