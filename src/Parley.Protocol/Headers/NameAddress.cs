namespace Parley.Protocol.Headers;

/// <summary>
/// A From, To, Contact, Route or Record-Route value: <c>( name-addr / addr-spec ) *( SEMI param )</c> (RFC 3261 §20.10, §25.1).
/// Ranges are absolute in the message buffer.
/// </summary>
public readonly struct NameAddress
{
    public ByteRange Value { get; init; }

    /// <summary>The display name as written: with its quotes when quoted, empty when absent.</summary>
    public ByteRange DisplayName { get; init; }

    /// <summary>The URI, without angle brackets.</summary>
    public ByteRange Uri { get; init; }

    /// <summary>True when the URI was enclosed in &lt;&gt; (name-addr form).</summary>
    public bool IsNameAddr { get; init; }

    /// <summary>The header parameters from the first ';' after the URI to the end of the value.</summary>
    public ByteRange Parameters { get; init; }

    public ByteRange Tag { get; init; }

    public bool HasTag { get; init; }

    /// <summary><c>Contact: *</c> (RFC 3261 §10.2.2).</summary>
    public bool IsStar { get; init; }

    /// <summary>The expires header parameter, -1 when absent.</summary>
    public long Expires { get; init; }

    public ByteRange Q { get; init; }
}
