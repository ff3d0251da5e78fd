namespace Parley.Protocol.Headers;

/// <summary>Walks the values of a list header of name-addrs (Route, Record-Route, Contact) in order.</summary>
public struct NameAddressEnumerator
{
    private readonly SipMessage _message;
    private readonly HeaderKind _kind;
    private int _header;
    private int _pos;

    internal NameAddressEnumerator(SipMessage message, HeaderKind kind)
    {
        _message = message;
        _kind = kind;
        _header = message.IndexOf(kind);
        _pos = _header >= 0 ? message.Headers[_header].Value.Start : 0;
        Current = default;
        HeaderIndex = -1;
        Failed = false;
    }

    public NameAddress Current { get; private set; }

    /// <summary>The index in <see cref="SipMessage.Headers"/> of the line holding <see cref="Current"/>.</summary>
    public int HeaderIndex { get; private set; }

    /// <summary>True when enumeration stopped at a malformed value.</summary>
    public bool Failed { get; private set; }

    public readonly NameAddressEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_header >= 0 && !Failed)
        {
            var field = _message.Headers[_header];
            if (_pos < field.Value.End)
            {
                var pos = _pos;
                if (!NameAddressParser.TryParse(_message.Buffer, ref pos, field.Value.End, list: true, allowStar: _kind == HeaderKind.Contact, out var value)
                    || (_kind != HeaderKind.Contact && !value.IsNameAddr))
                {
                    // RFC 3261 §25.1: route-param and rec-route are name-addr only.
                    Failed = true;
                    return false;
                }

                _pos = pos;
                Current = value;
                HeaderIndex = _header;
                return true;
            }

            _header = _message.NextIndexOf(_kind, _header);
            _pos = _header >= 0 ? _message.Headers[_header].Value.Start : 0;
        }

        return false;
    }
}
