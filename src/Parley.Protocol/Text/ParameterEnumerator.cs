using Parley.Protocol.Uri;

namespace Parley.Protocol.Text;

/// <summary>
/// Allocation-free enumerator over a <c>*( ";" name [ "=" value ] )</c> section, for URI parameters and for
/// header <c>generic-param</c> lists (Via, From, To, Contact, ...). The section starts at its first ";"
/// (header syntax also allows SWS before it).
/// </summary>
/// <remarks>
/// <see cref="MoveNext"/> returns false at the end of the section, at a top-level "," (header syntax), or on a
/// syntax error; check <see cref="Error"/> after the loop. <see cref="Position"/> is where it stopped: the
/// section length, the index of the ",", or the offending octet.
/// </remarks>
public ref struct ParameterEnumerator
{
    private readonly ReadOnlySpan<byte> _text;
    private readonly ParameterSyntax _syntax;
    private int _position;
    private bool _finished;
    private Parameter _current;
    private ParameterError _error;

    public ParameterEnumerator(ReadOnlySpan<byte> text, ParameterSyntax syntax)
    {
        _text = text;
        _syntax = syntax;
    }

    public readonly Parameter Current => _current;

    public readonly ParameterError Error => _error;

    public readonly int Position => _position;

    public readonly ParameterEnumerator GetEnumerator() => this;

    /// <summary>Walks the whole section; true when it is well-formed up to its end (or a top-level ",").</summary>
    public static bool Validate(ReadOnlySpan<byte> text, ParameterSyntax syntax, out ParameterError error, out int end)
    {
        var e = new ParameterEnumerator(text, syntax);
        while (e.MoveNext())
        {
        }

        error = e.Error;
        end = e.Position;
        return error == ParameterError.None;
    }

    public bool MoveNext()
    {
        if (_finished)
        {
            return false;
        }

        var header = _syntax == ParameterSyntax.Header;
        var i = header ? SkipSws(_text, _position) : _position;
        if (i == _text.Length || (header && _text[i] == (byte)','))
        {
            return Finish(i, ParameterError.None);
        }

        if (_text[i] != (byte)';')
        {
            return Finish(i, ParameterError.UnexpectedCharacter);
        }

        i++;
        if (header)
        {
            i = SkipSws(_text, i);
        }

        var nameStart = i;
        i = header ? ScanToken(_text, i) : ScanParamChars(_text, i);
        if (i < 0)
        {
            return Finish(~i, ParameterError.BadEscape);
        }

        if (i == nameStart)
        {
            return Finish(i, ParameterError.EmptyName);
        }

        var name = ByteRange.FromBounds(nameStart, i);
        var afterName = header ? SkipSws(_text, i) : i;
        if (afterName == _text.Length || _text[afterName] != (byte)'=')
        {
            _current = new Parameter(name, ByteRange.Empty, HasValue: false, IsQuoted: false);
            _position = i;
            return true;
        }

        i = afterName + 1;
        if (header)
        {
            i = SkipSws(_text, i);
        }

        var valueStart = i;
        var quoted = false;
        if (!header)
        {
            i = ScanParamChars(_text, i);
            if (i < 0)
            {
                return Finish(~i, ParameterError.BadEscape);
            }
        }
        else if (i < _text.Length && _text[i] == (byte)'"')
        {
            quoted = true;
            i = ScanQuotedString(_text, i);
            if (i < 0)
            {
                return Finish(valueStart, ParameterError.BadQuotedString);
            }
        }
        else if (i < _text.Length && _text[i] == (byte)'[')
        {
            var close = _text[i..].IndexOf((byte)']');
            Span<byte> scratch = stackalloc byte[16];
            if (close < 0 || !HostParser.TryParseIPv6(_text.Slice(i + 1, close - 1), scratch))
            {
                return Finish(valueStart, ParameterError.BadValue);
            }

            i += close + 1;
        }
        else
        {
            // A bare IPv6 address is allowed because via-received is IPv4address / IPv6address (RFC 3261 §25.1).
            while (i < _text.Length && (Ascii.IsTokenChar(_text[i]) || _text[i] == (byte)':'))
            {
                i++;
            }
        }

        if (i == valueStart)
        {
            return Finish(i, ParameterError.MissingValue);
        }

        _current = new Parameter(name, ByteRange.FromBounds(valueStart, i), HasValue: true, IsQuoted: quoted);
        _position = i;
        return true;
    }

    private bool Finish(int position, ParameterError error)
    {
        _finished = true;
        _position = position;
        _error = error;
        _current = default;
        return false;
    }

    /// <summary>Skips SWS: WSP, and CRLF only when followed by WSP (RFC 3261 §25.1 LWS line folding).</summary>
    private static int SkipSws(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length)
        {
            if (Ascii.IsWsp(text[i]))
            {
                i++;
            }
            else if (text[i] == (byte)'\r' && i + 2 < text.Length && text[i + 1] == (byte)'\n' && Ascii.IsWsp(text[i + 2]))
            {
                i += 3;
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static int ScanToken(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && Ascii.IsTokenChar(text[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>Returns the end of a paramchar run, or the bitwise complement of the index of a bad escape.</summary>
    private static int ScanParamChars(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length)
        {
            var b = text[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= text.Length || !Ascii.IsHexDigit(text[i + 1]) || !Ascii.IsHexDigit(text[i + 2]))
                {
                    return ~i;
                }

                i += 3;
            }
            else if (UriChars.Is(b, UriChars.ParamChar))
            {
                i++;
            }
            else
            {
                break;
            }
        }

        return i;
    }

    /// <summary>
    /// <c>quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE</c> (RFC 3261 §25.1); returns the index after the
    /// closing quote or -1. quoted-pair excludes CR and LF; a raw CRLF is only allowed as folding (CRLF WSP).
    /// </summary>
    private static int ScanQuotedString(ReadOnlySpan<byte> text, int i)
    {
        i++;
        while (i < text.Length)
        {
            var b = text[i];
            if (b == (byte)'"')
            {
                return i + 1;
            }

            if (b == (byte)'\\')
            {
                if (i + 1 >= text.Length || text[i + 1] == (byte)'\r' || text[i + 1] == (byte)'\n')
                {
                    return -1;
                }

                i += 2;
            }
            else if (b == (byte)'\r')
            {
                if (i + 2 >= text.Length || text[i + 1] != (byte)'\n' || !Ascii.IsWsp(text[i + 2]))
                {
                    return -1;
                }

                i += 3;
            }
            else if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return -1;
            }
            else
            {
                i++;
            }
        }

        return -1;
    }
}
