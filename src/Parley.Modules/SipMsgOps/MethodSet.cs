using Parley.Protocol;

namespace Parley.Modules.SipMsgOps;

/// <summary>
/// The argument of <c>is_method("INVITE|BYE")</c>, resolved once: known methods become a bit mask; a single unknown
/// method is kept as a name and compared case-insensitively, as OpenSIPS does. A list may not mix in unknown methods
/// (OpenSIPS refuses it too). Requests are matched by their method, replies by the CSeq method.
/// </summary>
internal sealed class MethodSet
{
    private readonly int _mask;
    private readonly byte[]? _name;

    private MethodSet(int mask, byte[]? name)
    {
        _mask = mask;
        _name = name;
    }

    public static MethodSet? TryParse(string text, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = string.Empty;
        var mask = 0;
        var count = 0;
        string? unknown = null;
        Span<byte> upper = stackalloc byte[32];
        foreach (var range in text.AsSpan().SplitAny("|,"))
        {
            var name = text.AsSpan(range).Trim();
            if (name.IsEmpty)
            {
                error = $"empty method name in '{text}'";
                return null;
            }

            count++;
            var method = name.Length <= upper.Length && System.Text.Ascii.ToUpper(name, upper, out var n) == System.Buffers.OperationStatus.Done
                ? SipMethods.Parse(upper[..n])
                : SipMethod.Unknown;
            if (method == SipMethod.Unknown)
            {
                unknown = name.ToString();
            }
            else
            {
                mask |= 1 << (int)method;
            }
        }

        if (count == 0)
        {
            error = "empty method name";
            return null;
        }

        if (unknown is not null && count > 1)
        {
            error = $"unknown method '{unknown}' in list '{text}': a list must hold only known methods";
            return null;
        }

        return unknown is not null ? new MethodSet(0, System.Text.Encoding.UTF8.GetBytes(unknown)) : new MethodSet(mask, null);
    }

    public bool Matches(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        SipMethod method;
        ReadOnlySpan<byte> name;
        if (message.IsRequest)
        {
            method = message.Method;
            name = message[message.MethodName];
        }
        else if (message.TryGetCSeq(out var cseq))
        {
            method = cseq.Method;
            name = message[cseq.MethodName];
        }
        else
        {
            return false;
        }

        return _name is null
            ? method != SipMethod.Unknown && (_mask & (1 << (int)method)) != 0
            : method == SipMethod.Unknown && System.Text.Ascii.EqualsIgnoreCase(name, _name);
    }
}
