using Parley.Protocol;
using Parley.Protocol.Uri;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Core;

/// <summary><c>fix_route_dialog()</c> (manual §1.7.4, opensips-behaviour.md §3.7 end): the request is rebuilt from the leg's data.</summary>
public sealed partial class DialogManager
{
    /// <summary>
    /// Rewrites the request toward its destination leg as the dialog recorded it, checking nothing: <c>$du</c> is reset;
    /// every Route header still in the request is removed. Loose next hop: the Request-URI becomes the leg's Contact and
    /// one <c>Route:</c> with the stored set is added, its first URI as <c>$du</c>. Strict next hop (the first route URI
    /// has no <c>;lr</c>, RFC 3261 §16.6 step 6): the first route becomes the Request-URI, and the other routes plus
    /// <c>Route: &lt;contact&gt;</c> are added. 1 on success, -1 without a dialog or destination leg.
    /// </summary>
    public int FixRouteDialog(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var msg = context.Message;
        if (Current(context) is not { } dialog || msg is not { IsRequest: true })
        {
            return -1;
        }

        var legIndex = DestinationLeg(context);
        byte[]? contact;
        byte[]? routeSet;
        lock (dialog.Bucket.Gate)
        {
            if (!dialog.HasLeg(legIndex))
            {
                return -1;
            }

            contact = dialog.Leg(legIndex).Contact;
            routeSet = dialog.Leg(legIndex).RouteSet;
        }

        Span<ByteRange> uris = stackalloc ByteRange[DialogValidator.MaxRoutes];
        var count = routeSet is null ? 0 : DialogValidator.SplitRouteSet(routeSet, uris);
        if (count < 0)
        {
            return -1;
        }

        var strict = count > 0 && SipUri.TryParse(routeSet.AsSpan(uris[0].Start, uris[0].Length), out var first, out _) && !first.HasLr;
        context.DestinationUri = null;
        RemoveRoutes(msg, context.Edits);
        if (!strict)
        {
            if (contact is not null)
            {
                context.SetRequestUri(contact);
            }

            if (count > 0)
            {
                context.Edits.PrependHeader("Route"u8, routeSet);
                context.DestinationUri = Utf8(routeSet.AsSpan(uris[0].Start, uris[0].Length));
            }

            return 1;
        }

        context.SetRequestUri(routeSet.AsSpan(uris[0].Start, uris[0].Length));
        if (count > 1)
        {
            // The set after its first value (OpenSIPS copies the text after the first element and its comma).
            var rest = routeSet.AsSpan(uris[1].Start);
            var open = routeSet.AsSpan(0, uris[1].Start).LastIndexOf((byte)',');
            context.Edits.PrependHeader("Route"u8, open >= 0 ? routeSet.AsSpan(open + 1).TrimStart(" \t"u8) : rest);
        }

        if (contact is not null)
        {
            var value = new byte[contact.Length + 2];
            value[0] = (byte)'<';
            contact.CopyTo(value, 1);
            value[^1] = (byte)'>';
            context.Edits.PrependHeader("Route"u8, value);
        }

        return 1;
    }

    /// <summary>Deletes every Route line, skipping the bytes an earlier edit (loose_route's) already removed.</summary>
    private static void RemoveRoutes(SipMessage msg, SipMessageEditor edits)
    {
        var headers = msg.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Kind != HeaderKind.Route)
            {
                continue;
            }

            var line = headers[i].Line;
            if (!edits.Overlaps(line))
            {
                edits.Delete(line);
                continue;
            }

            var p = line.Start;
            while (p < line.End)
            {
                if (edits.Overlaps(new ByteRange(p, 1)))
                {
                    p++;
                    continue;
                }

                var start = p;
                while (p < line.End && !edits.Overlaps(new ByteRange(p, 1)))
                {
                    p++;
                }

                edits.Delete(new ByteRange(start, p - start));
            }
        }
    }
}
