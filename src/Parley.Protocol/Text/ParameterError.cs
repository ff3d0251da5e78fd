namespace Parley.Protocol.Text;

/// <summary>Why a <see cref="ParameterEnumerator"/> stopped early.</summary>
public enum ParameterError : byte
{
    None = 0,

    /// <summary>Something other than ";" (or, for header syntax, SWS or ",") where a parameter must start.</summary>
    UnexpectedCharacter,

    /// <summary>";" not followed by a name, as in ";;" (RFC 4475 §3.1.2.1).</summary>
    EmptyName,

    /// <summary>"=" not followed by a value.</summary>
    MissingValue,

    /// <summary>A bracketed IPv6 value that is not a valid address.</summary>
    BadValue,

    /// <summary>"%" not followed by two hex digits (URI syntax only).</summary>
    BadEscape,

    /// <summary>A quoted-string value without its closing quote, or with a control octet in it.</summary>
    BadQuotedString,
}
