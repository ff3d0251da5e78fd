using Parley.Protocol.Parsing;

namespace Parley.Protocol.Headers;

/// <summary>
/// Walks the option tags or method names of a token-list header (Require, Proxy-Require, Supported, Unsupported, Allow;
/// RFC 3261 §20.32, §20.29, §20.37, §20.40, §20.5) across header lines and commas. Ranges are absolute in the buffer.
/// </summary>
public struct TokenListEnumerator
{
    private readonly SipMessage _message;
    private readonly HeaderKind _kind;
    private int _header;
    private int _pos;

    internal TokenListEnumerator(SipMessage message, HeaderKind kind)
    {
        _message = message;
        _kind = kind;
        _header = message.IndexOf(kind);
        _pos = _header >= 0 ? message.Headers[_header].Value.Start : 0;
        Current = default;
        Failed = false;
    }

    public ByteRange Current { get; private set; }

    /// <summary>True when enumeration stopped at something that is not a token.</summary>
    public bool Failed { get; private set; }

    public readonly TokenListEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        ReadOnlySpan<byte> buf = _message.Buffer;
        while (_header >= 0 && !Failed)
        {
            var end = _message.Headers[_header].Value.End;
            var p = Lexer.SkipLws(buf, _pos, end);
            if (p < end)
            {
                var tokenEnd = Lexer.ScanToken(buf, p, end);
                var next = Lexer.SkipLws(buf, tokenEnd, end);
                if (tokenEnd == p || (next < end && buf[next] != ','))
                {
                    Failed = true;
                    return false;
                }

                _pos = next < end ? next + 1 : end;
                Current = ByteRange.FromBounds(p, tokenEnd);
                return true;
            }

            // An empty Allow or Supported value is legal (RFC 3261 §20.5, §20.37): it lists nothing.
            _header = _message.NextIndexOf(_kind, _header);
            _pos = _header >= 0 ? _message.Headers[_header].Value.Start : 0;
        }

        return false;
    }
}
