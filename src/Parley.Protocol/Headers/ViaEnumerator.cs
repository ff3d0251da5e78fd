namespace Parley.Protocol.Headers;

/// <summary>Walks every Via value of a message in order, across header lines and commas (RFC 3261 §7.3.1).</summary>
public struct ViaEnumerator
{
    private readonly SipMessage _message;
    private int _header;
    private int _pos;

    internal ViaEnumerator(SipMessage message)
    {
        _message = message;
        _header = message.IndexOf(HeaderKind.Via);
        _pos = _header >= 0 ? message.Headers[_header].Value.Start : 0;
        Current = default;
        HeaderIndex = -1;
        Failed = false;
    }

    public ViaValue Current { get; private set; }

    /// <summary>The index in <see cref="SipMessage.Headers"/> of the line holding <see cref="Current"/>.</summary>
    public int HeaderIndex { get; private set; }

    /// <summary>True when enumeration stopped at a malformed value.</summary>
    public bool Failed { get; private set; }

    public readonly ViaEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_header >= 0 && !Failed)
        {
            var field = _message.Headers[_header];
            if (_pos < field.Value.End)
            {
                var pos = _pos;
                if (!ViaParser.TryParse(_message.Buffer, ref pos, field.Value.End, out var via))
                {
                    Failed = true;
                    return false;
                }

                if (HeaderIndex < 0 && _header == _message.IndexOf(HeaderKind.Via))
                {
                    // The first value of the first Via line is what TryGetTopVia parses: hand it to the message so the top
                    // Via is not parsed again (AddReceived, transaction matching) after the validator has walked the Vias.
                    _message.CacheTopVia(via);
                }

                _pos = pos;
                Current = via;
                HeaderIndex = _header;
                return true;
            }

            _header = _message.NextIndexOf(HeaderKind.Via, _header);
            _pos = _header >= 0 ? _message.Headers[_header].Value.Start : 0;
        }

        return false;
    }
}
