using Parley.Protocol.Headers;
using Parley.Protocol.Parsing;
using Parley.Protocol.Uri;

namespace Parley.Protocol;

/// <summary>
/// The checks a proxy makes before it acts on a parsed message (RFC 3261 §16.3 request validation, §8.2 and §18.1.2).
/// Every header the proxy relies on is parsed once here, so later stages read cached values.
/// </summary>
public static class SipValidator
{
    /// <summary>Validates a request. The first problem found wins; its <see cref="ParseErrors"/> mapping is the answer.</summary>
    public static ParseError ValidateRequest(SipMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var error = ValidateCommon(request);
        if (error != ParseError.None)
        {
            return error;
        }

        var cseq = request.CSeq;
        if (!request[cseq.MethodName].SequenceEqual(request[request.MethodName]))
        {
            // RFC 3261 §8.1.1.5 / RFC 4475 §3.1.2.17-18: the CSeq method MUST match the request method.
            // An ACK or CANCEL carries the INVITE's number but its own method, so no exception is needed.
            return request.Method == SipMethod.Unknown ? ParseError.UnknownMethodCSeqMismatch : ParseError.CSeqMethodMismatch;
        }

        error = ValidateRequestUri(request);
        if (error != ParseError.None)
        {
            return error;
        }

        var contacts = request.Contacts;
        while (contacts.MoveNext())
        {
        }

        if (contacts.Failed)
        {
            return ParseError.BadContact;
        }

        var routes = request.Routes;
        while (routes.MoveNext())
        {
        }

        if (routes.Failed)
        {
            return ParseError.BadRoute;
        }

        var recordRoutes = request.RecordRoutes;
        while (recordRoutes.MoveNext())
        {
        }

        if (recordRoutes.Failed)
        {
            return ParseError.BadRecordRoute;
        }

        if (request.Expires == -2)
        {
            return ParseError.BadExpires;
        }

        // RFC 3261 §16.3 step 3: a request with Max-Forwards 0 is not forwarded.
        if (request.MaxForwards == 0)
        {
            return ParseError.TooManyHops;
        }

        // RFC 3261 §16.3 step 5: the proxy supports no extension named in Proxy-Require, so any such tag gets 420.
        if (request.IndexOf(HeaderKind.ProxyRequire) >= 0)
        {
            return ParseError.BadExtension;
        }

        return ParseError.None;
    }

    /// <summary>Validates a response; a response that fails is dropped and counted, never answered (RFC 3261 §18.1.2).</summary>
    public static ParseError ValidateResponse(SipMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return ValidateCommon(response);
    }

    private static ParseError ValidateCommon(SipMessage message)
    {
        // RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory (Max-Forwards is tolerated
        // missing for RFC 2543 peers, RFC 4475 §3.4.1). Each of the single-valued ones must appear once (§3.3.8).
        if (message.IndexOf(HeaderKind.Via) < 0)
        {
            return ParseError.MissingVia;
        }

        var vias = message.Vias;
        while (vias.MoveNext())
        {
        }

        if (vias.Failed)
        {
            return ParseError.BadVia;
        }

        if (message.IndexOf(HeaderKind.CallId) < 0)
        {
            return ParseError.MissingCallId;
        }

        if (message.CountOf(HeaderKind.CallId) > 1)
        {
            return ParseError.MultipleCallId;
        }

        var callId = message[message.CallId];
        if (callId.IsEmpty || callId.IndexOfAny(" \t\r\n"u8) >= 0)
        {
            return ParseError.BadCallId;
        }

        if (message.IndexOf(HeaderKind.From) < 0)
        {
            return ParseError.MissingFrom;
        }

        if (message.CountOf(HeaderKind.From) > 1)
        {
            return ParseError.MultipleFrom;
        }

        if (!message.TryGetFrom(out _))
        {
            return ParseError.BadFrom;
        }

        if (message.IndexOf(HeaderKind.To) < 0)
        {
            return ParseError.MissingTo;
        }

        if (message.CountOf(HeaderKind.To) > 1)
        {
            return ParseError.MultipleTo;
        }

        if (!message.TryGetTo(out _))
        {
            return ParseError.BadTo;
        }

        if (message.IndexOf(HeaderKind.CSeq) < 0)
        {
            return ParseError.MissingCSeq;
        }

        if (message.CountOf(HeaderKind.CSeq) > 1)
        {
            return ParseError.MultipleCSeq;
        }

        if (!message.TryGetCSeq(out _))
        {
            return ParseError.BadCSeq;
        }

        if (message.CountOf(HeaderKind.MaxForwards) > 1)
        {
            return ParseError.MultipleMaxForwards;
        }

        return message.MaxForwards == -2 ? ParseError.BadMaxForwards : ParseError.None;
    }

    private static ParseError ValidateRequestUri(SipMessage request)
    {
        if (!request.TryGetRequestUri(out var uri, out _))
        {
            return ParseError.BadRequestUri;
        }

        // RFC 3261 §8.2.2.1 / §16.3 step 2: a scheme the proxy does not understand gets 416 (RFC 4475 §3.3.2, §3.3.3).
        if (uri.Scheme == UriScheme.Unknown)
        {
            return ParseError.UnsupportedUriScheme;
        }

        // RFC 3261 §19.1.5 (Table 1): headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
        return uri.Headers.IsEmpty ? ParseError.None : ParseError.BadRequestUri;
    }
}
