using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Protocol.Headers;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Modules.Rr;

/// <summary>Route processing: <c>loose_route()</c>.</summary>
public sealed partial class RrModule
{
    /// <summary>
    /// <c>loose_route()</c>: routes a request by its Route headers (RFC 3261 §16.4, §16.12), as OpenSIPS does.
    /// <list type="bullet">
    /// <item>Previous hop was a strict router (the request has a To tag and its Request-URI is one of our Record-Route
    /// URIs): our second Route (double RR) is removed; then if the next Route is a loose router it becomes <c>$du</c>
    /// and the last Route value (the remote target) becomes the Request-URI and is removed (§16.4); if it is strict, it
    /// becomes the Request-URI and is removed.</item>
    /// <item>Otherwise a top Route that is ours is removed (§16.4), and with <c>;r2=on</c> the next one too when it is
    /// ours as well. Then the next Route decides: a loose router (<c>;lr</c>) becomes <c>$du</c>; a strict router gets
    /// the §16.6 step 6 treatment: the Request-URI is appended as the last Route, the Route becomes the Request-URI and is
    /// removed.</item>
    /// </list>
    /// Returns 1 when the next hop comes from the Route set, -1 when there is no Route header, on a malformed Route
    /// or To, and when the only Route was ours on a request without To tag (a preloaded Route to us: the script routes
    /// it). Route edits go into <see cref="ScriptContext.Edits"/>, the Request-URI through
    /// <see cref="ScriptContext.SetRequestUri(ReadOnlySpan{byte})"/>. The parameters of our consumed Route (or of our
    /// Request-URI in the strict case) are kept for <see cref="GetRouteParameters"/>, and the loose-route callbacks run.
    /// </summary>
    public int LooseRoute(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var msg = context.Msg;
        var state = context.GetState(StateSlot);
        state.HasRouteParams = false;
        state.RouteParams.Clear();
        if (!msg.IsRequest)
        {
            return -1;
        }

        var routes = RouteList.Read(msg);
        if (routes.Count == 0)
        {
            return -1;
        }

        if (routes.Failed || !context.TryGetRequestUri(out var ruri) || !msg.TryGetTo(out var to))
        {
            context.Host.CoreLogger.LogWarning("loose_route: malformed Route, Request-URI or To header");
            return -1;
        }

        var preloaded = !to.HasTag || to.Tag.IsEmpty;
        if (!preloaded)
        {
            var ruriText = context.RequestUriBuffer;
            if (ruri.Scheme is UriScheme.Sip or UriScheme.Sips && IsMyself(context, ruriText, ruri) && !HasParameter(ruriText, ruri, "gr"u8))
            {
                return AfterStrictRouter(context, state, in routes, ruri);
            }
        }

        return AfterLooseRouter(context, state, in routes, preloaded);
    }

    /// <summary>The previous hop was a strict router: it put our Record-Route URI in the Request-URI.</summary>
    private int AfterStrictRouter(ScriptContext context, RrState state, in RouteList routes, SipUri ruri)
    {
        var msg = context.Msg;
        Span<int> remove = stackalloc int[3];
        var removed = 0;
        var next = 0;
        var firstText = msg[routes.R0.Uri];
        if (!SipUri.TryParse(firstText, out var first, out _))
        {
            return Malformed(context);
        }

        if (EnableDoubleRr && HasParameter(firstText, first, "r2"u8) && IsMyself(context, firstText, first))
        {
            // Our second Record-Route is the top Route: it names the interface toward the next hop.
            ForceSocket(context, firstText, first);
            remove[removed++] = 0;
            if (routes.Count == 1)
            {
                context.Edits.RemoveListValues(HeaderKind.Route, remove[..removed]);
                return -1;
            }

            next = 1;
        }

        // Our URI is the Request-URI: its parameters are the ones we record-routed. Copied before it is replaced.
        var ruriText = context.RequestUriBuffer;
        state.RouteParams.Append(ruriText.Slice(ruri.Parameters.Start, ruri.Parameters.Length));
        state.HasRouteParams = true;

        var nextText = msg[routes[next].Uri];
        if (!SipUri.TryParse(nextText, out var nextUri, out _))
        {
            return Malformed(context);
        }

        if (!nextUri.HasLr)
        {
            // Strict next hop too: behave as a strict router, the Route becomes the Request-URI.
            SetTarget(context, state, nextText, nextUri, destination: false);
            remove[removed++] = next;
        }
        else
        {
            // RFC 3261 §16.4: the Request-URI MUST be replaced by the last Route value, which MUST be removed.
            var lastText = msg[routes.Last.Uri];
            if (!SipUri.TryParse(lastText, out var last, out _))
            {
                return Malformed(context);
            }

            SetTarget(context, state, nextText, nextUri, destination: true);
            SetTarget(context, state, lastText, last, destination: false);
            if (removed == 0 || remove[removed - 1] < routes.Count - 1)
            {
                // The last value may be the next hop itself: then it is both $du and the Request-URI, and goes once.
                remove[removed++] = routes.Count - 1;
            }
        }

        context.Edits.RemoveListValues(HeaderKind.Route, remove[..removed]);
        RunCallbacks(context, state);
        return 1;
    }

