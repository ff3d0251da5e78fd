using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Transport;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// Where the message came from and where it goes out: <c>$si $sp</c> (source address and port), <c>$Ri $Rp</c>
/// (the local socket it arrived on), <c>$pr</c>/<c>$proto</c> (its transport) and <c>$fs</c> (the forced outgoing
/// socket, <c>proto:ip:port</c>, writable). Formatted addresses are cached per context and source.
/// </summary>
internal static class TransportVariables
{
    public static void Register(ScriptRegistry registry)
    {
        CorePseudoVariables.AddSimple(registry, "si", SourceAddress);
        CorePseudoVariables.AddSimple(registry, "sp", static ctx =>
            ctx.Source.Remote.IsEmpty ? ScriptValue.Null : ScriptValue.FromInt(ctx.Source.Remote.Port));
        CorePseudoVariables.AddSimple(registry, "Ri", ReceivedAddress);
        CorePseudoVariables.AddSimple(registry, "Rp", static ctx =>
            ctx.Source.Listener is { } l ? ScriptValue.FromInt(l.LocalEndPoint.Port) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "pr", static ctx => TransportName(ctx.Source.Transport));
        CorePseudoVariables.AddSimple(registry, "proto", static ctx => TransportName(ctx.Source.Transport));
        CorePseudoVariables.AddSimple(registry, "fs", ForcedSocket, SetForcedSocket);
    }

    /// <summary>The lower-case name OpenSIPS prints for a transport; NULL for an unknown one.</summary>
    internal static ScriptValue TransportName(SipTransport transport) => transport switch
    {
        SipTransport.Udp => ScriptValue.FromString("udp"),
        SipTransport.Tcp => ScriptValue.FromString("tcp"),
        SipTransport.Tls => ScriptValue.FromString("tls"),
        SipTransport.Sctp => ScriptValue.FromString("sctp"),
        SipTransport.Ws => ScriptValue.FromString("ws"),
        SipTransport.Wss => ScriptValue.FromString("wss"),
        _ => ScriptValue.Null,
    };

    private static ScriptValue SourceAddress(ScriptContext ctx)
    {
        var remote = ctx.Source.Remote;
        if (remote.IsEmpty)
        {
            return ScriptValue.Null;
        }

        var state = ctx.GetState(PvState.Slot);
        if (state.SourceText is null || state.SourceKey != remote)
        {
            state.SourceKey = remote;
            state.SourceText = FormatAddress(remote);
        }

        return ScriptValue.FromString(state.SourceText);
    }

    private static ScriptValue ReceivedAddress(ScriptContext ctx)
    {
        if (ctx.Source.Listener is not { } listener)
        {
            return ScriptValue.Null;
        }

        var state = ctx.GetState(PvState.Slot);
        if (!ReferenceEquals(state.ListenerKey, listener))
        {
            state.ListenerKey = listener;
            state.ListenerAddress = FormatAddress(listener.LocalEndPoint);
        }

        return ScriptValue.FromString(state.ListenerAddress);
    }

    private static ScriptValue ForcedSocket(ScriptContext ctx)
    {
        if (ctx.ForcedSocket is not { } socket)
        {
            return ScriptValue.Null;
        }

        var state = ctx.GetState(PvState.Slot);
        if (!ReferenceEquals(state.SocketKey, socket))
        {
            state.SocketKey = socket;
            state.SocketText = FormatSocket(socket);
        }

        return ScriptValue.FromString(state.SocketText);
    }

    private static void SetForcedSocket(ScriptContext ctx, ScriptValue value)
    {
        if (value.IsNullOrEmpty)
        {
            ctx.ForcedSocket = null;
            return;
        }

        var text = value.AsString();
        var listener = FindListener(ctx.Host, text);
        if (listener is null)
        {
            ctx.Host.CoreLogger.LogWarning("Ignoring $fs = '{Socket}': Parley does not listen on such a socket", text);
            return;
        }

        ctx.ForcedSocket = listener;
    }

    /// <summary>"proto:ip:port" as OpenSIPS prints a socket (IPv6 in brackets).</summary>
    internal static string FormatSocket(SipListener socket) =>
        string.Create(CultureInfo.InvariantCulture, $"{TransportName(socket.Transport).AsString()}:{socket.LocalEndPoint}");

    /// <summary>The address of an endpoint without its port, IPv6 without brackets (as <c>$si</c> prints it).</summary>
    internal static string FormatAddress(SipEndPoint endPoint)
    {
        Span<char> buffer = stackalloc char[SipEndPoint.MaxFormattedLength];
        endPoint.TryFormat(buffer, out var n);
        var text = buffer[..n];
        var colon = text.LastIndexOf(':');
        if (colon > 0)
        {
            text = text[..colon];
        }

        if (text.Length > 1 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
        }

        return new string(text);
    }

    /// <summary>
    /// The listener named by <c>[proto:]ip[:port]</c> (as <c>$fs</c> and <c>force_send_socket</c> take it), or null.
    /// Without a protocol any transport matches; without a port any port does.
    /// </summary>
    internal static SipListener? FindListener(ProxyHost host, string text)
    {
        var s = text.AsSpan().Trim();
        SipTransport? transport = null;
        var colon = s.IndexOf(':');
        if (colon > 0)
        {
            var prefix = s[..colon];
            foreach (var candidate in (ReadOnlySpan<SipTransport>)[SipTransport.Udp, SipTransport.Tcp, SipTransport.Tls, SipTransport.Sctp, SipTransport.Ws, SipTransport.Wss])
            {
                if (prefix.Equals(TransportName(candidate).StringOrNull, StringComparison.OrdinalIgnoreCase))
                {
                    transport = candidate;
                    s = s[(colon + 1)..];
                    break;
                }
            }
        }

        ReadOnlySpan<char> address;
        var port = -1;
        if (s.Length > 0 && s[0] == '[')
        {
            var close = s.IndexOf(']');
            if (close < 0)
            {
                return null;
            }

            address = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0 && (rest[0] != ':' || !int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port)))
            {
                return null;
            }
        }
        else
        {
            var last = s.LastIndexOf(':');
            if (last >= 0 && s.IndexOf(':') == last)
            {
                if (!int.TryParse(s[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
                {
                    return null;
                }

                address = s[..last];
            }
            else
            {
                address = s;
            }
        }

        if (!IPAddress.TryParse(address, out var ip))
        {
            return null;
        }

        foreach (var listener in host.Listeners)
        {
            if ((transport is null || listener.Transport == transport)
                && (port < 0 || listener.LocalEndPoint.Port == port)
                && (listener.Address.Address.Equals(ip) || (!listener.LocalEndPoint.IsEmpty && listener.LocalEndPoint.GetAddress().Equals(ip))))
            {
                return listener;
            }
        }

        return null;
    }
}
