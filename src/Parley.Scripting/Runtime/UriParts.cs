using Parley.Protocol;
using Parley.Protocol.Uri;

namespace Parley.Scripting.Runtime;

/// <summary>Which part of a URI a pseudo-variable or transformation reads.</summary>
internal enum UriPart
{
    User,
    Host,
    Port,
    Transport,
    Parameters,
    Password,
    Headers,
    Scheme,
}

/// <summary>
/// Reads parts of a parsed URI as byte views of the buffer it was parsed from. <c>whole</c> is a byte view whose
/// offset 0 is the origin of the URI's ranges (the URI text itself, or a whole message buffer for absolute ranges).
/// </summary>
internal static class UriParts
{
    /// <summary>A view of a range of <paramref name="whole"/>; NULL when the range is empty (OpenSIPS returns NULL for absent parts).</summary>
    public static ScriptValue Slice(in ScriptValue whole, ByteRange range) =>
        range.Length == 0 ? ScriptValue.Null : whole.SliceBytes(range.Start, range.Length);

    /// <summary>
    /// The part as OpenSIPS's URI transformations give it: absent parts are NULL; the user of a tel URI is its number
    /// (OpenSIPS parses tel URIs that way); parameters come without their leading ';'; the port is an integer.
    /// </summary>
    public static ScriptValue Get(in ScriptValue whole, in SipUri uri, UriPart part)
    {
        switch (part)
        {
            case UriPart.User:
                return Slice(whole, uri.Scheme == UriScheme.Tel ? uri.Opaque : uri.User);
            case UriPart.Host:
                return Slice(whole, uri.Host);
            case UriPart.Port:
                return uri.Port >= 0 ? ScriptValue.FromInt(uri.Port) : ScriptValue.Null;
            case UriPart.Transport:
                return Slice(whole, uri.TransportParam);
            case UriPart.Parameters:
                var p = uri.Parameters;
                return p.Length > 1 ? whole.SliceBytes(p.Start + 1, p.Length - 1) : ScriptValue.Null;
            case UriPart.Password:
                return Slice(whole, uri.Password);
            case UriPart.Headers:
                return Slice(whole, uri.Headers);
            default:
                return Slice(whole, uri.SchemeRange);
        }
    }

    /// <summary>
    /// The port of a URI as <c>$rp</c>/<c>$dp</c> read it: the explicit port, else the default of the scheme
    /// (5060, or 5061 for sips: RFC 3261 §19.1.2).
    /// </summary>
    public static ScriptValue PortOrDefault(in SipUri uri) =>
        ScriptValue.FromInt(uri.Port >= 0 ? uri.Port : uri.Scheme == UriScheme.Sips ? 5061 : 5060);

    /// <summary>The transport of a URI as <c>$rP</c>/<c>$dP</c> read it: the transport parameter, else UDP (TLS for sips).</summary>
    public static ScriptValue TransportOrDefault(in ScriptValue whole, in SipUri uri)
    {
        if (uri.TransportParam.Length > 0)
        {
            return whole.SliceBytes(uri.TransportParam.Start, uri.TransportParam.Length);
        }

        return ScriptValue.FromString(uri.Scheme == UriScheme.Sips ? "TLS" : "UDP");
    }

    /// <summary>
    /// The user part of a <c>sip:</c>/<c>sips:</c> URI without a full parse (for <c>$fU</c>/<c>$tU</c>, read on every
    /// call): RFC 3261 §25.1 lets no unescaped '@' appear after the userinfo, so the userinfo is what precedes the
    /// first '@', and the user what precedes its first ':'. False for other schemes (the caller parses them).
    /// </summary>
    public static bool TryGetSipUser(ReadOnlySpan<byte> uri, out int start, out int length)
    {
        start = 0;
        length = 0;
        int schemeEnd;
        if (uri.Length > 4 && (uri[0] | 0x20) == 's' && (uri[1] | 0x20) == 'i' && (uri[2] | 0x20) == 'p')
        {
            schemeEnd = uri[3] == ':' ? 4 : (uri[3] | 0x20) == 's' && uri[4] == ':' ? 5 : -1;
        }
        else
        {
            schemeEnd = -1;
        }

        if (schemeEnd < 0)
        {
            return false;
        }

        var rest = uri[schemeEnd..];
        var at = rest.IndexOf((byte)'@');
        start = schemeEnd;
        if (at < 0)
        {
            return true; // no user part
        }

        var colon = rest[..at].IndexOf((byte)':');
        length = colon >= 0 ? colon : at;
        return true;
    }
}
