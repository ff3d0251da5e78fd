namespace Parley.Protocol;

/// <summary>One header line as found in the buffer. <see cref="Value"/> is trimmed; folded lines stay inside it (CRLF + WSP is LWS, RFC 3261 §7.3.1).</summary>
/// <param name="Kind">The known header, or <see cref="HeaderKind.Other"/>.</param>
/// <param name="Name">The name as written (maybe compact).</param>
/// <param name="Value">The value, without surrounding whitespace.</param>
/// <param name="Line">The whole line including its CRLF (and folded continuation lines), for removal.</param>
public readonly record struct HeaderField(HeaderKind Kind, ByteRange Name, ByteRange Value, ByteRange Line);
