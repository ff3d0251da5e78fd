using Parley.Protocol;
using Parley.Protocol.Uri;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>
/// The <c>{uri.*}</c> transformations: parts of a SIP, SIPS or tel URI (RFC 3261 §19.1, RFC 3966) as views of the
/// input. A value that is not a URI gives NULL, and so does an absent part.
/// </summary>
internal static class UriTransformations
{
    public static void Register(ScriptRegistry registry)
    {
        AddPart(registry, "uri.user", UriPart.User);
        AddPart(registry, "uri.host", UriPart.Host);
        AddPart(registry, "uri.domain", UriPart.Host);
        AddPart(registry, "uri.port", UriPart.Port);
        AddPart(registry, "uri.params", UriPart.Parameters);
        AddPart(registry, "uri.transport", UriPart.Transport);
        AddPart(registry, "uri.passwd", UriPart.Password);
        AddPart(registry, "uri.headers", UriPart.Headers);
        AddPart(registry, "uri.schema", UriPart.Scheme);
        AddRange(registry, "uri.uparam", static uri => uri.UserParam);
        AddRange(registry, "uri.maddr", static uri => uri.MaddrParam);
        AddRange(registry, "uri.method", static uri => uri.MethodParam);
        CoreTransformations.AddSimple(registry, "uri.ttl", static (ctx, v) =>
            TryParse(v, out var view, out var uri) && !view.IsNull && uri.TtlParam >= 0 ? ScriptValue.FromInt(uri.TtlParam) : ScriptValue.Null);
        registry.AddTransformation("uri.lr", request => CoreTransformations.ArgumentCount(request, 0, 0, string.Empty)
            ? (_, v) => NamedParameter(v, "lr"u8)
            : null);
        registry.AddTransformation("uri.r2", request => CoreTransformations.ArgumentCount(request, 0, 0, string.Empty)
            ? (_, v) => NamedParameter(v, "r2"u8)
            : null);
        registry.AddTransformation("uri.param", BindParam);
    }

    private static void AddPart(ScriptRegistry registry, string name, UriPart part) =>
        CoreTransformations.AddSimple(registry, name, (_, v) => TryParse(v, out var view, out var uri) ? UriParts.Get(view, uri, part) : ScriptValue.Null);

    private static void AddRange(ScriptRegistry registry, string name, Func<SipUri, ByteRange> range) =>
        CoreTransformations.AddSimple(registry, name, (_, v) => TryParse(v, out var view, out var uri) ? UriParts.Slice(view, range(uri)) : ScriptValue.Null);

    /// <summary>Parses the input as a URI; <paramref name="view"/> is the input as a byte view (the origin of the ranges).</summary>
    internal static bool TryParse(in ScriptValue input, out ScriptValue view, out SipUri uri)
    {
        uri = default;
        view = ScriptValue.Null;
        if (!input.IsString || input.IsNullOrEmpty)
        {
            return false;
        }

        view = Utf8Values.AsView(input);
        return SipUri.TryParse(view.Utf8Bytes, out uri, out _);
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
            return name.TryGet(ctx, scratch, out var n) ? NamedParameter(v, n) : ScriptValue.Null;
        };
    }

    /// <summary>A URI parameter's value; "" when it is present without a value; NULL when absent.</summary>
    private static ScriptValue NamedParameter(in ScriptValue input, ReadOnlySpan<byte> name)
    {
        if (!TryParse(input, out var view, out var uri))
        {
            return ScriptValue.Null;
        }

        if (uri.TryGetParameter(view.Utf8Bytes, name, out var value, out var present))
        {
            return view.SliceBytes(value.Start, value.Length);
        }

        return present ? ScriptValue.Empty : ScriptValue.Null;
    }
}
