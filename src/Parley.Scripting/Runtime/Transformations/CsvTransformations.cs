using System.Buffers;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>
/// The <c>{csv.*}</c> transformations over one RFC 4180 record: fields separated by ',', a field in double quotes may
/// hold ',' and a doubled quote (""). Plain fields are views of the input.
/// </summary>
internal static class CsvTransformations
{
    public static void Register(ScriptRegistry registry)
    {
        CoreTransformations.AddSimple(registry, "csv.count", static (_, v) =>
        {
            if (v.IsNull)
            {
                return v;
            }

            var count = 0;
            var view = Utf8Values.AsView(v);
            var e = new Enumerator(view);
            while (e.MoveNext())
            {
                count++;
            }

            return e.Failed || count == 0 ? ScriptValue.Null : ScriptValue.FromInt(count);
        });
        registry.AddTransformation("csv.value", BindValue);
    }

    private static TransformFunc? BindValue(TransformBindRequest request)
    {
        if (!CoreTransformations.ArgumentCount(request, 1, 1, "index"))
        {
            return null;
        }

        var index = CoreTransformations.Int(request, 0, "index");
        if (index is null)
        {
            return null;
        }

        return (ctx, v) =>
        {
            if (v.IsNull || !index.TryGet(ctx, out var i))
            {
                return ScriptValue.Null;
            }

            var view = Utf8Values.AsView(v);
            if (i < 0)
            {
                // Negative indexes count from the last field (-1).
                var count = 0;
                var counter = new Enumerator(view);
                while (counter.MoveNext())
                {
                    count++;
                }

                i += count;
                if (i < 0)
                {
                    return ScriptValue.Null;
                }
            }

            var e = new Enumerator(view);
            while (e.MoveNext())
            {
                if (i-- == 0)
                {
                    return e.Current;
                }
            }

            return ScriptValue.Null;
        };
    }

    /// <summary>Walks the fields of a record; <see cref="Failed"/> after an unterminated quote or text after a closing quote.</summary>
    private ref struct Enumerator(ScriptValue view)
    {
        private readonly ScriptValue _view = view;
        private int _position;
        private bool _done = view.Utf8Bytes.IsEmpty;

        public ScriptValue Current { get; private set; }

        public bool Failed { get; private set; }

        public bool MoveNext()
        {
            if (_done)
            {
                return false;
            }

            var s = _view.Utf8Bytes;
            var start = _position;
            if (start < s.Length && s[start] == (byte)'"')
            {
                var escaped = false;
                var p = start + 1;
                while (true)
                {
                    var q = s[p..].IndexOf((byte)'"');
                    if (q < 0)
                    {
                        Failed = true;
                        _done = true;
                        return false;
                    }

                    p += q;
                    if (p + 1 < s.Length && s[p + 1] == (byte)'"')
                    {
                        escaped = true;
                        p += 2;
                        continue;
                    }

                    break;
                }

                // p is the closing quote: a ',' or the end must follow.
                if (p + 1 < s.Length && s[p + 1] != (byte)',')
                {
                    Failed = true;
                    _done = true;
                    return false;
                }

                Current = escaped ? Unescape(s[(start + 1)..p]) : _view.SliceBytes(start + 1, p - start - 1);
                Advance(p + 1, s.Length);
                return true;
            }

            var comma = s[start..].IndexOf((byte)',');
            var end = comma < 0 ? s.Length : start + comma;
            Current = _view.SliceBytes(start, end - start);
            Advance(end, s.Length);
            return true;
        }

        private void Advance(int end, int length)
        {
            // At a ',' the next field starts after it (a trailing ',' leaves one empty field); at the end, stop.
            if (end >= length)
            {
                _done = true;
            }
            else
            {
                _position = end + 1;
            }
        }

        private static ScriptValue Unescape(ReadOnlySpan<byte> quoted)
        {
            var writer = new ArrayBufferWriter<byte>(quoted.Length);
            for (var i = 0; i < quoted.Length; i++)
            {
                writer.Write([quoted[i]]);
                if (quoted[i] == (byte)'"')
                {
                    i++; // skip the second quote of ""
                }
            }

            return Utf8Values.Copy(writer.WrittenSpan);
        }
    }
}
