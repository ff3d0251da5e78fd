using System.Globalization;
using Microsoft.Extensions.Logging;
using Parley.Protocol.Uri;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// The Request-URI: <c>$ru $rU $rd $rp $rP</c> (the current one, as the script rewrote it) and <c>$ou $oU $od $op
/// $oP</c> (the one the request arrived with). Writing <c>$ru</c>, <c>$rU</c>, <c>$rd</c> or <c>$rp</c> records a new
/// Request-URI in the context; the request line is rewritten once, when the request is forwarded.
/// </summary>
internal static class RequestUriVariables
{
    public static void Register(ScriptRegistry registry)
    {
        CorePseudoVariables.AddSimple(registry, "ru", static ctx => ctx.RequestUriValue, SetUri);
        CorePseudoVariables.AddSimple(registry, "rU", static ctx => CurrentPart(ctx, UriPart.User), SetUser);
        CorePseudoVariables.AddSimple(registry, "rd", static ctx => CurrentPart(ctx, UriPart.Host), SetHost);
        CorePseudoVariables.AddSimple(registry, "rp", static ctx => TryCurrent(ctx, out _, out var uri) ? UriParts.PortOrDefault(uri) : ScriptValue.Null, SetPort);
        CorePseudoVariables.AddSimple(registry, "rP", static ctx => TryCurrent(ctx, out var whole, out var uri) ? UriParts.TransportOrDefault(whole, uri) : ScriptValue.Null);

        CorePseudoVariables.AddSimple(registry, "ou", static ctx =>
            ctx.Message is { IsRequest: true } m ? ScriptValue.FromBytes(m.Buffer, m.RequestUri.Start, m.RequestUri.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "oU", static ctx => OriginalPart(ctx, UriPart.User));
        CorePseudoVariables.AddSimple(registry, "od", static ctx => OriginalPart(ctx, UriPart.Host));
        CorePseudoVariables.AddSimple(registry, "op", static ctx => TryOriginal(ctx, out _, out var uri) ? UriParts.PortOrDefault(uri) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "oP", static ctx => TryOriginal(ctx, out var whole, out var uri) ? UriParts.TransportOrDefault(whole, uri) : ScriptValue.Null);
    }

    /// <summary>The current Request-URI parsed, with a byte view that its ranges index into.</summary>
    private static bool TryCurrent(ScriptContext ctx, out ScriptValue whole, out SipUri uri)
    {
        if (ctx.RequestUriChanged)
        {
            whole = ctx.RequestUriValue;
            return ctx.TryGetRequestUri(out uri);
        }

        return TryOriginal(ctx, out whole, out uri);
    }

    private static bool TryOriginal(ScriptContext ctx, out ScriptValue whole, out SipUri uri)
    {
        if (ctx.Message is { IsRequest: true } m && m.TryGetRequestUri(out uri, out _))
        {
            // The ranges are absolute in the message buffer: a view of the whole buffer is their origin.
            whole = ScriptValue.FromBytes(m.Buffer, 0, m.Buffer.Length);
            return true;
        }

        whole = ScriptValue.Null;
        uri = default;
        return false;
    }

    private static ScriptValue CurrentPart(ScriptContext ctx, UriPart part) =>
        TryCurrent(ctx, out var whole, out var uri) ? UriParts.Get(whole, uri, part) : ScriptValue.Null;

    private static ScriptValue OriginalPart(ScriptContext ctx, UriPart part) =>
        TryOriginal(ctx, out var whole, out var uri) ? UriParts.Get(whole, uri, part) : ScriptValue.Null;

    private static void SetUri(ScriptContext ctx, ScriptValue value)
    {
        if (value.IsNullOrEmpty)
        {
            // OpenSIPS refuses to reset the Request-URI: a Request-Line always carries one (RFC 3261 §7.1, §25.1).
            ctx.Host.CoreLogger.LogWarning("Ignoring an empty or NULL value assigned to $ru: a request must keep a Request-URI");
            return;
        }

        Span<byte> scratch = stackalloc byte[256];
        ctx.SetRequestUri(Utf8Values.Get(value, scratch));
    }

    /// <summary>
    /// The current Request-URI text with its parse, ranges relative to the text. False (after a warning) when there is
    /// none or it does not parse.
    /// </summary>
    private static bool TryCurrentText(ScriptContext ctx, string variable, out ReadOnlySpan<byte> text, out SipUri uri)
    {
        text = ctx.RequestUriText;
        if (text.IsEmpty || !ctx.TryGetRequestUri(out uri))
        {
            ctx.Host.CoreLogger.LogWarning("Cannot assign {Variable}: the Request-URI is missing or malformed", variable);
            uri = default;
            return false;
        }

        if (!ctx.RequestUriChanged)
        {
            uri = uri.Offset(-ctx.Msg.RequestUri.Start);
        }

        if (uri.Scheme is not (UriScheme.Sip or UriScheme.Sips or UriScheme.Tel))
        {
            ctx.Host.CoreLogger.LogWarning("Cannot assign {Variable}: the Request-URI is not a sip, sips or tel URI", variable);
            return false;
        }

        return true;
    }

    /// <summary><c>$rU = v</c>: replaces the user part (adding <c>user@</c> when there is none); NULL or "" removes the userinfo.</summary>
    private static void SetUser(ScriptContext ctx, ScriptValue value)
    {
        if (!TryCurrentText(ctx, "$rU", out var text, out var uri))
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[256];
        var user = Utf8Values.Get(value, scratch);
        if (uri.Scheme == UriScheme.Tel)
        {
            if (user.IsEmpty)
            {
                ctx.Host.CoreLogger.LogWarning("Ignoring an empty $rU for a tel Request-URI: a tel URI must keep its number");
                return;
            }

            Splice(ctx, text, uri.Opaque.Start, uri.Opaque.End, user, default);
            return;
        }

        if (uri.HasUserInfo)
        {
            if (user.IsEmpty)
            {
                // Drop "user[:password]@".
                Splice(ctx, text, uri.User.Start, uri.Host.Start, default, default);
            }
            else
            {
                Splice(ctx, text, uri.User.Start, uri.User.End, user, default);
            }
        }
        else if (!user.IsEmpty)
        {
            Splice(ctx, text, uri.Host.Start, uri.Host.Start, user, "@"u8);
        }
    }

    /// <summary><c>$rd = v</c>: replaces the host.</summary>
    private static void SetHost(ScriptContext ctx, ScriptValue value)
    {
        if (!TryCurrentText(ctx, "$rd", out var text, out var uri))
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[256];
        var host = Utf8Values.Get(value, scratch);
        if (host.IsEmpty || uri.Scheme == UriScheme.Tel)
        {
            // RFC 3261 §19.1.1: a SIP URI always has a host.
            ctx.Host.CoreLogger.LogWarning("Ignoring $rd = '{Value}': a SIP Request-URI needs a host (and a tel URI has none)", value.AsString());
            return;
        }

        Splice(ctx, text, uri.Host.Start, uri.Host.End, host, default);
    }

    /// <summary><c>$rp = n</c>: sets the port; 0 or NULL removes it.</summary>
    private static void SetPort(ScriptContext ctx, ScriptValue value)
    {
        long port = 0;
        if (!value.IsNull && (!value.TryGetInt(out port) || port is < 0 or > 65535))
        {
            ctx.Host.CoreLogger.LogWarning("Ignoring $rp = '{Value}': a port is a number from 0 to 65535", value.AsString());
            return;
        }

        if (!TryCurrentText(ctx, "$rp", out var text, out var uri) || uri.Scheme == UriScheme.Tel)
        {
            return;
        }

        var start = uri.Host.End;
        var end = start;
        if (uri.Port >= 0)
        {
            var rest = text[(start + 1)..].IndexOfAny(";?"u8);
            end = rest < 0 ? text.Length : start + 1 + rest;
        }

        Span<byte> digits = stackalloc byte[8];
        var n = 0;
        if (port > 0)
        {
            digits[0] = (byte)':';
            port.TryFormat(digits[1..], out n, default, CultureInfo.InvariantCulture);
            n++;
        }

        Splice(ctx, text, start, end, digits[..n], default);
    }

    /// <summary>Sets the Request-URI to <paramref name="text"/> with [start, end) replaced by <paramref name="a"/> and <paramref name="b"/>.</summary>
    private static void Splice(ScriptContext ctx, ReadOnlySpan<byte> text, int start, int end, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var length = start + a.Length + b.Length + (text.Length - end);
        Span<byte> buffer = length <= 512 ? stackalloc byte[length] : new byte[length];
        text[..start].CopyTo(buffer);
        a.CopyTo(buffer[start..]);
        b.CopyTo(buffer[(start + a.Length)..]);
        text[end..].CopyTo(buffer[(start + a.Length + b.Length)..]);
        ctx.SetRequestUri(buffer);
    }
}
