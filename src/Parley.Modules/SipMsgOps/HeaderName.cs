using Parley.Modules.Common;
using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Modules.SipMsgOps;

/// <summary>
/// A header name as scripts give it to <c>remove_hf</c>, <c>is_present_hf</c> and the anchors of <c>append_hf</c>:
/// a known header matches by kind, so the compact form counts (<c>f</c> is From, RFC 3261 §7.3.3); any other matches
/// by name, case-insensitively (RFC 3261 §7.3.1).
/// </summary>
internal sealed class HeaderName
{
    private HeaderName(HeaderKind kind, byte[] name)
    {
        Kind = kind;
        Name = name;
    }

    public HeaderKind Kind { get; }

    public byte[] Name { get; }

    /// <summary>Null when <paramref name="name"/> is not a header name (empty, or not a token).</summary>
    public static HeaderName? TryCreate(ReadOnlySpan<byte> name) =>
        IsToken(name) ? new HeaderName(HeaderNames.Lookup(name), name.ToArray()) : null;

    public bool Matches(SipMessage message, in HeaderField header) => Matches(message, header, Kind, Name);

    public static bool Matches(SipMessage message, in HeaderField header, HeaderKind kind, ReadOnlySpan<byte> name) =>
        kind != HeaderKind.Other
            ? header.Kind == kind
            : header.Kind == HeaderKind.Other && System.Text.Ascii.EqualsIgnoreCase(message[header.Name], name);

    /// <summary>RFC 3261 §25.1 <c>token</c>: the characters a header name may have.</summary>
    public static bool IsToken(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(c is >= (byte)'a' and <= (byte)'z' || c is >= (byte)'A' and <= (byte)'Z' || c is >= (byte)'0' and <= (byte)'9'
                || c is (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*' or (byte)'_' or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A header-name argument: resolved when bound if constant (as OpenSIPS's fixup), else on each call.</summary>
internal sealed class HeaderNameArgument
{
    private readonly HeaderName? _constant;
    private readonly ScriptEvaluator? _evaluate;

    private HeaderNameArgument(HeaderName? constant, ScriptEvaluator? evaluate)
    {
        _constant = constant;
        _evaluate = evaluate;
    }

    public static HeaderNameArgument? Bind(FunctionBinder binder, int index)
    {
        var argument = binder.Argument(index);
        if (argument is null)
        {
            binder.Error(index, $"{binder.FunctionName}() needs a header name as argument {index + 1}");
            return null;
        }

        if (!argument.IsConstant)
        {
            return new HeaderNameArgument(null, argument.Evaluate);
        }

        var name = HeaderName.TryCreate(ScriptText.Constant(argument.Constant.AsString()));
        if (name is null)
        {
            binder.Error(index, $"'{argument.Text}' is not a header name");
            return null;
        }

        return new HeaderNameArgument(name, null);
    }

    /// <summary>The name for this call; false when a variable holds something that is not a header name.</summary>
    public bool TryResolve(ScriptContext context, out HeaderKind kind, out ReadOnlySpan<byte> name)
    {
        if (_constant is not null)
        {
            kind = _constant.Kind;
            name = _constant.Name;
            return true;
        }

        name = ScriptText.Utf8(context, _evaluate!(context), 2);
        kind = HeaderNames.Lookup(name);
        return HeaderName.IsToken(name);
    }
}