    private int AfterLooseRouter(ScriptContext context, RrState state, in RouteList routes, bool preloaded)
    {
        var msg = context.Msg;
        Span<int> remove = stackalloc int[3];
        var removed = 0;
        var next = 0;
        var firstText = msg[routes.R0.Uri];
        if (!SipUri.TryParse(firstText, out var first, out _))
        {
            return Malformed(context);
        }

        if (IsMyself(context, firstText, first))
        {
            // RFC 3261 §16.4: the first Route value indicates this proxy, so it MUST be removed.
            state.RouteParams.Append(firstText.Slice(first.Parameters.Start, first.Parameters.Length));
            state.HasRouteParams = true;
            remove[removed++] = 0;
            next = 1;
            if (routes.Count > 1 && EnableDoubleRr && HasParameter(firstText, first, "r2"u8))
            {
                var secondText = msg[routes.R1.Uri];
                if (SipUri.TryParse(secondText, out var second, out _) && IsMyself(context, secondText, second))
                {
                    // Double RR: the second Route is ours too and names the interface toward the next hop.
                    ForceSocket(context, secondText, second);
                    remove[removed++] = 1;
                    next = 2;
                }
            }

            if (next >= routes.Count)
            {
                // No Route left: the Request-URI is the target. A preloaded Route to us alone is left to the script.
                context.Edits.RemoveListValues(HeaderKind.Route, remove[..removed]);
                RunCallbacks(context, state);
                return preloaded ? -1 : 1;
            }
        }

        var nextText = msg[routes[next].Uri];
        if (!SipUri.TryParse(nextText, out var nextUri, out _))
        {
            return Malformed(context);
        }

        if (nextUri.HasLr)
        {
            SetTarget(context, state, nextText, nextUri, destination: true);
        }
        else
        {
            // RFC 3261 §16.6 step 6: a strict next hop MUST get the Request-URI as the last Route value, and the first
            // Route value MUST become the Request-URI and be removed from the Route header field.
            var current = context.RequestUriText;
            state.Scratch.Clear();
            state.Scratch.Append((byte)'<');
            state.Scratch.Append(current);
            state.Scratch.Append((byte)'>');
            context.Edits.AddHeader("Route"u8, state.Scratch.Span);
            SetTarget(context, state, nextText, nextUri, destination: false);
            remove[removed++] = next;
        }

        context.Edits.RemoveListValues(HeaderKind.Route, remove[..removed]);
        RunCallbacks(context, state);
        return 1;
    }

    /// <summary>Sets <c>$du</c> or the Request-URI to a Route URI, or to <c>sip:maddr[:port]</c> when it has a maddr.</summary>
    private static void SetTarget(ScriptContext context, RrState state, ReadOnlySpan<byte> text, in SipUri uri, bool destination)
    {
        var target = text;
        if (!uri.MaddrParam.IsEmpty)
        {
            state.Scratch.Clear();
            state.Scratch.Append("sip:"u8);
            state.Scratch.Append(text.Slice(uri.MaddrParam.Start, uri.MaddrParam.Length));
            if (uri.Port >= 0)
            {
                state.Scratch.Append((byte)':');
                state.Scratch.AppendInt(uri.Port);
            }

            target = state.Scratch.Span;
        }

        if (destination)
        {
            context.DestinationUri = System.Text.Encoding.UTF8.GetString(target);
        }
        else
        {
            context.SetRequestUri(target);
        }
    }

