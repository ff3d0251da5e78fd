using Parley.Protocol;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary>Route-set helpers of <c>validate_dialog</c> (opensips-behaviour.md §3.7 step 5).</summary>
internal static class DialogValidator
{
    /// <summary>OpenSIPS keeps at most 64 parsed route URIs per leg (§3.4a).</summary>
    public const int MaxRoutes = 64;

    /// <summary>
    /// The URIs of a stored route set (Record-Route values joined with ','): ranges into <paramref name="set"/>. A value
    /// in angle brackets gives what is inside them, a bare URI what comes before its header parameters. -1 when there are
    /// more than <see cref="MaxRoutes"/> or a bracket is not closed.
    /// </summary>
    public static int SplitRouteSet(ReadOnlySpan<byte> set, Span<ByteRange> uris)
    {
        var count = 0;
        var i = 0;
        while (i < set.Length)
        {
            while (i < set.Length && set[i] is (byte)' ' or (byte)'\t' or (byte)',')
            {
                i++;
            }

            if (i >= set.Length)
            {
                break;
            }

            if (count == uris.Length || count == MaxRoutes)
            {
                return -1;
            }

            // Skip a quoted display name; find the URI.
            var inQuotes = false;
            var start = -1;
            var j = i;
            for (; j < set.Length; j++)
            {
                var c = set[j];
                if (c == (byte)'"')
                {
                    inQuotes = !inQuotes;
                }
                else if (!inQuotes && c == (byte)'<')
                {
                    start = j + 1;
                    break;
                }
                else if (!inQuotes && c == (byte)',')
                {
                    break;
                }
            }

            if (start >= 0)
            {
                var close = set[start..].IndexOf((byte)'>');
                if (close < 0)
                {
                    return -1;
                }

                uris[count++] = new ByteRange(start, close);
                j = start + close + 1;
                while (j < set.Length && set[j] != (byte)',')
                {
                    j++;
                }
            }
            else
            {
                var end = i;
                while (end < set.Length && set[end] is not ((byte)',' or (byte)';'))
                {
                    end++;
                }

                uris[count++] = new ByteRange(i, end - i);
                j = end;
                while (j < set.Length && set[j] != (byte)',')
                {
                    j++;
                }
            }

            i = j + 1;
        }

        return count;
    }

    /// <summary>
    /// The Route URIs loose_route left for the next hops (rr's <c>get_route_set</c>): our own Routes at the top (one, two
    /// with double Record-Route) are skipped; after a strict router (our URI was the Request-URI) the last Route became
    /// the Request-URI and is skipped too. Ranges into the message. -1 on a malformed Route or too many.
    /// </summary>
    public static int UnconsumedRoutes(ScriptContext context, SipMessage msg, Span<ByteRange> uris)
    {
        var total = 0;
        var leadingOurs = 0;
        var leading = true;
        var routes = msg.Routes;
        while (routes.MoveNext())
        {
            var uri = routes.Current.Uri;
            if (leading && leadingOurs < 2 && IsMyself(context, msg[uri]))
            {
                leadingOurs++;
                continue;
            }

            leading = false;
            if (total == uris.Length)
            {
                return -1;
            }

            uris[total++] = uri;
        }

        if (routes.Failed)
        {
            return -1;
        }

        var original = msg[msg.RequestUri];
        if (leadingOurs == 0 && total > 0 && IsMyself(context, original))
        {
            total--;
        }

        return total;
    }

    private static bool IsMyself(ScriptContext context, ReadOnlySpan<byte> text) =>
        SipUri.TryParse(text, out var uri, out _) && !uri.Host.IsEmpty
        && context.Host.IsMyself(text.Slice(uri.Host.Start, uri.Host.Length), uri.Port < 0 ? 0 : uri.Port);
}
