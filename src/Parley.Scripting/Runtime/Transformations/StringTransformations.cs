using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>The <c>{s.*}</c> transformations. Offsets and lengths count UTF-8 bytes, as OpenSIPS counts chars of a C string.</summary>
internal static class StringTransformations
{
    // RFC 3261 §25.1: unreserved = alphanum / mark; user-unreserved and param-unreserved are what else a user part
    // or a URI parameter may hold unescaped.
    private static readonly SearchValues<byte> UserChars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()&=+$,;?/"u8);

    private static readonly SearchValues<byte> ParamChars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()[]/:&+$"u8);

    public static void Register(ScriptRegistry registry)
    {
        CoreTransformations.AddSimple(registry, "s.len", static (_, v) => Length(v));
        CoreTransformations.AddSimple(registry, "s.int", static (_, v) => ToInt(v));
        CoreTransformations.AddSimple(registry, "s.tolower", static (_, v) => ChangeCase(v, upper: false));
        CoreTransformations.AddSimple(registry, "s.toupper", static (_, v) => ChangeCase(v, upper: true));
        CoreTransformations.AddSimple(registry, "s.trim", static (_, v) => Trim(v, left: true, right: true));
        CoreTransformations.AddSimple(registry, "s.trimr", static (_, v) => Trim(v, left: false, right: true));
        CoreTransformations.AddSimple(registry, "s.triml", static (_, v) => Trim(v, left: true, right: false));
        CoreTransformations.AddSimple(registry, "s.md5", static (_, v) => Md5(v));
        CoreTransformations.AddSimple(registry, "s.encode.hexa", static (_, v) => EncodeHex(v));
        CoreTransformations.AddSimple(registry, "s.hex", static (_, v) => EncodeHex(v));
        CoreTransformations.AddSimple(registry, "s.decode.hexa", static (_, v) => DecodeHex(v));
        CoreTransformations.AddSimple(registry, "s.dec2hex", static (_, v) => DecimalToHex(v));
        CoreTransformations.AddSimple(registry, "s.hex2dec", static (_, v) => HexToDecimal(v));
        CoreTransformations.AddSimple(registry, "s.escape.common", static (_, v) => EscapeCommon(v));
        CoreTransformations.AddSimple(registry, "s.unescape.common", static (_, v) => UnescapeCommon(v));
        CoreTransformations.AddSimple(registry, "s.escape.user", static (_, v) => Escape(v, UserChars));
        CoreTransformations.AddSimple(registry, "s.unescape.user", static (_, v) => Unescape(v));
        CoreTransformations.AddSimple(registry, "s.escape.param", static (_, v) => Escape(v, ParamChars));
        CoreTransformations.AddSimple(registry, "s.unescape.param", static (_, v) => Unescape(v));
        CoreTransformations.AddSimple(registry, "s.b64encode", static (_, v) => Base64Encode(v));
        CoreTransformations.AddSimple(registry, "s.b64decode", static (_, v) => Base64Decode(v));
        CoreTransformations.AddSimple(registry, "s.reverse", static (_, v) => Reverse(v));
        registry.AddTransformation("s.substr", BindSubstring);
        registry.AddTransformation("s.select", BindSelect);
        registry.AddTransformation("s.index", request => BindIndex(request, reverse: false));
        registry.AddTransformation("s.rindex", request => BindIndex(request, reverse: true));
    }

    private static ScriptValue Length(in ScriptValue v) => v.Kind switch
    {
        ScriptValueKind.Null => ScriptValue.Null,
        ScriptValueKind.Bytes => ScriptValue.FromInt(v.Utf8Bytes.Length),
        ScriptValueKind.String => ScriptValue.FromInt(Encoding.UTF8.GetByteCount(v.StringOrNull!)),
        _ => ScriptValue.FromInt(v.GetCharCount()),
    };

