using System.Globalization;
using System.Text;
using Parley.Dialogs.Core;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Persistence;

/// <summary>
/// The text formats of the dialog table's composite columns (opensips-behaviour.md §4, §6.1): <c>vars</c> as
/// <c>name#T#value|…</c> (T = 1 string, 2 integer), <c>profiles</c> as <c>name[/s|/b]#1#value|…</c>, with <c>|</c>,
/// <c>#</c> and <c>\</c> escaped by a backslash; and the internal <c>flags</c> bits.
/// </summary>
internal static class DialogRowCodec
{
    private const int TypeString = 1;
    private const int TypeInt = 2;

    // The flags column's bits (dlg_hash.h) that Parley has an equivalent for.
    private const uint FlagHasBye = 1u << 2;
    private const uint FlagByeOnTimeout = 1u << 3;
    private const uint FlagIsInit = 1u << 4;
    private const uint FlagPingCaller = 1u << 5;
    private const uint FlagPingCallee = 1u << 6;
    private const uint FlagFromDb = 1u << 7;
    private const uint FlagReinvitePingCaller = 1u << 11;
    private const uint FlagReinvitePingCallee = 1u << 12;
    private const uint FlagEndOnRace = 1u << 15;
    private const uint FlagWasCancelled = 1u << 16;
    private const uint FlagRaceOccurred = 1u << 17;

    /// <summary>The <c>flags</c> column for a dialog's create flags and internal flags.</summary>
    public static uint EncodeFlags(DialogCreateFlags flags, DialogInternalFlags internalFlags, bool fromDb)
    {
        var bits = 0u;
        if ((internalFlags & DialogInternalFlags.HasBye) != 0) bits |= FlagHasBye;
        if ((flags & DialogCreateFlags.ByeOnTimeout) != 0) bits |= FlagByeOnTimeout;
        if ((internalFlags & DialogInternalFlags.Attached) != 0) bits |= FlagIsInit;
        if ((flags & DialogCreateFlags.PingCaller) != 0) bits |= FlagPingCaller;
        if ((flags & DialogCreateFlags.PingCallee) != 0) bits |= FlagPingCallee;
        if (fromDb) bits |= FlagFromDb;
        if ((flags & DialogCreateFlags.ReinvitePingCaller) != 0) bits |= FlagReinvitePingCaller;
        if ((flags & DialogCreateFlags.ReinvitePingCallee) != 0) bits |= FlagReinvitePingCallee;
        if ((flags & DialogCreateFlags.EndOnRaceCondition) != 0) bits |= FlagEndOnRace;
        if ((internalFlags & DialogInternalFlags.WasCancelled) != 0) bits |= FlagWasCancelled;
        if ((internalFlags & DialogInternalFlags.RaceOccurred) != 0) bits |= FlagRaceOccurred;
        return bits;
    }

    /// <summary>The create flags and the internal flags a loaded dialog gets back from the <c>flags</c> column.</summary>
    public static (DialogCreateFlags Flags, DialogInternalFlags Internal) DecodeFlags(uint bits)
    {
        var flags = DialogCreateFlags.None;
        var internalFlags = DialogInternalFlags.None;
        if ((bits & FlagHasBye) != 0) internalFlags |= DialogInternalFlags.HasBye;
        if ((bits & FlagByeOnTimeout) != 0) flags |= DialogCreateFlags.ByeOnTimeout;
        if ((bits & FlagPingCaller) != 0) flags |= DialogCreateFlags.PingCaller;
        if ((bits & FlagPingCallee) != 0) flags |= DialogCreateFlags.PingCallee;
        if ((bits & FlagReinvitePingCaller) != 0) flags |= DialogCreateFlags.ReinvitePingCaller;
        if ((bits & FlagReinvitePingCallee) != 0) flags |= DialogCreateFlags.ReinvitePingCallee;
        if ((bits & FlagEndOnRace) != 0) flags |= DialogCreateFlags.EndOnRaceCondition;
        if ((bits & FlagWasCancelled) != 0) internalFlags |= DialogInternalFlags.WasCancelled;
        if ((bits & FlagRaceOccurred) != 0) internalFlags |= DialogInternalFlags.RaceOccurred;

        // ISINIT is about the INVITE transaction, which does not survive a restart.
        return (flags, internalFlags);
    }

    /// <summary>
    /// The <c>vars</c> column: the values, then the extra (name, UTF-8 value) pairs the module keeps there (the SDPs).
    /// Written straight into UTF-8 — the SDPs are the bulk of it and never become strings — in a pooled buffer; the
    /// escaped characters are ASCII, so escaping the UTF-8 bytes is escaping the text.
    /// </summary>
    public static byte[]? EncodeVars(List<DialogValue>? values, ReadOnlySpan<(string Name, byte[] Value)> extra)
    {
        if ((values is null || values.Count == 0) && extra.IsEmpty)
        {
            return null;
        }

        var w = new ByteWriter(1024);
        try
        {
            if (values is not null)
            {
                foreach (var v in values)
                {
                    if (v.Value.IsInt)
                    {
                        WritePair(ref w, v.Name, TypeInt);
                        w.WriteInt(v.Value.Int);
                    }
                    else
                    {
                        WritePair(ref w, v.Name, TypeString);
                        w.WriteEscaped(v.Value.AsString());
                    }

                    w.Write((byte)'|');
                }
            }

            foreach (var (name, value) in extra)
            {
                WritePair(ref w, name, TypeString);
                w.WriteEscaped(value);
                w.Write((byte)'|');
            }

            return w.ToArray();
        }
        finally
        {
            w.Dispose();
        }
    }

