namespace Parley.Protocol.Text;

/// <summary>Which grammar a <see cref="ParameterEnumerator"/> applies.</summary>
public enum ParameterSyntax : byte
{
    /// <summary>
    /// URI parameters (RFC 3261 §19.1.1, §25.1 <c>uri-parameters</c>): names and values are
    /// <c>1*paramchar</c> with "%" HEX HEX escapes; no whitespace anywhere.
    /// </summary>
    Uri = 0,

    /// <summary>
    /// Header parameters (<c>generic-param</c>, RFC 3261 §25.1): the name is a token; the value is a token, a
    /// host (IPv6 reference, or a bare IPv6 address as in <c>received</c>), or a quoted-string. SWS is allowed
    /// around ";" and "=", and enumeration stops cleanly at a top-level "," so multi-value headers can continue.
    /// </summary>
    Header = 1,
}