    /// <summary>OpenSIPS 3: the leading (signed) number of the string, 0 when it does not start with one.</summary>
    private static ScriptValue ToInt(in ScriptValue v)
    {
        if (v.IsNull || v.IsInt)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[64];
        var s = Utf8Values.Get(v, scratch);
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] is (byte)'-' or (byte)'+')
        {
            negative = s[i] == (byte)'-';
            i++;
        }

        long n = 0;
        for (; i < s.Length && char.IsAsciiDigit((char)s[i]); i++)
        {
            n = unchecked((n * 10) + (s[i] - '0'));
        }

        return ScriptValue.FromInt(negative ? -n : n);
    }

    private static ScriptValue ChangeCase(in ScriptValue v, bool upper)
    {
        if (!v.IsString)
        {
            return v;
        }

        var view = Utf8Values.AsView(v);
        var s = view.Utf8Bytes;
        var first = upper ? s.IndexOfAnyInRange((byte)'a', (byte)'z') : s.IndexOfAnyInRange((byte)'A', (byte)'Z');
        if (first < 0)
        {
            return view; // nothing to change: the input itself
        }

        var result = s.ToArray();
        for (var i = first; i < result.Length; i++)
        {
            var c = result[i];
            if (upper ? c is >= (byte)'a' and <= (byte)'z' : c is >= (byte)'A' and <= (byte)'Z')
            {
                result[i] = (byte)(c ^ 0x20);
            }
        }

        return ScriptValue.FromBytes(result, 0, result.Length);
    }

    private static ScriptValue Trim(in ScriptValue v, bool left, bool right)
    {
        if (!v.IsString)
        {
            return v;
        }

        var view = Utf8Values.AsView(v);
        var s = view.Utf8Bytes;
        var start = 0;
        var end = s.Length;
        while (left && start < end && IsTrimmed(s[start]))
        {
            start++;
        }

        while (right && end > start && IsTrimmed(s[end - 1]))
        {
            end--;
        }

        return view.SliceBytes(start, end - start);
    }

    private static bool IsTrimmed(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static ScriptValue Md5(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[256];
        Span<byte> hash = stackalloc byte[16];
#pragma warning disable CA5351 // OpenSIPS's {s.md5} is MD5 by definition (a fingerprint for scripts, not security).
        MD5.HashData(Utf8Values.Get(v, scratch), hash);
#pragma warning restore CA5351
        return ScriptValue.FromString(Convert.ToHexStringLower(hash));
    }

    private static ScriptValue EncodeHex(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[256];
        return ScriptValue.FromString(Convert.ToHexStringLower(Utf8Values.Get(v, scratch)));
    }

    /// <summary>Hex pairs to bytes (an odd trailing digit is ignored, as OpenSIPS does); NULL on a non-hex digit.</summary>
    private static ScriptValue DecodeHex(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[256];
        var s = Utf8Values.Get(v, scratch);
        var result = new byte[s.Length / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var hi = HexValue(s[2 * i]);
            var lo = HexValue(s[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return ScriptValue.Null;
            }

            result[i] = (byte)((hi << 4) | lo);
        }

        return ScriptValue.FromBytes(result, 0, result.Length);
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static ScriptValue DecimalToHex(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        return v.TryGetInt(out var n)
            ? ScriptValue.FromString(((uint)n).ToString("x", CultureInfo.InvariantCulture))
            : ScriptValue.Null;
    }

    private static ScriptValue HexToDecimal(in ScriptValue v)
    {
        if (v.IsNull || v.IsInt)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[64];
        var s = Utf8Values.Get(v, scratch);
        if (s.Length > 2 && s[0] == (byte)'0' && (s[1] | 0x20) == 'x')
        {
            s = s[2..];
        }

        return Utf8Parser.TryParse(s, out uint n, out var consumed, 'x') && consumed == s.Length && s.Length > 0
            ? ScriptValue.FromInt(n)
            : ScriptValue.Null;
    }

    /// <summary>OpenSIPS's <c>escape_common</c>: a backslash before ' " and \, and NUL as \0 (for SQL strings).</summary>
    private static ScriptValue EscapeCommon(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        var view = Utf8Values.AsView(v);
        var s = view.Utf8Bytes;
        if (s.IndexOfAny("'\"\\\0"u8) < 0)
        {
            return view;
        }

        var result = new ArrayBufferWriter<byte>(s.Length + 8);
        foreach (var b in s)
        {
            switch (b)
            {
                case (byte)'\'' or (byte)'"' or (byte)'\\':
                    result.Write([(byte)'\\', b]);
                    break;
                case 0:
                    result.Write("\\0"u8);
                    break;
                default:
                    result.Write([b]);
                    break;
            }
        }

        return Utf8Values.Copy(result.WrittenSpan);
    }

    private static ScriptValue UnescapeCommon(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        var view = Utf8Values.AsView(v);
        var s = view.Utf8Bytes;
        if (s.IndexOf((byte)'\\') < 0)
        {
            return view;
        }

        var result = new byte[s.Length];
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == (byte)'\\' && i + 1 < s.Length && s[i + 1] is (byte)'\'' or (byte)'"' or (byte)'\\' or (byte)'0')
            {
                i++;
                result[n++] = s[i] == (byte)'0' ? (byte)0 : s[i];
            }
            else
            {
                result[n++] = s[i];
            }
        }

        return ScriptValue.FromBytes(result, 0, n);
    }

    /// <summary>%XX-escapes every octet not allowed unescaped (RFC 3261 §25.1 <c>escaped</c>).</summary>
    private static ScriptValue Escape(in ScriptValue v, SearchValues<byte> allowed)
    {
        if (v.IsNull)
        {
            return v;
        }

        var view = Utf8Values.AsView(v);
        var s = view.Utf8Bytes;
        if (!s.ContainsAnyExcept(allowed))
        {
            return view;
        }

        var result = new ArrayBufferWriter<byte>(s.Length * 3);
        foreach (var b in s)
        {
            if (allowed.Contains(b))
            {
                result.Write([b]);
            }
            else
            {
                result.Write([(byte)'%', (byte)"0123456789ABCDEF"[b >> 4], (byte)"0123456789ABCDEF"[b & 0xF]]);
            }
        }

        return Utf8Values.Copy(result.WrittenSpan);
    }

    /// <summary>Decodes %XX escapes; NULL on a broken escape.</summary>
    private static ScriptValue Unescape(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        var view = Utf8Values.AsView(v);
        var s = view.Utf8Bytes;
        if (s.IndexOf((byte)'%') < 0)
        {
            return view;
        }

        var result = new byte[s.Length];
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != (byte)'%')
            {
                result[n++] = s[i];
                continue;
            }

            var hi = i + 2 < s.Length ? HexValue(s[i + 1]) : -1;
            var lo = i + 2 < s.Length ? HexValue(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
            {
                return ScriptValue.Null;
            }

            result[n++] = (byte)((hi << 4) | lo);
            i += 2;
        }

        return ScriptValue.FromBytes(result, 0, n);
    }

    private static ScriptValue Base64Encode(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[256];
        return ScriptValue.FromString(Convert.ToBase64String(Utf8Values.Get(v, scratch)));
    }

    private static ScriptValue Base64Decode(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[256];
        var s = Utf8Values.Get(v, scratch);
        var result = new byte[Base64.GetMaxDecodedFromUtf8Length(s.Length)];
        return Base64.DecodeFromUtf8(s, result, out _, out var written) == OperationStatus.Done
            ? ScriptValue.FromBytes(result, 0, written)
            : ScriptValue.Null;
    }

    private static ScriptValue Reverse(in ScriptValue v)
    {
        if (v.IsNull)
        {
            return v;
        }

        Span<byte> scratch = stackalloc byte[256];
        var result = Utf8Values.Get(v, scratch).ToArray();
        result.AsSpan().Reverse();
        return ScriptValue.FromBytes(result, 0, result.Length);
    }

    private static TransformFunc? BindSubstring(TransformBindRequest request)
    {
        if (!CoreTransformations.ArgumentCount(request, 2, 2, "offset,length"))
        {
            return null;
        }

        var offset = CoreTransformations.Int(request, 0, "offset");
        var length = CoreTransformations.Int(request, 1, "length");
        if (offset is null || length is null)
        {
            return null;
        }

        return (ctx, v) => v.IsNull || !offset.TryGet(ctx, out var o) || !length.TryGet(ctx, out var l)
            ? ScriptValue.Null
            : Substring(Utf8Values.AsView(v), o, l);
    }

    /// <summary>
    /// OpenSIPS 3's <c>s.substr</c>: a negative offset counts from the end; a length of 0 means "to the end" and a
    /// negative one stops that many bytes before the end; an offset outside the string fails (NULL).
    /// </summary>
    internal static ScriptValue Substring(in ScriptValue view, long offset, long length)
    {
        var size = view.Utf8Bytes.Length;
        if (offset < 0)
        {
            if (-offset > size)
            {
                return ScriptValue.Null;
            }

            offset += size;
        }

        if (offset >= size)
        {
            return ScriptValue.Null;
        }

        if (length < 1)
        {
            length = size + length - offset;
        }

        if (offset + length > size)
        {
            length = size - offset;
        }

        return view.SliceBytes((int)offset, (int)Math.Max(length, 0));
    }

    private static TransformFunc? BindSelect(TransformBindRequest request)
    {
        // The separator is one character and may itself be ',' ({s.select,1,,}): take it from the text.
        var text = request.Text;
        var first = text.IndexOf(',', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf(',', first + 1);
        if (second < 0 || second + 1 >= text.Length)
        {
            request.Error($"{{s.select}} is written {{s.select,index,separator}}, but {{{text}}} has no separator");
            return null;
        }

        var rest = text[(second + 1)..];
        if (rest.Length != 1 || rest[0] > 0x7F)
        {
            request.Error($"the separator of {{{text}}} must be a single character, got '{rest}'");
            return null;
        }

        var index = CoreTransformations.Int(request, 0, "index");
        if (index is null)
        {
            return null;
        }

        var separator = (byte)rest[0];
        return (ctx, v) => v.IsNull || !index.TryGet(ctx, out var i) ? ScriptValue.Null : Select(Utf8Values.AsView(v), i, separator);
    }

    /// <summary>Field <paramref name="index"/> of the value split at <paramref name="separator"/> (negative: from the end); NULL when there is none.</summary>
    internal static ScriptValue Select(in ScriptValue view, long index, byte separator)
    {
        var s = view.Utf8Bytes;
        if (index >= 0)
        {
            var start = 0;
            for (var p = 0; p <= s.Length; p++)
            {
                if (p == s.Length || s[p] == separator)
                {
                    if (index-- == 0)
                    {
                        return view.SliceBytes(start, p - start);
                    }

                    start = p + 1;
                }
            }

            return ScriptValue.Null;
        }

        index = -index - 1;
        var end = s.Length;
        for (var p = s.Length - 1; p >= -1; p--)
        {
            if (p == -1 || s[p] == separator)
            {
                if (index-- == 0)
                {
                    return view.SliceBytes(p + 1, end - p - 1);
                }

                end = p;
            }
        }

        return ScriptValue.Null;
    }

    private static TransformFunc? BindIndex(TransformBindRequest request, bool reverse)
    {
        if (!CoreTransformations.ArgumentCount(request, 1, 2, "needle[,start]"))
        {
            return null;
        }

        var needle = CoreTransformations.String(request, 0, "needle");
        var start = request.Arguments.Count > 1 ? CoreTransformations.Int(request, 1, "start position") : null;
        if (needle is null || (request.Arguments.Count > 1 && start is null))
        {
            return null;
        }

        return (ctx, v) =>
        {
            if (v.IsNull)
            {
                return v;
            }

            Span<byte> scratch = stackalloc byte[256];
            Span<byte> needleScratch = stackalloc byte[128];
            var haystack = Utf8Values.Get(v, scratch);
            if (!needle.TryGet(ctx, needleScratch, out var n))
            {
                return ScriptValue.Null;
            }

            long from = reverse ? haystack.Length - 1 : 0;
            if (start is not null && !start.TryGet(ctx, out from))
            {
                return ScriptValue.Null;
            }

            return IndexOf(haystack, n, from, reverse);
        };
    }

    /// <summary>OpenSIPS's <c>s.index</c>/<c>s.rindex</c>: the byte position of the needle from a start (negative wraps from the end), or NULL.</summary>
    internal static ScriptValue IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle, long start, bool reverse)
    {
        if (start < 0)
        {
            start = haystack.Length > 0 && -start % haystack.Length is var r and > 0 ? haystack.Length - r : 0;
        }

        if (needle.Length > haystack.Length)
        {
            return ScriptValue.Null;
        }

        if (!reverse)
        {
            if (start >= haystack.Length || needle.Length > haystack.Length - start)
            {
                return ScriptValue.Null;
            }

            var found = haystack[(int)start..].IndexOf(needle);
            return found < 0 ? ScriptValue.Null : ScriptValue.FromInt(start + found);
        }

        start = Math.Min(start, haystack.Length - needle.Length);
        var last = haystack[..((int)start + needle.Length)].LastIndexOf(needle);
        return last < 0 ? ScriptValue.Null : ScriptValue.FromInt(last);
    }
}
