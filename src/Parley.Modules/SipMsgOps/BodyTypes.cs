using Parley.Protocol;
using Parley.Protocol.Text;

namespace Parley.Modules.SipMsgOps;

/// <summary>
/// <c>has_body([mime])</c>: whether the message has a body, and of which media type. A single-part body matches its
/// Content-Type; a multipart body (RFC 2046 §5.1) matches when one of its parts has the type, or when the
/// multipart type itself is asked for.
/// </summary>
internal static class BodyTypes
{
    /// <summary>True for <c>type/subtype</c>, both tokens, as a mime argument must be.</summary>
    public static bool IsMediaType(ReadOnlySpan<byte> mime)
    {
        var slash = mime.IndexOf((byte)'/');
        return slash > 0 && SipMsgOps.HeaderName.IsToken(mime[..slash]) && SipMsgOps.HeaderName.IsToken(mime[(slash + 1)..]);
    }

    public static bool HasBody(SipMessage message, ReadOnlySpan<byte> mime)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Body.Length == 0)
        {
            return false;
        }

        if (mime.IsEmpty)
        {
            return true;
        }

        var contentType = message[message.ContentType];
        var media = MediaType(contentType);
        if (System.Text.Ascii.EqualsIgnoreCase(media, mime))
        {
            return true;
        }

        return media.Length > 10 && System.Text.Ascii.EqualsIgnoreCase(media[..10], "multipart/"u8)
            && AnyPartIs(message[message.Body], Boundary(contentType[media.Length..]), mime);
    }

    /// <summary>The media type of a Content-Type value, without parameters or surrounding whitespace.</summary>
    private static ReadOnlySpan<byte> MediaType(ReadOnlySpan<byte> value)
    {
        var semicolon = value.IndexOf((byte)';');
        var type = semicolon >= 0 ? value[..semicolon] : value;
        return type[System.Text.Ascii.Trim(type)];
    }

    private static ReadOnlySpan<byte> Boundary(ReadOnlySpan<byte> parameters)
    {
        var start = parameters.IndexOf((byte)';');
        if (start < 0)
        {
            return default;
        }

        parameters = parameters[start..];
        foreach (var p in new ParameterEnumerator(parameters, ParameterSyntax.Header))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(parameters.Slice(p.Name.Start, p.Name.Length), "boundary"u8) && p.HasValue)
            {
                var value = parameters.Slice(p.Value.Start, p.Value.Length);
                return p.IsQuoted && value.Length >= 2 ? value[1..^1] : value;
            }
        }

        return default;
    }

    private static bool AnyPartIs(ReadOnlySpan<byte> body, ReadOnlySpan<byte> boundary, ReadOnlySpan<byte> mime)
    {
        if (boundary.IsEmpty || boundary.Length > 200)
        {
            return false;
        }

        Span<byte> delimiter = stackalloc byte[boundary.Length + 2];
        "--"u8.CopyTo(delimiter);
        boundary.CopyTo(delimiter[2..]);
        var pos = 0;
        while (true)
        {
            var found = body[pos..].IndexOf(delimiter);
            if (found < 0)
            {
                return false;
            }

            var after = pos + found + delimiter.Length;
            if (body[after..].StartsWith("--"u8))
            {
                return false; // the closing delimiter
            }

            var eol = body[after..].IndexOf((byte)'\n');
            if (eol < 0)
            {
                return false;
            }

            pos = after + eol + 1;
            var p = pos;
            while (true)
            {
                var lineEnd = body[p..].IndexOf((byte)'\n');
                if (lineEnd < 0)
                {
                    break;
                }

                var line = body.Slice(p, lineEnd);
                if (!line.IsEmpty && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (line.IsEmpty)
                {
                    break; // end of the part's headers
                }

                var colon = line.IndexOf((byte)':');
                if (colon > 0)
                {
                    var name = line[..colon];
                    name = name[System.Text.Ascii.Trim(name)];
                    if ((System.Text.Ascii.EqualsIgnoreCase(name, "Content-Type"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "c"u8))
                        && System.Text.Ascii.EqualsIgnoreCase(MediaType(line[(colon + 1)..]), mime))
                    {
                        return true;
                    }
                }

                p += lineEnd + 1;
            }
        }
    }
}
