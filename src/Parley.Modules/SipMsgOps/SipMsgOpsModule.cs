using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Parley.Modules.Common;
using Parley.Modules.Uri;
using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Modules.SipMsgOps;

/// <summary>
/// OpenSIPS 3's <c>sipmsgops</c> module: header checks and edits, method and body tests, and the Request-URI helpers
/// that moved here from uri in OpenSIPS 3.0. Edits go into <see cref="ScriptContext.Edits"/> against the original bytes,
/// so, as in OpenSIPS, what a function sees is the message as received, not as edited so far.
/// </summary>
/// <remarks>
/// Provided: <c>append_hf</c>, <c>insert_hf</c>, <c>append_urihf</c>, <c>remove_hf</c>, <c>remove_hf_re</c>,
/// <c>remove_hf_glob</c>, <c>is_present_hf</c>, <c>append_to_reply</c>, <c>append_time</c>, <c>is_method</c>,
/// <c>has_body</c>/<c>has_body_part</c>, <c>has_totag</c>, <c>ruri_has_param</c>, <c>ruri_add_param</c>,
/// <c>ruri_del_param</c>, <c>ruri_tel2sip</c>, <c>is_uri_user_e164</c>. Not yet: SDP/codec functions, body-part editing,
/// <c>is_audio_on_hold</c>, <c>is_privacy</c>, <c>sipmsg_validate</c>, <c>change_reply_status</c>, the list_hdr family.
/// </remarks>
public sealed class SipMsgOpsModule : ScriptModule
{
    /// <summary>REQUEST|ONREPLY|FAILURE|BRANCH|LOCAL: where OpenSIPS allows most of these functions.</summary>
    private const RouteMask MessageRoutes = RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local;

    private const RouteMask RequestUriRoutes = RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Local;