    private void RunCallbacks(ScriptContext context, RrState state)
    {
        var parameters = state.HasRouteParams && state.RouteParams.Length > 1 ? state.RouteParams.Memory[1..] : ReadOnlyMemory<byte>.Empty;
        foreach (var callback in _looseRouteCallbacks)
        {
            callback(context, parameters);
        }
    }

    /// <summary>Forces the send socket to the listener a Route of ours names (double RR), as OpenSIPS does.</summary>
    private void ForceSocket(ScriptContext context, ReadOnlySpan<byte> text, in SipUri uri)
    {
        var listener = FindListener(context.Host, text, uri);
        if (listener is not null)
        {
            context.ForcedSocket = listener;
        }
        else if (EnableSocketMismatchWarning)
        {
            context.Host.CoreLogger.LogWarning("loose_route: no socket matches the double Record-Route {Uri}", System.Text.Encoding.UTF8.GetString(text));
        }
    }

    /// <summary>The listener whose Record-Route URI this is: same transport, port and address text as <see cref="WriteHost"/> writes.</summary>
    internal static SipListener? FindListener(ProxyHost host, ReadOnlySpan<byte> text, in SipUri uri)
    {
        var uriHost = text.Slice(uri.Host.Start, uri.Host.Length);
        var port = uri.Port >= 0 ? uri.Port : TargetResolver.DefaultSipPort;
        var transport = System.Text.Ascii.EqualsIgnoreCase(text.Slice(uri.TransportParam.Start, uri.TransportParam.Length), "tcp"u8)
            ? SipTransport.Tcp
            : SipTransport.Udp;
        Span<byte> listenerHost = stackalloc byte[SipEndPoint.MaxFormattedLength];
        foreach (var listener in host.Listeners)
        {
            if (listener.Transport == transport && listener.LocalEndPoint.Port == port
                && System.Text.Ascii.EqualsIgnoreCase(listenerHost[..WriteHost(listener, listenerHost)], uriHost))
            {
                return listener;
            }
        }

        return null;
    }

    private static bool IsMyself(ScriptContext context, ReadOnlySpan<byte> text, in SipUri uri) =>
        !uri.Host.IsEmpty && context.Host.IsMyself(text.Slice(uri.Host.Start, uri.Host.Length), uri.Port < 0 ? 0 : uri.Port);

    private static bool HasParameter(ReadOnlySpan<byte> text, in SipUri uri, ReadOnlySpan<byte> name)
    {
        uri.TryGetParameter(text, name, out _, out var present);
        return present;
    }

    private static int Malformed(ScriptContext context)
    {
        context.Host.CoreLogger.LogWarning("loose_route: a Route URI is malformed");
        return -1;
    }

    /// <summary>The Route values loose_route looks at: the first three and the last, and how many there are.</summary>
    private struct RouteList
    {
        public int Count;
        public bool Failed;
        public NameAddress R0;
        public NameAddress R1;
        public NameAddress R2;
        public NameAddress Last;

        public readonly NameAddress this[int index] => index switch
        {
            0 => R0,
            1 => R1,
            2 => R2,
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public static RouteList Read(SipMessage msg)
        {
            var list = default(RouteList);
            var routes = msg.Routes;
            while (routes.MoveNext())
            {
                switch (list.Count)
                {
                    case 0:
                        list.R0 = routes.Current;
                        break;
                    case 1:
                        list.R1 = routes.Current;
                        break;
                    case 2:
                        list.R2 = routes.Current;
                        break;
                }

                list.Last = routes.Current;
                list.Count++;
            }

            list.Failed = routes.Failed;
            return list;
        }
    }
}
