using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>The topology-hiding DID lookup of <c>match_dialog</c> (opensips-behaviour.md §2, "Other lookup paths").</summary>
public sealed partial class DialogManager
{
    /// <summary>
    /// With topology hiding the proxy's Record-Route is gone, so the DID travels in the Request-URI: when the request
    /// has no Route header and its Request-URI is ours, the DID is the URI parameter named like <c>rr_param</c>, or the
    /// part after <c>.&lt;rr_param&gt;.</c> in the username. Returns <c>rr_param=DID</c> for the matcher, or null.
    /// </summary>
    internal byte[]? TopologyHidingParameters(ScriptContext context)
    {
        var msg = context.Message;
        if (msg is not { IsRequest: true })
        {
            return null;
        }

        var routes = msg.Routes;
        if (routes.MoveNext())
        {
            return null;
        }

        var text = context.RequestUriText;
        if (!SipUri.TryParse(text, out var uri, out _) || uri.Host.IsEmpty
            || !context.Host.IsMyself(text.Slice(uri.Host.Start, uri.Host.Length), uri.Port < 0 ? 0 : uri.Port))
        {
            return null;
        }

        ReadOnlySpan<byte> did = default;
        if (uri.TryGetParameter(text, _rrParam, out var value, out var present) && present)
        {
            did = text.Slice(value.Start, value.Length);
        }
        else
        {
            var user = text.Slice(uri.User.Start, uri.User.Length);
            Span<byte> marker = stackalloc byte[_rrParam.Length + 2];
            marker[0] = (byte)'.';
            _rrParam.CopyTo(marker[1..]);
            marker[^1] = (byte)'.';
            var at = user.IndexOf(marker);
            if (at < 0)
            {
                return null;
            }

            did = user[(at + marker.Length)..];
        }

        if (did.IsEmpty)
        {
            return null;
        }

        var result = new byte[_rrParam.Length + 1 + did.Length];
        _rrParam.CopyTo(result, 0);
        result[_rrParam.Length] = (byte)'=';
        did.CopyTo(result.AsSpan(_rrParam.Length + 1));
        return result;
    }
}
