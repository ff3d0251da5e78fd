using AsciiText = System.Text.Ascii;

namespace Parley.Protocol;

/// <summary>Maps header names (long and compact, case-insensitive per RFC 3261 §7.3.1) to <see cref="HeaderKind"/>.</summary>
public static class HeaderNames
{
    public static HeaderKind Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            // RFC 3261 §7.3.3 compact forms, plus those of RFC 3841 (a, j, d), 3515 (r), 3892 (b), 4028 (x), 4474 (y), 6665 (o, u).
            return (name[0] | 0x20) switch
            {
                'v' => HeaderKind.Via,
                'f' => HeaderKind.From,
                't' => HeaderKind.To,
                'i' => HeaderKind.CallId,
                'm' => HeaderKind.Contact,
                'l' => HeaderKind.ContentLength,
                'c' => HeaderKind.ContentType,
                'e' => HeaderKind.ContentEncoding,
                'k' => HeaderKind.Supported,
                's' => HeaderKind.Subject,
                'o' => HeaderKind.Event,
                'u' => HeaderKind.AllowEvents,
                'r' => HeaderKind.ReferTo,
                'b' => HeaderKind.ReferredBy,
                'x' => HeaderKind.SessionExpires,
                'y' => HeaderKind.Identity,
                'a' => HeaderKind.AcceptContact,
                'j' => HeaderKind.RejectContact,
                'd' => HeaderKind.RequestDisposition,
                _ => HeaderKind.Other,
            };
        }

        return name.Length switch
        {
            2 when Is(name, "To"u8) => HeaderKind.To,
            3 when Is(name, "Via"u8) => HeaderKind.Via,
            4 when Is(name, "From"u8) => HeaderKind.From,
            4 when Is(name, "CSeq"u8) => HeaderKind.CSeq,
            4 when Is(name, "Date"u8) => HeaderKind.Date,
            4 when Is(name, "Path"u8) => HeaderKind.Path,
            4 when Is(name, "RAck"u8) => HeaderKind.RAck,
            4 when Is(name, "RSeq"u8) => HeaderKind.RSeq,
            5 when Is(name, "Route"u8) => HeaderKind.Route,
            5 when Is(name, "Allow"u8) => HeaderKind.Allow,
            5 when Is(name, "Event"u8) => HeaderKind.Event,
            6 when Is(name, "Server"u8) => HeaderKind.Server,
            6 when Is(name, "Reason"u8) => HeaderKind.Reason,
            7 when Is(name, "Call-ID"u8) => HeaderKind.CallId,
            7 when Is(name, "Contact"u8) => HeaderKind.Contact,
            7 when Is(name, "Expires"u8) => HeaderKind.Expires,
            7 when Is(name, "Require"u8) => HeaderKind.Require,
            7 when Is(name, "Subject"u8) => HeaderKind.Subject,
            8 when Is(name, "Refer-To"u8) => HeaderKind.ReferTo,
            8 when Is(name, "Identity"u8) => HeaderKind.Identity,
            9 when Is(name, "Supported"u8) => HeaderKind.Supported,
            9 when Is(name, "Timestamp"u8) => HeaderKind.Timestamp,
            10 when Is(name, "User-Agent"u8) => HeaderKind.UserAgent,
            11 when Is(name, "Unsupported"u8) => HeaderKind.Unsupported,
            11 when Is(name, "Referred-By"u8) => HeaderKind.ReferredBy,
            12 when Is(name, "Max-Forwards"u8) => HeaderKind.MaxForwards,
            12 when Is(name, "Record-Route"u8) => HeaderKind.RecordRoute,
            12 when Is(name, "Content-Type"u8) => HeaderKind.ContentType,
            12 when Is(name, "Allow-Events"u8) => HeaderKind.AllowEvents,
            13 when Is(name, "Proxy-Require"u8) => HeaderKind.ProxyRequire,
            13 when Is(name, "Authorization"u8) => HeaderKind.Authorization,
            14 when Is(name, "Content-Length"u8) => HeaderKind.ContentLength,
            14 when Is(name, "Accept-Contact"u8) => HeaderKind.AcceptContact,
            14 when Is(name, "Reject-Contact"u8) => HeaderKind.RejectContact,
            15 when Is(name, "Session-Expires"u8) => HeaderKind.SessionExpires,
            16 when Is(name, "Content-Encoding"u8) => HeaderKind.ContentEncoding,
            16 when Is(name, "WWW-Authenticate"u8) => HeaderKind.WwwAuthenticate,
            18 when Is(name, "Proxy-Authenticate"u8) => HeaderKind.ProxyAuthenticate,
            19 when Is(name, "Content-Disposition"u8) => HeaderKind.ContentDisposition,
            19 when Is(name, "Request-Disposition"u8) => HeaderKind.RequestDisposition,
            19 when Is(name, "Proxy-Authorization"u8) => HeaderKind.ProxyAuthorization,
            _ => HeaderKind.Other,
        };
    }

    /// <summary>The canonical long name, used when Parley writes a header of this kind.</summary>
    public static ReadOnlySpan<byte> Canonical(HeaderKind kind) => kind switch
    {
        HeaderKind.Via => "Via"u8,
        HeaderKind.From => "From"u8,
        HeaderKind.To => "To"u8,
        HeaderKind.CallId => "Call-ID"u8,
        HeaderKind.CSeq => "CSeq"u8,
        HeaderKind.MaxForwards => "Max-Forwards"u8,
        HeaderKind.Route => "Route"u8,
        HeaderKind.RecordRoute => "Record-Route"u8,
        HeaderKind.Contact => "Contact"u8,
        HeaderKind.ContentLength => "Content-Length"u8,
        HeaderKind.ContentType => "Content-Type"u8,
        HeaderKind.ContentEncoding => "Content-Encoding"u8,
        HeaderKind.ContentDisposition => "Content-Disposition"u8,
        HeaderKind.Expires => "Expires"u8,
        HeaderKind.Require => "Require"u8,
        HeaderKind.ProxyRequire => "Proxy-Require"u8,
        HeaderKind.Supported => "Supported"u8,
        HeaderKind.Unsupported => "Unsupported"u8,
        HeaderKind.Allow => "Allow"u8,
        HeaderKind.Subject => "Subject"u8,
        HeaderKind.Event => "Event"u8,
        HeaderKind.AllowEvents => "Allow-Events"u8,
        HeaderKind.ReferTo => "Refer-To"u8,
        HeaderKind.ReferredBy => "Referred-By"u8,
        HeaderKind.SessionExpires => "Session-Expires"u8,
        HeaderKind.Identity => "Identity"u8,
        HeaderKind.AcceptContact => "Accept-Contact"u8,
        HeaderKind.RejectContact => "Reject-Contact"u8,
        HeaderKind.RequestDisposition => "Request-Disposition"u8,
        HeaderKind.UserAgent => "User-Agent"u8,
        HeaderKind.Server => "Server"u8,
        HeaderKind.Reason => "Reason"u8,
        HeaderKind.Authorization => "Authorization"u8,
        HeaderKind.ProxyAuthorization => "Proxy-Authorization"u8,
        HeaderKind.WwwAuthenticate => "WWW-Authenticate"u8,
        HeaderKind.ProxyAuthenticate => "Proxy-Authenticate"u8,
        HeaderKind.Date => "Date"u8,
        HeaderKind.Timestamp => "Timestamp"u8,
        HeaderKind.Path => "Path"u8,
        HeaderKind.RAck => "RAck"u8,
        HeaderKind.RSeq => "RSeq"u8,
        _ => default,
    };

    /// <summary>Headers whose value is a comma-separated list (RFC 3261 §7.3.1), so several values may share one line.</summary>
    public static bool IsList(HeaderKind kind) => kind is HeaderKind.Via or HeaderKind.Route or HeaderKind.RecordRoute
        or HeaderKind.Contact or HeaderKind.Require or HeaderKind.ProxyRequire or HeaderKind.Supported
        or HeaderKind.Unsupported or HeaderKind.Allow or HeaderKind.AllowEvents or HeaderKind.ContentEncoding
        or HeaderKind.Path or HeaderKind.AcceptContact or HeaderKind.RejectContact or HeaderKind.RequestDisposition;

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> known) => AsciiText.EqualsIgnoreCase(name, known);
}
