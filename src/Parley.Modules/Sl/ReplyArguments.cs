using System.Globalization;
using Parley.Modules.Common;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Sl;

/// <summary>
/// The <c>(code, reason)</c> arguments of <c>sl_send_reply</c> and <c>send_reply</c>: either may be a constant, a
/// pseudo-variable or a format string. A constant code is checked when the call is bound (OpenSIPS refuses to start
/// with a code outside 100-699); a variable one when the function runs.
/// </summary>
internal sealed class ReplyArguments
{
    private readonly int _code;
    private readonly ScriptEvaluator? _codeEvaluator;
    private readonly string? _reason;
    private readonly byte[]? _reasonBytes;
    private readonly ScriptEvaluator? _reasonEvaluator;

    private ReplyArguments(int code, ScriptEvaluator? codeEvaluator, string? reason, ScriptEvaluator? reasonEvaluator)
    {
        _code = code;
        _codeEvaluator = codeEvaluator;
        _reason = reason;
        _reasonBytes = reason is null ? null : ScriptText.Constant(reason);
        _reasonEvaluator = reasonEvaluator;
    }

    /// <summary>Binds arguments 0 and 1; null after reporting an error through <paramref name="binder"/>.</summary>
    public static ReplyArguments? Bind(FunctionBinder binder)
    {
        var codeArgument = binder.Argument(0);
        var reasonArgument = binder.Argument(1);
        if (codeArgument is null || reasonArgument is null)
        {
            binder.Error($"{binder.FunctionName}() needs a code and a reason");
            return null;
        }

        var code = 0;
        ScriptEvaluator? codeEvaluator = null;
        if (codeArgument.IsConstant)
        {
            if (!codeArgument.Constant.TryGetInt(out var n) || n is < 100 or > 699)
            {
                binder.Error(0, $"wrong code '{codeArgument.Text}' for {binder.FunctionName}(): allowed values are 1xx - 6xx only");
                return null;
            }

            code = (int)n;
        }
        else
        {
            codeEvaluator = codeArgument.Evaluate;
        }

        return reasonArgument.IsConstant
            ? new ReplyArguments(code, codeEvaluator, reasonArgument.Constant.AsString(), null)
            : new ReplyArguments(code, codeEvaluator, null, reasonArgument.Evaluate);
    }

    /// <summary>The status code, false when a variable does not hold a number in 100-699.</summary>
    public bool TryGetCode(ScriptContext context, out int code)
    {
        if (_codeEvaluator is null)
        {
            code = _code;
            return true;
        }

        code = 0;
        if (!_codeEvaluator(context).TryGetInt(out var n) || n is < 100 or > 699)
        {
            return false;
        }

        code = (int)n;
        return true;
    }

    /// <summary>The reason phrase as UTF-8 (in scratch buffer 0 when it had to be encoded).</summary>
    public ReadOnlySpan<byte> ReasonBytes(ScriptContext context) =>
        _reasonBytes ?? ScriptText.Utf8(context, _reasonEvaluator!(context), 0);

    /// <summary>The reason phrase as a string (allocates only for a variable reason read from the message).</summary>
    public string ReasonString(ScriptContext context)
    {
        if (_reason is not null)
        {
            return _reason;
        }

        var value = _reasonEvaluator!(context);
        return value.StringOrNull ?? (value.IsInt ? value.Int.ToString(CultureInfo.InvariantCulture) : value.AsString());
    }
}