    public override string Name => "sipmsgops";

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Add(registry, "append_to_reply", 1, 1, RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Error, BindAppendToReply);
        Add(registry, "append_hf", 1, 2, MessageRoutes, b => BindAddHf(b, append: true));
        Add(registry, "insert_hf", 1, 2, MessageRoutes, b => BindAddHf(b, append: false));
        Add(registry, "append_urihf", 2, 2, RouteMask.Request | RouteMask.Failure | RouteMask.Branch, BindAppendUriHf);
        Add(registry, "remove_hf", 1, 1, MessageRoutes, BindRemoveHf);
        Add(registry, "remove_hf_re", 1, 1, MessageRoutes, BindRemoveHfRe);
        Add(registry, "remove_hf_glob", 1, 1, MessageRoutes, BindRemoveHfGlob);
        Add(registry, "is_present_hf", 1, 1, MessageRoutes, BindIsPresentHf);
        Add(registry, "append_time", 0, 0, RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Local, _ => AppendTime);
        Add(registry, "is_method", 1, 1, MessageRoutes, BindIsMethod);
        Add(registry, "has_body", 0, 1, MessageRoutes, BindHasBody);
        Add(registry, "has_body_part", 0, 1, MessageRoutes, BindHasBody);
        Add(registry, "has_totag", 0, 0, MessageRoutes, _ => context => HasToTag(context.Msg));
        Add(registry, "ruri_has_param", 1, 2, RequestUriRoutes, BindRuriHasParam);
        Add(registry, "ruri_add_param", 1, 1, RequestUriRoutes, b => BindRuriEdit(b, RequestUriOps.AddParam));
        Add(registry, "ruri_del_param", 1, 1, RequestUriRoutes, b => BindRuriEdit(b, RequestUriOps.DelParam));
        Add(registry, "ruri_tel2sip", 0, 0, RequestUriRoutes, _ => RuriTel2Sip);
        Add(registry, "is_uri_user_e164", 1, 1, RouteMask.Request | RouteMask.Failure | RouteMask.Local, BindIsUriUserE164);
    }

    /// <summary>
    /// <c>append_hf(text[, anchor])</c>: adds <paramref name="text"/>, which holds whole header lines with their CRLFs,
    /// after the first <paramref name="anchor"/> header, or at the end of the header section when there is no anchor or
    /// no such header (OpenSIPS's fallback).
    /// </summary>
    public int AppendHf(ScriptContext context, string text, string? anchor = null) => AddHf(context, text, anchor, append: true);

    /// <summary><c>insert_hf(text[, anchor])</c>: like <see cref="AppendHf"/>, before the anchor or before the first header.</summary>
    public int InsertHf(ScriptContext context, string text, string? anchor = null) => AddHf(context, text, anchor, append: false);

    /// <summary><c>append_urihf(prefix, suffix)</c>: appends prefix + the request's original Request-URI + suffix.</summary>
    public int AppendUriHf(ScriptContext context, string prefix, string suffix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(suffix);
        return AppendUriHf(context, Encoding.UTF8.GetBytes(prefix), Encoding.UTF8.GetBytes(suffix));
    }

    /// <summary><c>remove_hf(name)</c>: removes every header of that name (compact forms included); -1 when there was none.</summary>
    public int RemoveHf(ScriptContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = HeaderName.TryCreate(Encoding.UTF8.GetBytes(name)) ?? throw new ArgumentException($"'{name}' is not a header name.", nameof(name));
        return RemoveHf(context, header.Kind, header.Name);
    }

    /// <summary><c>remove_hf_re(re)</c>: removes every header whose name (as written) matches.</summary>
    public int RemoveHfRe(ScriptContext context, Regex regex)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        var message = context.Msg;
        var count = 0;
        Span<char> chars = stackalloc char[256];
        foreach (ref readonly var h in message.Headers)
        {
            var name = message[h.Name];
            if (name.Length > chars.Length)
            {
                continue;
            }

            for (var i = 0; i < name.Length; i++)
            {
                chars[i] = (char)name[i];
            }

            if (regex.IsMatch(chars[..name.Length]) && TryDelete(context.Edits, h.Line))
            {
                count++;
            }
        }

        return count > 0 ? 1 : -1;
    }

    /// <summary><c>remove_hf_glob(pattern)</c>: removes every header whose name matches the shell pattern, case-insensitively.</summary>
    public int RemoveHfGlob(ScriptContext context, string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return RemoveHfGlob(context, Encoding.UTF8.GetBytes(pattern));
    }

    /// <summary><c>is_present_hf(name)</c>: whether the message has a header of that name (compact forms included).</summary>
    public int IsPresentHf(SipMessage message, string name)
    {
        ArgumentNullException.ThrowIfNull(message);
        var header = HeaderName.TryCreate(Encoding.UTF8.GetBytes(name)) ?? throw new ArgumentException($"'{name}' is not a header name.", nameof(name));
        return IsPresentHf(message, header.Kind, header.Name);
    }

    /// <summary><c>append_to_reply(text)</c>: header lines (with their CRLFs) for the replies the proxy sends to this request.</summary>
    public int AppendToReply(ScriptContext context, string text)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.ReplyHeaders.Append(text);
        return 1;
    }

    /// <summary><c>append_time()</c>: a <c>Date</c> header (RFC 3261 §20.17, rfc1123-date in GMT) for local replies.</summary>
    public int AppendTime(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = context.Time.GetUtcNow();
        context.ReplyHeaders.Append(CultureInfo.InvariantCulture, $"Date: {now:ddd, dd MMM yyyy HH:mm:ss} GMT\r\n");
        return 1;
    }

    /// <summary><c>is_method("INVITE|BYE")</c>: the request's method, or a reply's CSeq method, is one of them.</summary>
    public int IsMethod(SipMessage message, string methods)
    {
        var set = MethodSet.TryParse(methods, out var error) ?? throw new ArgumentException(error, nameof(methods));
        return set.Matches(message) ? 1 : -1;
    }

    /// <summary><c>has_body([mime])</c>: a non-empty body, of the given <c>type/subtype</c> when one is given.</summary>
    public int HasBody(SipMessage message, string? mime = null) =>
        BodyTypes.HasBody(message, mime is null ? default : Encoding.UTF8.GetBytes(mime)) ? 1 : -1;

    /// <summary><c>has_totag()</c>: the To header has a non-empty tag (the request is inside a dialog, RFC 3261 §12.2).</summary>
    public int HasToTag(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.TryGetTo(out var to) && to.HasTag && to.Tag.Length > 0 ? 1 : -1;
    }

    /// <summary><c>ruri_has_param(name[, value])</c>.</summary>
    public int RuriHasParam(ScriptContext context, string name, string? value = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        return RequestUriOps.HasParam(context, Encoding.UTF8.GetBytes(name), value is null ? default : Encoding.UTF8.GetBytes(value), value is not null) ? 1 : -1;
    }

    /// <summary><c>ruri_add_param("name=value")</c>.</summary>
    public int RuriAddParam(ScriptContext context, string param)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(param);
        return RequestUriOps.AddParam(context, Encoding.UTF8.GetBytes(param)) ? 1 : -1;
    }

    /// <summary><c>ruri_del_param(name)</c>.</summary>
    public int RuriDelParam(ScriptContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(name);
        return RequestUriOps.DelParam(context, Encoding.UTF8.GetBytes(name)) ? 1 : -1;
    }

    /// <summary><c>ruri_tel2sip()</c>.</summary>
    public int RuriTel2Sip(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RequestUriOps.TelToSip(context) ? 1 : -1;
    }

    /// <summary><c>is_uri_user_e164(uri)</c>.</summary>
    public int IsUriUserE164(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return RequestUriOps.IsUserE164(Encoding.UTF8.GetBytes(uri)) ? 1 : -1;
    }

    internal static int AddHf(ScriptContext context, ReadOnlySpan<byte> text, bool append, HeaderKind anchorKind, ReadOnlySpan<byte> anchorName, bool hasAnchor)
    {
        var message = context.Msg;
        var headers = message.Headers;
        var anchor = -1;
        if (hasAnchor)
        {
            for (var i = 0; i < headers.Length; i++)
            {
                if (HeaderName.Matches(message, headers[i], anchorKind, anchorName))
                {
                    anchor = i;
                    break;
                }
            }
        }

        var position = append
            ? anchor < 0 ? message.HeadersEnd : headers[anchor].Line.End
            : anchor < 0 ? message.HeadersStart : headers[anchor].Line.Start;
        if (context.Edits.Overlaps(new ByteRange(position, 0)))
        {
            return -1; // inside text another function already replaced
        }

        context.Edits.InsertLines(position, text);
        return 1;
    }

    internal static int RemoveHf(ScriptContext context, HeaderKind kind, ReadOnlySpan<byte> name)
    {
        var message = context.Msg;
        var count = 0;
        foreach (ref readonly var h in message.Headers)
        {
            if (HeaderName.Matches(message, h, kind, name) && TryDelete(context.Edits, h.Line))
            {
                count++;
            }
        }

        return count > 0 ? 1 : -1;
    }

    internal static int RemoveHfGlob(ScriptContext context, ReadOnlySpan<byte> pattern)
    {
        var message = context.Msg;
        var count = 0;
        foreach (ref readonly var h in message.Headers)
        {
            if (Glob.IsMatch(pattern, message[h.Name]) && TryDelete(context.Edits, h.Line))
            {
                count++;
            }
        }

        return count > 0 ? 1 : -1;
    }

    internal static int IsPresentHf(SipMessage message, HeaderKind kind, ReadOnlySpan<byte> name)
    {
        foreach (ref readonly var h in message.Headers)
        {
            if (HeaderName.Matches(message, h, kind, name))
            {
                return 1;
            }
        }

        return -1;
    }

    /// <summary>Deletes a header line unless something already edited it (a header removed twice counts once, as in OpenSIPS).</summary>
    private static bool TryDelete(Parley.Protocol.Writing.SipMessageEditor edits, ByteRange line)
    {
        if (edits.Overlaps(line))
        {
            return false;
        }

        edits.Delete(line);
        return true;
    }

    private static int AppendUriHf(ScriptContext context, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> suffix)
    {
        var message = context.Msg;
        if (!message.IsRequest)
        {
            return -1;
        }

        var uri = message[message.RequestUri];
        var text = ScriptText.Buffer(context, 3, prefix.Length + uri.Length + suffix.Length);
        prefix.CopyTo(text);
        uri.CopyTo(text[prefix.Length..]);
        suffix.CopyTo(text[(prefix.Length + uri.Length)..]);
        return AddHf(context, text[..(prefix.Length + uri.Length + suffix.Length)], append: true, HeaderKind.Other, default, hasAnchor: false);
    }

    private int AddHf(ScriptContext context, string text, string? anchor, bool append)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(text);
        if (anchor is null)
        {
            return AddHf(context, Encoding.UTF8.GetBytes(text), append, HeaderKind.Other, default, hasAnchor: false);
        }

        var name = HeaderName.TryCreate(Encoding.UTF8.GetBytes(anchor)) ?? throw new ArgumentException($"'{anchor}' is not a header name.", nameof(anchor));
        return AddHf(context, Encoding.UTF8.GetBytes(text), append, name.Kind, name.Name, hasAnchor: true);
    }

    private void Add(ScriptRegistry registry, string name, int min, int max, RouteMask routes, Func<FunctionBinder, ScriptFunctionBody?> bind) =>
        registry.AddFunction(new ScriptFunctionDefinition(name, min, max, routes, bind) { Module = Name });

    private static ScriptFunctionBody? BindAppendToReply(FunctionBinder binder)
    {
        var argument = binder.Argument(0);
        if (argument is null)
        {
            binder.Error(0, "append_to_reply() needs the header text");
            return null;
        }

        var evaluate = argument.Evaluate;
        return context =>
        {
            context.ReplyHeaders.Append(context.GetChars(evaluate(context)));
            return 1;
        };
    }

    private static ScriptFunctionBody? BindAddHf(FunctionBinder binder, bool append)
    {
        var text = TextArgument.Bind(binder, 0);
        if (text is null)
        {
            return null;
        }

        if (binder.IsMissing(1))
        {
            return context => AddHf(context, text.Get(context, 0), append, HeaderKind.Other, default, hasAnchor: false);
        }

        var anchor = HeaderNameArgument.Bind(binder, 1);
        if (anchor is null)
        {
            return null;
        }

        return context => anchor.TryResolve(context, out var kind, out var name)
            ? AddHf(context, text.Get(context, 0), append, kind, name, hasAnchor: true)
            : -1;
    }

    private static ScriptFunctionBody? BindAppendUriHf(FunctionBinder binder)
    {
        var prefix = TextArgument.Bind(binder, 0);
        var suffix = TextArgument.Bind(binder, 1);
        if (prefix is null || suffix is null)
        {
            return null;
        }

        return context => AppendUriHf(context, prefix.Get(context, 0), suffix.Get(context, 1));
    }

    private static ScriptFunctionBody? BindRemoveHf(FunctionBinder binder)
    {
        var name = HeaderNameArgument.Bind(binder, 0);
        return name is null ? null : context => name.TryResolve(context, out var kind, out var n) ? RemoveHf(context, kind, n) : -1;
    }

    private ScriptFunctionBody? BindRemoveHfRe(FunctionBinder binder)
    {
        var regex = RegexArgument.Bind(binder, 0);
        return regex is null ? null : context => regex.Get(context) is { } re ? RemoveHfRe(context, re) : -1;
    }

    private static ScriptFunctionBody? BindRemoveHfGlob(FunctionBinder binder)
    {
        var pattern = TextArgument.Bind(binder, 0);
        return pattern is null ? null : context => RemoveHfGlob(context, pattern.Get(context, 0));
    }

    private static ScriptFunctionBody? BindIsPresentHf(FunctionBinder binder)
    {
        var name = HeaderNameArgument.Bind(binder, 0);
        return name is null ? null : context => name.TryResolve(context, out var kind, out var n) ? IsPresentHf(context.Msg, kind, n) : -1;
    }

    private static ScriptFunctionBody? BindIsMethod(FunctionBinder binder)
    {
        var argument = binder.Argument(0);
        if (argument is null)
        {
            binder.Error(0, "is_method() needs method names");
            return null;
        }

        if (!argument.IsConstant)
        {
            var evaluate = argument.Evaluate;
            return context => MethodSet.TryParse(evaluate(context).AsString(), out _) is { } dynamic && dynamic.Matches(context.Msg) ? 1 : -1;
        }

        var set = MethodSet.TryParse(argument.Constant.AsString(), out var error);
        if (set is null)
        {
            binder.Error(0, error);
            return null;
        }

        return context => set.Matches(context.Msg) ? 1 : -1;
    }

    private static ScriptFunctionBody? BindHasBody(FunctionBinder binder)
    {
        if (binder.IsMissing(0))
        {
            return context => BodyTypes.HasBody(context.Msg, default) ? 1 : -1;
        }

        var mime = TextArgument.Bind(binder, 0);
        if (mime is null)
        {
            return null;
        }

        if (mime.ConstantText is { } constant && !BodyTypes.IsMediaType(Encoding.UTF8.GetBytes(constant)))
        {
            binder.Error(0, $"'{constant}' is not a mime type (type/subtype)");
            return null;
        }

        return context => BodyTypes.HasBody(context.Msg, mime.Get(context, 0)) ? 1 : -1;
    }

    private static ScriptFunctionBody? BindRuriHasParam(FunctionBinder binder)
    {
        var name = TextArgument.Bind(binder, 0);
        if (name is null)
        {
            return null;
        }

        if (binder.IsMissing(1))
        {
            return context => RequestUriOps.HasParam(context, name.Get(context, 0), default, withValue: false) ? 1 : -1;
        }

        var value = TextArgument.Bind(binder, 1);
        return value is null ? null : context => RequestUriOps.HasParam(context, name.Get(context, 0), value.Get(context, 1), withValue: true) ? 1 : -1;
    }

    internal static ScriptFunctionBody? BindRuriEdit(FunctionBinder binder, RuriEdit edit)
    {
        var argument = TextArgument.Bind(binder, 0);
        return argument is null ? null : context => edit(context, argument.Get(context, 0)) ? 1 : -1;
    }

    private static ScriptFunctionBody? BindIsUriUserE164(FunctionBinder binder)
    {
        var uri = TextArgument.Bind(binder, 0);
        return uri is null ? null : context => RequestUriOps.IsUserE164(uri.Get(context, 0)) ? 1 : -1;
    }

    internal delegate bool RuriEdit(ScriptContext context, ReadOnlySpan<byte> argument);
}
