using Parley.Scripting.Runtime;

namespace Parley.Modules.Common;

/// <summary>
/// A text argument (OpenSIPS's <c>CMD_PARAM_STR</c>): a constant is encoded once when the call is bound; a
/// pseudo-variable or format string is evaluated on each call and encoded into a context scratch buffer.
/// </summary>
internal sealed class TextArgument
{
    private readonly byte[]? _constant;
    private readonly ScriptEvaluator? _evaluate;

    private TextArgument(byte[]? constant, ScriptEvaluator? evaluate)
    {
        _constant = constant;
        _evaluate = evaluate;
    }

    /// <summary>The constant's text, null for a variable argument.</summary>
    public string? ConstantText { get; private init; }

    public static TextArgument? Bind(FunctionBinder binder, int index)
    {
        var argument = binder.Argument(index);
        if (argument is null)
        {
            binder.Error(index, $"{binder.FunctionName}() needs argument {index + 1}");
            return null;
        }

        if (!argument.IsConstant)
        {
            return new TextArgument(null, argument.Evaluate);
        }

        var text = argument.Constant.AsString();
        return new TextArgument(ScriptText.Constant(text), null) { ConstantText = text };
    }

    /// <summary>The argument's UTF-8 for this call; a variable's bytes may live in scratch buffer <paramref name="which"/>.</summary>
    public ReadOnlySpan<byte> Get(ScriptContext context, int which) =>
        _constant ?? ScriptText.Utf8(context, _evaluate!(context), which);
}
