using Parley.Protocol;

namespace Parley.Transport;

/// <summary>
/// Where to send a request: a transport and the endpoints to try in order (RFC 3263 §4.3: on failure, the next one),
/// or an error. A single endpoint, the usual case for numeric hosts, is held inline without allocating.
/// </summary>
public readonly struct ResolvedTargets
{
    private readonly SipEndPoint _single;
    private readonly SipEndPoint[]? _many;

    private ResolvedTargets(SipTransport transport, SipEndPoint single, SipEndPoint[]? many, string? error)
    {
        Transport = transport;
        _single = single;
        _many = many;
        Error = error;
    }

    public SipTransport Transport { get; }

    /// <summary>Why nothing can be tried (e.g. the name does not resolve); null on success.</summary>
    public string? Error { get; }

    public bool Succeeded => Error is null;

    public int Count => _many?.Length ?? (_single.IsEmpty ? 0 : 1);

    public SipEndPoint this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _many is null ? _single : _many[index];
        }
    }

    public static ResolvedTargets One(SipTransport transport, SipEndPoint endPoint) => new(transport, endPoint, null, null);

    public static ResolvedTargets Many(SipTransport transport, SipEndPoint[] endPoints)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        return endPoints.Length == 1 ? One(transport, endPoints[0]) : new(transport, default, endPoints, null);
    }

    public static ResolvedTargets Failed(SipTransport transport, string error) => new(transport, default, null, error);

    public override string ToString()
    {
        if (Error is not null)
        {
            return $"{Transport}: {Error}";
        }

        var text = new System.Text.StringBuilder();
        text.Append(Transport).Append(':');
        for (int i = 0; i < Count; i++)
        {
            text.Append(' ').Append(this[i].ToString());
        }

        return text.ToString();
    }
}
