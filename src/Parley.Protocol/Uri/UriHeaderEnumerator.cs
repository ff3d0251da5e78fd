using Parley.Protocol.Text;

namespace Parley.Protocol.Uri;

/// <summary>
/// Allocation-free enumerator over the <c>headers</c> component of a SIP URI, the text after "?":
/// <c>header *( "&amp;" header )</c>, <c>header = hname "=" hvalue</c> (RFC 3261 §19.1.1, §25.1).
/// Names are <c>1*</c>, values may be empty; both keep their escapes. Empty input yields no headers.
/// </summary>
public ref struct UriHeaderEnumerator
{
    private readonly ReadOnlySpan<byte> _text;
    private int _position;
    private bool _started;
    private bool _finished;
    private Parameter _current;
    private UriError _error;

    public UriHeaderEnumerator(ReadOnlySpan<byte> text)
    {
        _text = text;
    }

    public readonly Parameter Current => _current;

    /// <summary><see cref="UriError.None"/>, <see cref="UriError.BadHeaders"/> or <see cref="UriError.BadEscape"/>.</summary>
    public readonly UriError Error => _error;

    public readonly UriHeaderEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_finished)
        {
            return false;
        }

        var i = _position;
        if (i == _text.Length)
        {
            return Finish(UriError.None);
        }

        if (_started)
        {
            if (_text[i] != (byte)'&')
            {
                return Finish(UriError.BadHeaders);
            }

            i++;
        }

        _started = true;
        var nameStart = i;
        i = Scan(_text, i);
        if (i < 0)
        {
            return Finish(UriError.BadEscape);
        }

        if (i == nameStart || i == _text.Length || _text[i] != (byte)'=')
        {
            return Finish(UriError.BadHeaders);
        }

        var nameEnd = i;
        var valueStart = ++i;
        i = Scan(_text, i);
        if (i < 0)
        {
            return Finish(UriError.BadEscape);
        }

        _current = new Parameter(ByteRange.FromBounds(nameStart, nameEnd), ByteRange.FromBounds(valueStart, i), HasValue: true, IsQuoted: false);
        _position = i;
        return true;
    }

    private bool Finish(UriError error)
    {
        _finished = true;
        _error = error;
        _current = default;
        return false;
    }

    private static int Scan(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length)
        {
            var b = text[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= text.Length || !Ascii.IsHexDigit(text[i + 1]) || !Ascii.IsHexDigit(text[i + 2]))
                {
                    return -1;
                }

                i += 3;
            }
            else if (UriChars.Is(b, UriChars.HeaderChar))
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
}
