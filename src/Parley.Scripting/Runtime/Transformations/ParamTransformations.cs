using Parley.Protocol;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>
/// The <c>{param.*}</c> transformations over a parameter list such as <c>a=1;b=2;lr</c> (a leading ';' is allowed,
/// so <c>{uri.params}</c> output or a header's parameters work). Names compare case-insensitively; a quoted value is
/// returned without its quotes; values are views of the input.
/// </summary>
internal static class ParamTransformations
{
    public static void Register(ScriptRegistry registry)
    {
        registry.AddTransformation("param.value", request => BindByName(request, exist: false));
        registry.AddTransformation("param.exist", request => BindByName(request, exist: true));
        registry.AddTransformation("param.valueat", request => BindByIndex(request, name: false));
        registry.AddTransformation("param.name", request => BindByIndex(request, name: true));
        CoreTransformations.AddSimple(registry, "param.count", static (_, v) =>
        {
            if (v.IsNull)
            {
                return v;
            }

            var view = Utf8Values.AsView(v);
            var count = Count(view.Utf8Bytes);
            return count > 0 ? ScriptValue.FromInt(count) : ScriptValue.Null;
        });
    }

    private static TransformFunc? BindByName(TransformBindRequest request, bool exist)
    {
        if (!CoreTransformations.ArgumentCount(request, 1, 1, "name"))
        {
            return null;
        }

        var name = CoreTransformations.String(request, 0, "parameter name");
        if (name is null)
        {
            return null;
        }

        return (ctx, v) =>
        {
            if (v.IsNull)
            {
                return v;
            }

            Span<byte> scratch = stackalloc byte[128];
            if (!name.TryGet(ctx, scratch, out var n))
            {
                return ScriptValue.Null;
            }

            var view = Utf8Values.AsView(v);
            var e = new Enumerator(view.Utf8Bytes);
            while (e.MoveNext())
            {
                if (System.Text.Ascii.EqualsIgnoreCase(view.Utf8Bytes.Slice(e.Name.Start, e.Name.Length), n))
                {
                    return exist ? ScriptValue.True : view.SliceBytes(e.Value.Start, e.Value.Length);
                }
            }

            return exist ? ScriptValue.Zero : ScriptValue.Null;
        };
    }

    private static TransformFunc? BindByIndex(TransformBindRequest request, bool name)
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
                i += Count(view.Utf8Bytes);
                if (i < 0)
                {
                    return ScriptValue.Null;
                }
            }

            var e = new Enumerator(view.Utf8Bytes);
            while (e.MoveNext())
            {
                if (i-- == 0)
                {
                    var range = name ? e.Name : e.Value;
                    return view.SliceBytes(range.Start, range.Length);
                }
            }

            return ScriptValue.Null;
        };
    }

    private static int Count(ReadOnlySpan<byte> text)
    {
        var count = 0;
        var e = new Enumerator(text);
        while (e.MoveNext())
        {
            count++;
        }

        return count;
    }

    /// <summary>Walks <c>name[=value]</c> items separated by ';' (not inside double quotes), skipping empty ones.</summary>
    internal ref struct Enumerator(ReadOnlySpan<byte> text)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _position;

        public ByteRange Name { get; private set; }

        public ByteRange Value { get; private set; }

        public bool HasValue { get; private set; }

        public bool MoveNext()
        {
            while (_position < _text.Length)
            {
                var start = _position;
                var end = start;
                var quoted = false;
                while (end < _text.Length && (quoted || _text[end] != (byte)';'))
                {
                    if (_text[end] == (byte)'"')
                    {
                        quoted = !quoted;
                    }
                    else if (quoted && _text[end] == (byte)'\\' && end + 1 < _text.Length)
                    {
                        end++;
                    }

                    end++;
                }

                _position = end + 1;
                var item = Trim(start, end);
                if (item.Length == 0)
                {
                    continue;
                }

                var equals = _text.Slice(item.Start, item.Length).IndexOf((byte)'=');
                if (equals < 0)
                {
                    Name = item;
                    Value = new ByteRange(item.End, 0);
                    HasValue = false;
                    return true;
                }

                Name = Trim(item.Start, item.Start + equals);
                var value = Trim(item.Start + equals + 1, item.End);
                if (value.Length >= 2 && _text[value.Start] == (byte)'"' && _text[value.End - 1] == (byte)'"')
                {
                    value = new ByteRange(value.Start + 1, value.Length - 2);
                }

                Value = value;
                HasValue = true;
                return true;
            }

            return false;
        }

        private readonly ByteRange Trim(int start, int end)
        {
            while (start < end && IsSpace(_text[start]))
            {
                start++;
            }

            while (end > start && IsSpace(_text[end - 1]))
            {
                end--;
            }

            return ByteRange.FromBounds(start, end);
        }

        private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
    }
}
