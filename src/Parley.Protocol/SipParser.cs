using Parley.Protocol.Parsing;

namespace Parley.Protocol;

/// <summary>
/// Frames and indexes one SIP message (RFC 3261 §7): start line, header lines (folded lines included), body by Content-Length.
/// Only the start line and header names are examined here; values are parsed lazily by <see cref="SipMessage"/> and checked
/// by <see cref="SipValidator"/>.
/// </summary>
public static class SipParser
{
    /// <summary>Parses the message at <paramref name="offset"/>.</summary>
    /// <remarks>
    /// An Invalid result may still leave a request to answer: when <see cref="SipMessage.IsRequest"/> is true, the headers
    /// before the problem (all of them, for a malformed request line) are indexed for <c>SipResponseWriter</c>.
    /// </remarks>
    /// <param name="datagram">
    /// True for UDP: the datagram is the whole message, a missing Content-Length means "to the end of the datagram" and extra
    /// octets after the body are ignored (RFC 3261 §18.3). False for a stream: Content-Length is mandatory and a short buffer
    /// is <see cref="ParseStatus.Incomplete"/>.
    /// </param>
    public static ParseResult Parse(byte[] buffer, int offset, int count, SipMessage message, bool datagram)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - offset);

        var end = offset + count;
        ReadOnlySpan<byte> buf = buffer.AsSpan(0, end);
        message.Reset(buffer, offset);

        // RFC 3261 §7.5: CRLFs before the start line are ignored.
        var p = offset;
        while (p < end && buf[p] is (byte)'\r' or (byte)'\n')
        {
            p++;
        }

        if (p == end)
        {
            return datagram ? ParseResult.Invalid(ParseError.Empty) : ParseResult.Incomplete;
        }

        message.Start = p;
        var nl = buf[p..].IndexOf((byte)'\n');
        if (nl < 0)
        {
            return datagram ? ParseResult.Invalid(ParseError.BadStartLine) : ParseResult.Incomplete;
        }

        var lineEnd = p + nl;
        var lineContentEnd = lineEnd > p && buf[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
        // A request line that is malformed after its method (bad URI, spacing or version) still belongs to a request that must
        // be answered (RFC 3261 §8.2.2: 505 for the version; RFC 4475 §3.1.2.7-10, 16): the headers are indexed so the
        // response can copy Via, From, To, Call-ID and CSeq, and the start line's error is reported once the message is framed.
        var startError = ParseStartLine(buf, p, lineContentEnd, message);
        if (startError != ParseError.None && !message.IsRequest)
        {
            return ParseResult.Invalid(startError);
        }

        var h = lineEnd + 1;
        message.HeadersStart = h;
        int bodyStart;
        while (true)
        {
            if (h >= end || (h + 1 == end && buf[h] == '\r'))
            {
                if (!datagram)
                {
                    return ParseResult.Incomplete;
                }

                // A datagram whose header section is not closed by an empty line (RFC 4475 §3.1.2.15's file ends so):
                // the datagram boundary ends it, and the message has no body. A stray CR (half an empty line) is not
                // part of the message, so a writer that adds the missing empty line does not leave it behind.
                message.HeadersEnd = h;
                bodyStart = h;
                break;
            }

            var b = buf[h];
            if (b == '\n' || (b == '\r' && buf[h + 1] == '\n'))
            {
                message.HeadersEnd = h;
                message.HeadersTerminated = true;
                bodyStart = h + (b == '\n' ? 1 : 2);
                break;
            }

            if (b is (byte)' ' or (byte)'\t')
            {
                return Fail(startError, ParseError.BadHeaderLine); // a continuation line with no header before it
            }

            // Find the end of the header line, following folded continuation lines (RFC 3261 §7.3.1).
            var e = h;
            int next;
            while (true)
            {
                var n = buf[e..].IndexOf((byte)'\n');
                if (n < 0)
                {
                    if (!datagram)
                    {
                        return ParseResult.Incomplete;
                    }

                    e = end;
                    next = end;
                    break;
                }

                e += n;
                if (e + 1 >= end)
                {
                    if (!datagram)
                    {
                        return ParseResult.Incomplete; // cannot yet tell whether the next line folds into this one
                    }

                    next = e + 1;
                    break;
                }

                if (buf[e + 1] is (byte)' ' or (byte)'\t')
                {
                    e++;
                    continue;
                }

                next = e + 1;
                break;
            }

            var nameEnd = Lexer.ScanToken(buf, h, e);
            if (nameEnd == h)
            {
                return Fail(startError, ParseError.BadHeaderLine);
            }

            // HCOLON = *( SP / HTAB ) ":" SWS
            var c = nameEnd;
            while (c < e && buf[c] is (byte)' ' or (byte)'\t')
            {
                c++;
            }

            if (c >= e || buf[c] != ':')
            {
                return Fail(startError, ParseError.BadHeaderLine);
            }

            var valueStart = Lexer.SkipLws(buf, c + 1, e);
            var valueEnd = Lexer.TrimEnd(buf, valueStart, e);
            var name = ByteRange.FromBounds(h, nameEnd);
            var field = new HeaderField(HeaderNames.Lookup(buf.Slice(h, name.Length)), name, ByteRange.FromBounds(valueStart, valueEnd), ByteRange.FromBounds(h, next));
            if (!message.AddHeader(field))
            {
                return Fail(startError, ParseError.MessageTooLarge);
            }

            h = next;
        }

        // Content-Length: RFC 3261 §18.3 / §20.14; every copy must agree (RFC 4475 §3.3.9), none may be negative (§3.1.2.3).
        var contentLength = -1;
        var clIndex = message.IndexOf(HeaderKind.ContentLength);
        while (clIndex >= 0)
        {
            if (!Lexer.TryParseDigits(message[message.Headers[clIndex].Value], int.MaxValue, out var v))
            {
                return Fail(startError, ParseError.BadContentLength);
            }

            if (contentLength >= 0 && contentLength != (int)v)
            {
                return Fail(startError, ParseError.ConflictingContentLength);
            }

            contentLength = (int)v;
            clIndex = message.NextIndexOf(HeaderKind.ContentLength, clIndex);
        }

        message.ContentLength = contentLength;

        // Without the empty line there is no body, whatever bytes follow.
        var bodyEnd = message.HeadersTerminated ? end : bodyStart;
        int messageEnd;
        if (contentLength < 0)
        {
            if (!datagram)
            {
                return Fail(startError, ParseError.MissingContentLength);
            }

            messageEnd = bodyEnd; // RFC 3261 §18.3: without Content-Length the body runs to the end of the datagram
        }
        else if (contentLength > bodyEnd - bodyStart)
        {
            return datagram ? Fail(startError, ParseError.ContentLengthExceedsMessage) : ParseResult.Incomplete;
        }
        else
        {
            messageEnd = bodyStart + contentLength;
        }

        message.Body = ByteRange.FromBounds(Math.Min(bodyStart, messageEnd), messageEnd);
        message.Length = messageEnd - message.Start;
        return startError != ParseError.None
            ? ParseResult.Invalid(startError)
            : new ParseResult(ParseStatus.Complete, ParseError.None, messageEnd - offset);
    }

    /// <summary>The first problem found wins: a malformed request line is reported rather than what followed it.</summary>
    private static ParseResult Fail(ParseError startError, ParseError error) =>
        ParseResult.Invalid(startError != ParseError.None ? startError : error);

    private static ParseError ParseStartLine(ReadOnlySpan<byte> buf, int start, int end, SipMessage message)
    {
        var line = buf[start..end];
        if (line.StartsWith("SIP/"u8))
        {
            return ParseStatusLine(buf, start, end, message);
        }

        // Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly one SP between elements (RFC 4475 §3.1.2.9/§3.1.2.10).
        var methodEnd = Lexer.ScanToken(buf, start, end);
        if (methodEnd == start)
        {
            return ParseError.BadMethod;
        }

        if (methodEnd >= end || buf[methodEnd] != ' ')
        {
            return methodEnd < end && Lexer.IsLws(buf[methodEnd]) ? ParseError.BadStartLine : (methodEnd >= end ? ParseError.BadStartLine : ParseError.BadMethod);
        }

        // "Method SP": a request, even if what follows is malformed; the caller answers it with the error found below.
        message.IsRequest = true;
        message.MethodName = ByteRange.FromBounds(start, methodEnd);
        message.Method = SipMethods.Parse(buf[start..methodEnd]);

        var lastSp = line.LastIndexOf((byte)' ') + start;
        var uriStart = methodEnd + 1;
        if (lastSp <= uriStart || lastSp == end - 1 || buf[uriStart] == ' ' || buf[lastSp - 1] == ' ')
        {
            return ParseError.BadStartLine;
        }

        var uri = ByteRange.FromBounds(uriStart, lastSp);
        var versionError = CheckVersion(buf[(lastSp + 1)..end]);
        if (versionError != ParseError.None)
        {
            return versionError;
        }

        var uriSpan = buf.Slice(uri.Start, uri.Length);
        if (uriSpan.IndexOfAny((byte)' ', (byte)'\t') >= 0 || uriSpan[0] == '<')
        {
            return ParseError.BadRequestUri; // RFC 4475 §3.1.2.7, §3.1.2.8
        }

        message.RequestUri = uri;
        message.Version = ByteRange.FromBounds(lastSp + 1, end);
        return ParseError.None;
    }

    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    private static ParseError ParseStatusLine(ReadOnlySpan<byte> buf, int start, int end, SipMessage message)
    {
        var sp = buf[start..end].IndexOf((byte)' ');
        if (sp < 0)
        {
            return ParseError.BadStartLine;
        }

        var versionError = CheckVersion(buf.Slice(start, sp));
        if (versionError != ParseError.None)
        {
            return versionError;
        }

        var c = start + sp + 1;
        var codeEnd = c;
        while (codeEnd < end && Lexer.IsDigit(buf[codeEnd]))
        {
            codeEnd++;
        }

        // Status-Code is 3DIGIT, 100-699 (RFC 3261 §21; RFC 4475 §3.1.2.19).
        if (codeEnd - c != 3 || (codeEnd < end && buf[codeEnd] != ' '))
        {
            return ParseError.BadStatusCode;
        }

        var code = ((buf[c] - '0') * 100) + ((buf[c + 1] - '0') * 10) + (buf[c + 2] - '0');
        if (code is < 100 or > 699)
        {
            return ParseError.BadStatusCode;
        }

        message.IsRequest = false;
        message.Version = new ByteRange(start, sp);
        message.StatusCode = code;
        message.ReasonPhrase = codeEnd < end ? ByteRange.FromBounds(codeEnd + 1, end) : new ByteRange(end, 0);
        return ParseError.None;
    }

    /// <summary>SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is spoken (RFC 3261 §7.1, §8.2.2: others get 505).</summary>
    private static ParseError CheckVersion(ReadOnlySpan<byte> version)
    {
        if (version.Length < 7 || !Lexer.EqualsIgnoreCase(version[..4], "SIP/"u8))
        {
            return ParseError.BadStartLine;
        }

        var dot = version.IndexOf((byte)'.');
        if (dot < 5 || dot == version.Length - 1)
        {
            return ParseError.BadStartLine;
        }

        for (var i = 4; i < version.Length; i++)
        {
            if (i != dot && !Lexer.IsDigit(version[i]))
            {
                return ParseError.BadStartLine;
            }
        }

        return version.Length == 7 && version[4] == '2' && version[6] == '0' ? ParseError.None : ParseError.UnsupportedVersion;
    }
}
