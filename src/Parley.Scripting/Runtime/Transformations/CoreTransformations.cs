using System.Globalization;

namespace Parley.Scripting.Runtime.Transformations;

/// <summary>
/// The transformations of the OpenSIPS core: strings (<c>{s.len}</c>, <c>{s.substr,o,l}</c>…), URIs
/// (<c>{uri.user}</c>…), parameter lists (<c>{param.value,name}</c>…), name-addresses (<c>{nameaddr.uri}</c>…),
/// CSV (<c>{csv.value,i}</c>) and regular-expression substitution (<c>{re.subst,/re/repl/flags}</c>).
/// </summary>
/// <remarks>
/// As in OpenSIPS 3, a NULL input passes through as NULL, and a transformation that fails on its input (a substring
/// out of range, a value that is not a URI) returns NULL. Parts of the input are returned as views of it, so taking
/// <c>{uri.user}</c> of <c>$ru</c> or <c>{s.substr,0,4}</c> of <c>$ci</c> allocates nothing.
/// </remarks>
public static class CoreTransformations
{
    /// <summary>Adds a <see cref="TransformFactory"/> for every core transformation name.</summary>
    public static void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        StringTransformations.Register(registry);
        UriTransformations.Register(registry);
        ParamTransformations.Register(registry);
        NameAddrTransformations.Register(registry);
        CsvTransformations.Register(registry);
        RegexTransformations.Register(registry);
    }

    /// <summary>Adds a transformation without arguments.</summary>
    internal static void AddSimple(ScriptRegistry registry, string name, TransformFunc func) =>
        registry.AddTransformation(name, request => ArgumentCount(request, 0, 0, string.Empty) ? func : null);

    /// <summary>Checks the number of arguments; reports "{name} takes …" otherwise.</summary>
    internal static bool ArgumentCount(TransformBindRequest request, int min, int max, string usage)
    {
        var count = request.Arguments.Count;
        if (count >= min && count <= max)
        {
            return true;
        }

        request.Error(max == 0
            ? $"{{{request.Name}}} takes no arguments, but {{{request.Text}}} gives {count}"
            : $"{{{request.Name}}} is written {{{request.Name},{usage}}}, but {{{request.Text}}} gives {count} argument{(count == 1 ? string.Empty : "s")}");
        return false;
    }

    /// <summary>An integer argument: a constant checked now, or a pseudo-variable converted when the transformation runs.</summary>
    internal static IntArgument? Int(TransformBindRequest request, int index, string what)
    {
        var text = request.Arguments[index].Trim();
        if (text.StartsWith('$'))
        {
            return request.DynamicArgument(index) is { } evaluator ? new IntArgument(0, evaluator) : null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return new IntArgument(value, null);
        }

        request.Error($"the {what} in {{{request.Text}}} must be an integer or a variable, got '{text}'");
        return null;
    }

    /// <summary>A string argument: a constant (trimmed), or a pseudo-variable evaluated when the transformation runs.</summary>
    internal static StringArgument? String(TransformBindRequest request, int index, string what)
    {
        var text = request.Arguments[index].Trim();
        if (text.StartsWith('$'))
        {
            return request.DynamicArgument(index) is { } evaluator ? new StringArgument(ScriptValue.Null, evaluator) : null;
        }

        if (text.Length == 0)
        {
            request.Error($"the {what} in {{{request.Text}}} is empty");
            return null;
        }

        return new StringArgument(Utf8Values.AsView(ScriptValue.FromString(text)), null);
    }
}

/// <summary>An integer argument of a transformation.</summary>
internal sealed class IntArgument(long constant, ScriptEvaluator? evaluator)
{
    /// <summary>The value; false when a variable does not hold an integer (the transformation then fails).</summary>
    public bool TryGet(ScriptContext context, out long value)
    {
        if (evaluator is null)
        {
            value = constant;
            return true;
        }

        return evaluator(context).TryGetInt(out value);
    }
}

/// <summary>A string argument of a transformation.</summary>
internal sealed class StringArgument(ScriptValue constant, ScriptEvaluator? evaluator)
{
    /// <summary>The argument's UTF-8 bytes; false when a variable is NULL or empty (the transformation then fails).</summary>
    public bool TryGet(ScriptContext context, Span<byte> scratch, out ReadOnlySpan<byte> value)
    {
        if (evaluator is null)
        {
            value = constant.Utf8Bytes;
            return true;
        }

        var v = evaluator(context);
        value = Utf8Values.Get(v, scratch);
        return !value.IsEmpty;
    }
}
