using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Parley.Scripting.Runtime;

/// <summary>What a <see cref="ScriptValue"/> holds.</summary>
public enum ScriptValueKind : byte
{
    /// <summary>No value: an unset pseudo-variable or <c>NULL</c>.</summary>
    Null,

    /// <summary>A signed integer.</summary>
    Int,

    /// <summary>A .NET string.</summary>
    String,

    /// <summary>
    /// UTF-8 bytes borrowed from a buffer (usually the SIP message being handled). Reading a header or the Request-URI
    /// this way allocates nothing; the view is valid only while that message is handled, so storing it (in a
    /// <c>$var</c>, an <c>$avp</c>) goes through <see cref="ScriptValue.Materialize"/>.
    /// </summary>
    Bytes,
}

/// <summary>
/// A script value, as in OpenSIPS: an integer, a string, or nothing. A string may be a borrowed byte view of the
/// message, so pseudo-variable reads and comparisons against constants allocate nothing.
/// </summary>
public readonly struct ScriptValue : IEquatable<ScriptValue>
{
    private readonly object? _ref; // string or byte[]
    private readonly long _int;    // Int: the value; Bytes: offset
    private readonly int _length;  // Bytes: length

    private ScriptValue(ScriptValueKind kind, object? reference, long value, int length)
    {
        Kind = kind;
        _ref = reference;
        _int = value;
        _length = length;
    }

    public static ScriptValue Null => default;

    public static ScriptValue True => FromInt(1);

    public static ScriptValue Zero => FromInt(0);

    public static ScriptValue Empty => FromString(string.Empty);

    public ScriptValueKind Kind { get; }

    public bool IsNull => Kind == ScriptValueKind.Null;

    public bool IsInt => Kind == ScriptValueKind.Int;

    /// <summary>True for <see cref="ScriptValueKind.String"/> and <see cref="ScriptValueKind.Bytes"/>.</summary>
    public bool IsString => Kind is ScriptValueKind.String or ScriptValueKind.Bytes;

    /// <summary>The integer of an <see cref="ScriptValueKind.Int"/> value (0 otherwise; see <see cref="AsInt"/> for conversion).</summary>
    public long Int => Kind == ScriptValueKind.Int ? _int : 0;

    public static ScriptValue FromInt(long value) => new(ScriptValueKind.Int, null, value, 0);

    public static ScriptValue FromBool(bool value) => FromInt(value ? 1 : 0);

    public static ScriptValue FromString(string? value) => value is null ? default : new(ScriptValueKind.String, value, 0, 0);

    /// <summary>A borrowed view of UTF-8 bytes; valid only as long as the buffer's contents are.</summary>
    public static ScriptValue FromBytes(byte[] buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return new(ScriptValueKind.Bytes, buffer, offset, length);
    }

    /// <summary>The UTF-8 bytes of a <see cref="ScriptValueKind.Bytes"/> value, else empty.</summary>
    public ReadOnlySpan<byte> Utf8Bytes => Kind == ScriptValueKind.Bytes ? new ReadOnlySpan<byte>((byte[])_ref!, (int)_int, _length) : default;

    /// <summary>
    /// A view of part of a <see cref="ScriptValueKind.Bytes"/> value, over the same buffer (no copy): how
    /// <c>$rU</c> of a rewritten Request-URI or <c>{uri.user}</c> return pieces of what they were given.
    /// <paramref name="start"/> is relative to this value's first byte.
    /// </summary>
    public ScriptValue SliceBytes(int start, int length)
    {
        if (Kind != ScriptValueKind.Bytes)
        {
            throw new InvalidOperationException("Only a byte view can be sliced.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, _length);
        return new(ScriptValueKind.Bytes, _ref, _int + start, length);
    }

    /// <summary>The string of a <see cref="ScriptValueKind.String"/> value, else null.</summary>
    public string? StringOrNull => Kind == ScriptValueKind.String ? (string)_ref! : null;

    /// <summary>True when the value is an empty string, NULL counts as empty too.</summary>
    public bool IsNullOrEmpty => Kind switch
    {
        ScriptValueKind.Null => true,
        ScriptValueKind.String => ((string)_ref!).Length == 0,
        ScriptValueKind.Bytes => _length == 0,
        _ => false,
    };

    /// <summary>
    /// The value as an integer, as OpenSIPS converts: an integer as it is; a string that is entirely a (signed)
    /// decimal number as that number; anything else fails.
    /// </summary>
    public bool TryGetInt(out long value)
    {
        switch (Kind)
        {
            case ScriptValueKind.Int:
                value = _int;
                return true;
            case ScriptValueKind.String:
                return long.TryParse((string)_ref!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
            case ScriptValueKind.Bytes:
                var bytes = Utf8Bytes;
                return Utf8Parser.TryParse(bytes, out value, out var consumed) && consumed == bytes.Length && bytes.Length > 0;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>The value as an integer, 0 when it is not one (NULL, a non-numeric string).</summary>
    public long AsInt() => TryGetInt(out var v) ? v : 0;

    /// <summary>The value as a string (allocates for byte views and integers); NULL is <c>"&lt;null&gt;"</c> as xlog prints it.</summary>
    public override string ToString() => Kind switch
    {
        ScriptValueKind.Null => "<null>",
        ScriptValueKind.Int => _int.ToString(CultureInfo.InvariantCulture),
        ScriptValueKind.String => (string)_ref!,
        _ => Encoding.UTF8.GetString((byte[])_ref!, (int)_int, _length),
    };

    /// <summary>The value as a string; NULL is the empty string.</summary>
    public string AsString() => Kind == ScriptValueKind.Null ? string.Empty : ToString();

    /// <summary>A value that owns its contents: byte views become strings; others are returned as they are.</summary>
    public ScriptValue Materialize() => Kind == ScriptValueKind.Bytes ? FromString(ToString()) : this;

    /// <summary>Number of UTF-16 characters <see cref="CopyTo"/> writes.</summary>
    public int GetCharCount() => Kind switch
    {
        ScriptValueKind.Null => 0,
        ScriptValueKind.Int => CountDigits(_int),
        ScriptValueKind.String => ((string)_ref!).Length,
        _ => Encoding.UTF8.GetCharCount(Utf8Bytes),
    };

    /// <summary>Writes the value's characters (NULL writes nothing); returns how many were written.</summary>
    public int CopyTo(Span<char> destination)
    {
        switch (Kind)
        {
            case ScriptValueKind.Null:
                return 0;
            case ScriptValueKind.Int:
                _int.TryFormat(destination, out var n, default, CultureInfo.InvariantCulture);
                return n;
            case ScriptValueKind.String:
                var s = (string)_ref!;
                s.CopyTo(destination);
                return s.Length;
            default:
                return Encoding.UTF8.GetChars(Utf8Bytes, destination);
        }
    }

    /// <summary>String equality of two values without allocating (OpenSIPS compares strings case-sensitively).</summary>
    public bool ContentEquals(in ScriptValue other, bool ignoreCase = false)
    {
        if (Kind == ScriptValueKind.Null || other.Kind == ScriptValueKind.Null)
        {
            return Kind == other.Kind;
        }

        if (Kind == ScriptValueKind.Int && other.Kind == ScriptValueKind.Int)
        {
            return _int == other._int;
        }

        if (Kind == ScriptValueKind.Bytes && other.Kind == ScriptValueKind.Bytes)
        {
            return ignoreCase ? Ascii.EqualsIgnoreCase(Utf8Bytes, other.Utf8Bytes) : Utf8Bytes.SequenceEqual(other.Utf8Bytes);
        }

        if (Kind == ScriptValueKind.String && other.Kind == ScriptValueKind.String)
        {
            return string.Equals((string)_ref!, (string)other._ref!, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        }

        if (Kind == ScriptValueKind.Bytes && other.Kind == ScriptValueKind.String)
        {
            return BytesEqualString(Utf8Bytes, (string)other._ref!, ignoreCase);
        }

        if (Kind == ScriptValueKind.String && other.Kind == ScriptValueKind.Bytes)
        {
            return BytesEqualString(other.Utf8Bytes, (string)_ref!, ignoreCase);
        }

        // An integer against a string: compare as text.
        Span<char> a = stackalloc char[20];
        Span<char> b = stackalloc char[20];
        var (number, text) = Kind == ScriptValueKind.Int ? (this, other) : (other, this);
        var n = number.CopyTo(a);
        if (text.GetCharCount() > b.Length)
        {
            return false;
        }

        var m = text.CopyTo(b);
        return a[..n].SequenceEqual(b[..m]);
    }

    /// <summary>Ordinal comparison of the string forms (NULL sorts first).</summary>
    public int CompareStrings(in ScriptValue other) => string.CompareOrdinal(AsString(), other.AsString());

    public bool Equals(ScriptValue other) => Kind == other.Kind && ContentEquals(other);

    public override bool Equals(object? obj) => obj is ScriptValue other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        ScriptValueKind.Int => _int.GetHashCode(),
        ScriptValueKind.Null => 0,
        _ => string.GetHashCode(AsString(), StringComparison.Ordinal),
    };

    public static bool operator ==(ScriptValue left, ScriptValue right) => left.Equals(right);

    public static bool operator !=(ScriptValue left, ScriptValue right) => !left.Equals(right);

    private static bool BytesEqualString(ReadOnlySpan<byte> bytes, string s, bool ignoreCase)
    {
        // Every char takes at least one UTF-8 byte, so fewer bytes than chars cannot match; as many bytes as chars
        // match only as ASCII, which the ASCII comparison decides alone (it fails on any non-ASCII input).
        if (bytes.Length < s.Length)
        {
            return false;
        }

        if (bytes.Length == s.Length)
        {
            return ignoreCase ? System.Text.Ascii.EqualsIgnoreCase(bytes, s) : System.Text.Ascii.Equals(bytes, s);
        }

        var count = Encoding.UTF8.GetCharCount(bytes);
        if (count != s.Length)
        {
            return false;
        }

        Span<char> chars = count <= 256 ? stackalloc char[count] : new char[count];
        Encoding.UTF8.GetChars(bytes, chars);
        return ignoreCase ? chars.Equals(s, StringComparison.OrdinalIgnoreCase) : chars.SequenceEqual(s);
    }

    private static int CountDigits(long v)
    {
        Span<char> tmp = stackalloc char[20];
        v.TryFormat(tmp, out var n, default, CultureInfo.InvariantCulture);
        return n;
    }
}
