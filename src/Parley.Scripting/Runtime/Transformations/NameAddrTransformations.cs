using Parley.Protocol;
using Parley.Protocol.Headers;
using Parley.Protocol.Text;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>
/// The <c>{nameaddr.*}</c> transformations over a From/To/Contact style value, <c>"Name" &lt;uri&gt;;params</c> or a
/// bare addr-spec (RFC 3261 §20.10, §25.1). The display name keeps its quotes, as OpenSIPS returns it.
/// </summary>
internal static class NameAddrTransformations
{
    private enum Part
    {
        Uri,
        Name,
        Params,
        Length,
    }

    public static void Register(ScriptRegistry registry)
    {
        CoreTransformations.AddSimple(registry, "nameaddr.uri", static (_, v) => Get(v, Part.Uri));
        CoreTransformations.AddSimple(registry, "nameaddr.name", static (_, v) => Get(v, Part.Name));
        CoreTransformations.AddSimple(registry, "nameaddr.params", static (_, v) => Get(v, Part.Params));
        CoreTransformations.AddSimple(registry, "nameaddr.len", static (_, v) => Get(v, Part.Length));
        registry.AddTransformation("nameaddr.param", BindParam);
    }

    /// <summary>Parses the (trimmed) input as one name-addr; <paramref name="view"/> is the origin of the ranges.</summary>
    private static bool TryParse(in ScriptValue input, out ScriptValue view, out NameAddress address)
    {
        address = default;
        view = ScriptValue.Null;
        if (!input.IsString || input.IsNullOrEmpty)
        {
            return false;
        }

        view = Utf8Values.AsView(input);
        var s = view.Utf8Bytes;
        var end = s.Length;
        while (end > 0 && s[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            end--;
        }

        var pos = 0;
        return NameAddressParser.TryParse(s, ref pos, end, list: false, allowStar: false, out address);
    }

    private static ScriptValue Get(in ScriptValue input, Part part)
    {
        if (!TryParse(input, out var view, out var address))
        {
            return ScriptValue.Null;
        }

        switch (part)
        {
            case Part.Uri:
                return UriParts.Slice(view, address.Uri);
            case Part.Name:
                return UriParts.Slice(view, address.DisplayName);
            case Part.Length:
                return ScriptValue.FromInt(address.Value.Length);
            default:
                var p = address.Parameters;
                var s = view.Utf8Bytes;
                var start = p.Start;
                while (start < p.End && s[start] is (byte)';' or (byte)' ' or (byte)'\t')
                {
                    start++;
                }

                return start < p.End ? view.SliceBytes(start, p.End - start) : ScriptValue.Null;
        }
    }

    private static TransformFunc? BindParam(TransformBindRequest request)
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
            Span<byte> scratch = stackalloc byte[128];
            if (!name.TryGet(ctx, scratch, out var n) || !TryParse(v, out var view, out var address) || address.Parameters.Length == 0)
            {
                return ScriptValue.Null;
            }

            var parameters = address.Parameters;
            var section = view.Utf8Bytes.Slice(parameters.Start, parameters.Length);
            foreach (var p in new ParameterEnumerator(section, ParameterSyntax.Header))
            {
                if (System.Text.Ascii.EqualsIgnoreCase(section.Slice(p.Name.Start, p.Name.Length), n))
                {
                    return p.HasValue && p.Value.Length > 0 ? view.SliceBytes(parameters.Start + p.Value.Start, p.Value.Length) : ScriptValue.Null;
                }
            }

            return ScriptValue.Null;
        };
    }
}