    /// <summary><c>name#T#</c>: the escaped name and the type, up to the value.</summary>
    private static void WritePair(ref ByteWriter w, string name, int type)
    {
        w.WriteEscaped(name);
        w.Write((byte)'#');
        w.Write((byte)('0' + type));
        w.Write((byte)'#');
    }

    /// <summary>The <c>profiles</c> column.</summary>
    public static string? EncodeProfiles(List<Profiles.ProfileLink>? links)
    {
        if (links is null || links.Count == 0)
        {
            return null;
        }

        var b = new StringBuilder();
        foreach (var link in links)
        {
            WritePair(b, link.Profile.Name, link.Profile.Shared ? "/s" : link.Profile.Replicated ? "/b" : null, TypeString, link.Value ?? string.Empty);
        }

        return b.ToString();
    }

    /// <summary>Reads <c>vars</c>: (name, value) in column order. Also reads OpenSIPS 2.x's untyped <c>name#value|</c> pairs.</summary>
    public static List<(string Name, ScriptValue Value)> DecodeVars(byte[]? column)
    {
        var result = new List<(string, ScriptValue)>();
        if (column is null || column.Length == 0)
        {
            return result;
        }

        foreach (var (name, type, value) in ReadPairs(Encoding.UTF8.GetString(column)))
        {
            var parsed = type == TypeInt && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? ScriptValue.FromInt(n)
                : ScriptValue.FromString(value);
            result.Add((name, parsed));
        }

        return result;
    }

    /// <summary>Reads <c>profiles</c>: (full profile name with its /s or /b, value) in column order.</summary>
    public static List<(string Profile, string Value)> DecodeProfiles(string? column)
    {
        var result = new List<(string, string)>();
        if (string.IsNullOrEmpty(column))
        {
            return result;
        }

        foreach (var (name, _, value) in ReadPairs(column))
        {
            result.Add((name, value));
        }

        return result;
    }

    private static void WritePair(StringBuilder b, string name, string? suffix, int type, string value)
    {
        Escape(b, name);
        b.Append(suffix).Append('#').Append(type.ToString(CultureInfo.InvariantCulture)).Append('#');
        Escape(b, value);
        b.Append('|');
    }

    private static void Escape(StringBuilder b, string text)
    {
        foreach (var c in text)
        {
            if (c is '|' or '#' or '\\')
            {
                b.Append('\\');
            }

            b.Append(c);
        }
    }

    /// <summary>Splits <c>a#T#b|…</c> on unescaped separators; a pair with one '#' is untyped (a string).</summary>
    private static List<(string Name, int Type, string Value)> ReadPairs(string text)
    {
        var pairs = new List<(string, int, string)>();
        var fields = new List<string>(3);
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (c == '#')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else if (c == '|')
            {
                fields.Add(current.ToString());
                current.Clear();
                AddPair(pairs, fields);
                fields.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0 || fields.Count > 0)
        {
            fields.Add(current.ToString());
            AddPair(pairs, fields);
        }

        return pairs;
    }

    private static void AddPair(List<(string, int, string)> pairs, List<string> fields)
    {
        if (fields.Count == 2)
        {
            pairs.Add((fields[0], TypeString, fields[1]));
        }
        else if (fields.Count >= 3)
        {
            var type = int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : TypeString;
            pairs.Add((fields[0], type, string.Join('#', fields.GetRange(2, fields.Count - 2))));
        }
    }
}

/// <summary>A growable UTF-8 buffer rented from the shared pool (the vars column's encoder).</summary>
internal struct ByteWriter : IDisposable
{
    private static readonly System.Buffers.SearchValues<byte> Escaped = System.Buffers.SearchValues.Create("|#\\"u8);
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int capacity)
    {
        _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Write(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteInt(long value)
    {
        Ensure(20);
        System.Buffers.Text.Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written);
        _length += written;
    }

    /// <summary>The bytes with <c>|</c>, <c>#</c> and <c>\</c> preceded by a backslash.</summary>
    public void WriteEscaped(ReadOnlySpan<byte> text)
    {
        while (true)
        {
            var i = text.IndexOfAny(Escaped);
            if (i < 0)
            {
                Write(text);
                return;
            }

            Write(text[..i]);
            Write((byte)'\\');
            Write(text[i]);
            text = text[(i + 1)..];
        }
    }

    public void WriteEscaped(string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max <= 256)
        {
            Span<byte> utf8 = stackalloc byte[256];
            WriteEscaped(utf8[..Encoding.UTF8.GetBytes(text, utf8)]);
            return;
        }

        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        WriteEscaped(rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented)));
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }

    public readonly byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
