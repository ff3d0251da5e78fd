using Parley.Modules.Common;
using Parley.Protocol;
using Parley.Protocol.Text;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Uri;

/// <summary>
/// Request-URI checks and rewrites shared by sipmsgops (OpenSIPS 3 names: <c>ruri_has_param</c>, <c>ruri_add_param</c>,
/// <c>ruri_del_param</c>, <c>ruri_tel2sip</c>, <c>is_uri_user_e164</c>) and uri (their OpenSIPS 2 names). They read and
/// set the current Request-URI (<see cref="ScriptContext.RequestUriText"/>), so earlier rewrites in the script count.
/// </summary>
internal static class RequestUriOps
{
    /// <summary>
    /// Whether the Request-URI has parameter <paramref name="name"/>: without a value argument the parameter must have no
    /// value (or an empty one); with one, its value must equal it (case-sensitive, as OpenSIPS). Only the first
    /// parameter of that name counts. Names compare case-insensitively (RFC 3261 §19.1.4).
    /// </summary>
    public static bool HasParam(ScriptContext context, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool withValue)
    {
        if (!context.TryGetRequestUri(out var uri) || uri.Parameters.IsEmpty)
        {
            return false;
        }

        var section = context.RequestUriBuffer.Slice(uri.Parameters.Start, uri.Parameters.Length);
        foreach (var p in new ParameterEnumerator(section, ParameterSyntax.Uri))
        {
            if (!System.Text.Ascii.EqualsIgnoreCase(section.Slice(p.Name.Start, p.Name.Length), name))
            {
                continue;
            }

            var actual = p.HasValue ? section.Slice(p.Value.Start, p.Value.Length) : default;
            return withValue ? p.HasValue && actual.SequenceEqual(value) : actual.IsEmpty;
        }

        return false;
    }

    /// <summary>Adds <c>;param</c> to the Request-URI's parameters (before any <c>?headers</c>). An empty param is a no-op.</summary>
    public static bool AddParam(ScriptContext context, ReadOnlySpan<byte> param)
    {
        if (param.IsEmpty)
        {
            return true;
        }

        if (!context.TryGetRequestUri(out var uri))
        {
            return false;
        }

        var text = context.RequestUriText;
        var insertAt = uri.Headers.IsEmpty ? text.Length : uri.Headers.Start - BufferOffset(context) - 1;
        var result = ScriptText.Buffer(context, 3, text.Length + param.Length + 1);
        text[..insertAt].CopyTo(result);
        result[insertAt] = (byte)';';
        param.CopyTo(result[(insertAt + 1)..]);
        text[insertAt..].CopyTo(result[(insertAt + 1 + param.Length)..]);
        context.SetRequestUri(result[..(text.Length + param.Length + 1)]);
        return true;
    }

    /// <summary>Removes the first parameter named <paramref name="name"/> (exact name, as OpenSIPS); false when absent.</summary>
    public static bool DelParam(ScriptContext context, ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return true;
        }

        if (!context.TryGetRequestUri(out var uri) || uri.Parameters.IsEmpty)
        {
            return false;
        }

        var text = context.RequestUriText;
        var sectionStart = uri.Parameters.Start - BufferOffset(context);
        var section = text.Slice(sectionStart, uri.Parameters.Length);
        foreach (var p in new ParameterEnumerator(section, ParameterSyntax.Uri))
        {
            if (!section.Slice(p.Name.Start, p.Name.Length).SequenceEqual(name))
            {
                continue;
            }

            // From the ';' before the name to the end of the value (or name).
            var start = sectionStart + p.Name.Start - 1;
            var end = sectionStart + (p.HasValue ? p.Value.End : p.Name.End);
            var result = ScriptText.Buffer(context, 3, text.Length);
            text[..start].CopyTo(result);
            text[end..].CopyTo(result[start..]);
            context.SetRequestUri(result[..(text.Length - (end - start))]);
            return true;
        }

        return false;
    }

    /// <summary>
    /// A tel: Request-URI becomes <c>sip:number@from-host;user=phone</c> (RFC 3261 §19.1.6), the host taken from the
    /// From URI, as OpenSIPS's <c>ruri_tel2sip</c>. Other URIs are left alone (and it succeeds).
    /// </summary>
    public static bool TelToSip(ScriptContext context)
    {
        var text = context.RequestUriText;
        if (text.Length < 4 || !System.Text.Ascii.EqualsIgnoreCase(text[..4], "tel:"u8))
        {
            return true;
        }

        var message = context.Msg;
        if (!message.TryGetFrom(out var from) || !SipUri.TryParse(message[from.Uri], out var fromUri, out _) || fromUri.Host.IsEmpty)
        {
            return false;
        }

        var host = message[from.Uri].Slice(fromUri.Host.Start, fromUri.Host.Length);
        var length = 4 + (text.Length - 4) + 1 + host.Length + 11;
        var result = ScriptText.Buffer(context, 3, length);
        "sip:"u8.CopyTo(result);
        text[4..].CopyTo(result[4..]);
        var n = text.Length;
        result[n++] = (byte)'@';
        host.CopyTo(result[n..]);
        n += host.Length;
        ";user=phone"u8.CopyTo(result[n..]);
        context.SetRequestUri(result[..length]);
        return true;
    }

    /// <summary>Whether the user part of a URI is an E.164 number: '+' and 2 to 15 digits.</summary>
    public static bool IsUserE164(ReadOnlySpan<byte> uriText)
    {
        if (!SipUri.TryParse(uriText, out var uri, out _))
        {
            return false;
        }

        var user = uri.Scheme == UriScheme.Tel ? uriText.Slice(uri.Opaque.Start, uri.Opaque.Length) : uriText.Slice(uri.User.Start, uri.User.Length);
        if (user.Length is <= 2 or >= 17 || user[0] != (byte)'+')
        {
            return false;
        }

        return user[1..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }

    /// <summary>
    /// Whether the Request-URI's host (and port) name this proxy: a listening address or an alias
    /// (<see cref="ProxyHost.IsMyself"/>, OpenSIPS's <c>myself</c>).
    /// </summary>
    public static bool IsHostLocal(ScriptContext context)
    {
        if (!context.TryGetRequestUri(out var uri) || uri.Host.IsEmpty)
        {
            return false;
        }

        var host = context.RequestUriBuffer.Slice(uri.Host.Start, uri.Host.Length);
        return context.Host.IsMyself(host, uri.Port < 0 ? 0 : uri.Port);
    }

    /// <summary>Where <see cref="ScriptContext.RequestUriText"/> starts in the buffer the parsed URI's ranges index.</summary>
    private static int BufferOffset(ScriptContext context) =>
        context.RequestUriChanged ? 0 : context.Msg.RequestUri.Start;
}
