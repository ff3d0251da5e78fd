using System.Text;
using System.Text.RegularExpressions;
using Parley.Modules.Common;
using Parley.Protocol;
using Parley.Scripting.Runtime;

namespace Parley.Modules.TextOps;

/// <summary>
/// OpenSIPS's <c>textops</c> module: regular-expression search and rewrite over the message text. Regexes are POSIX
/// extended, compiled when the call is bound (<see cref="PosixRegex"/>). Searches read the message as received;
/// rewrites become <see cref="ScriptContext.Edits"/> on the original bytes (never inside the first line, as in
/// OpenSIPS, except <c>subst_uri</c>/<c>subst_user</c>, which set a new Request-URI). A rewrite whose bytes another
/// function already edited is skipped rather than made to overlap. Content-Length follows body edits.
/// </summary>
/// <remarks>
/// Provided: <c>search</c>, <c>search_body</c>, <c>search_append</c>, <c>search_append_body</c>, <c>replace</c>,
/// <c>replace_all</c>, <c>replace_body</c>, <c>replace_body_all</c>, <c>subst</c>, <c>subst_uri</c>,
/// <c>subst_user</c>, <c>subst_body</c>. Not yet: <c>replace_body_atonce</c>.
/// </remarks>
public sealed class TextOpsModule : ScriptModule
{
    private const RouteMask MessageRoutes = RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local;

    private const RouteMask UriRoutes = RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch;

    private static readonly ContextSlot<MatchList> Matches = new();

    public override string Name => "textops";

    /// <summary>A regex as a textops function compiles its argument: extended, case-insensitive, newline-sensitive.</summary>
    public static Regex CompileRegex(string pattern) =>
        PosixRegex.TryCreate(pattern, ignoreCase: true, newline: true, out var error) ?? throw new ArgumentException(error, nameof(pattern));

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Add(registry, "search", 1, MessageRoutes, b => BindRegex(b, (c, re) => Search(c, re)));
        Add(registry, "search_body", 1, MessageRoutes, b => BindRegex(b, (c, re) => SearchBody(c, re)));
        Add(registry, "search_append", 2, MessageRoutes, b => BindRegexText(b, body: false, SearchAppend));
        Add(registry, "search_append_body", 2, MessageRoutes, b => BindRegexText(b, body: true, SearchAppend));
        Add(registry, "replace", 2, MessageRoutes, b => BindRegexText(b, body: false, (c, re, t, body) => Replace(c, re, t, body, all: false)));
        Add(registry, "replace_all", 2, MessageRoutes, b => BindRegexText(b, body: false, (c, re, t, body) => Replace(c, re, t, body, all: true)));
        Add(registry, "replace_body", 2, MessageRoutes, b => BindRegexText(b, body: true, (c, re, t, body) => Replace(c, re, t, body, all: false)));
        Add(registry, "replace_body_all", 2, MessageRoutes, b => BindRegexText(b, body: true, (c, re, t, body) => Replace(c, re, t, body, all: true)));
        Add(registry, "subst", 1, MessageRoutes, b => BindSubst(b, SubstTarget.Message));
        Add(registry, "subst_body", 1, MessageRoutes, b => BindSubst(b, SubstTarget.Body));
        Add(registry, "subst_uri", 1, UriRoutes, b => BindSubst(b, SubstTarget.Uri));
        Add(registry, "subst_user", 1, UriRoutes, b => BindSubst(b, SubstTarget.User));
    }

    private enum SubstTarget
    {
        Message,
        Body,
        Uri,
        User,
    }

    /// <summary><c>search(re)</c>: whether the regex matches anywhere in the message, first line included.</summary>
    public int Search(ScriptContext context, Regex regex)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        var text = MessageText.Of(context, context.Msg);
        try
        {
            return regex.IsMatch(text) ? 1 : -1;
        }
        catch (RegexMatchTimeoutException)
        {
            return -1;
        }
    }

    /// <summary><c>search_body(re)</c>: whether the regex matches in the body; -1 for an empty body.</summary>
    public int SearchBody(ScriptContext context, Regex regex)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        var message = context.Msg;
        if (message.Body.Length == 0)
        {
            return -1;
        }

        var text = MessageText.Of(context, message);
        try
        {
            return regex.IsMatch(text.AsSpan(message.Body.Start - message.Start, message.Body.Length)) ? 1 : -1;
        }
        catch (RegexMatchTimeoutException)
        {
            return -1;
        }
    }

    /// <summary><c>search_append(re, text)</c> (<paramref name="body"/>: <c>search_append_body</c>): inserts text after the first match.</summary>
    public int SearchAppend(ScriptContext context, Regex regex, string text, bool body = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SearchAppend(context, regex, Encoding.UTF8.GetBytes(text), body);
    }

    /// <summary>
    /// <c>replace(re, text)</c> / <c>replace_all</c> (<paramref name="all"/>) and their <c>_body</c> forms
    /// (<paramref name="body"/>): replaces the first or every match after the first line (or in the body). A regex that
    /// matches the empty string is an error for <c>_all</c>, as in OpenSIPS.
    /// </summary>
    public int Replace(ScriptContext context, Regex regex, string text, bool body = false, bool all = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Replace(context, regex, Encoding.UTF8.GetBytes(text), body, all);
    }

    /// <summary><c>subst('/re/repl/flags')</c> over the headers and body (not the first line).</summary>
    public int Subst(ScriptContext context, string expression) => RunTyped(context, expression, SubstTarget.Message);

    /// <summary><c>subst_body('/re/repl/flags')</c> over the body.</summary>
    public int SubstBody(ScriptContext context, string expression) => RunTyped(context, expression, SubstTarget.Body);

    /// <summary><c>subst_uri('/re/repl/flags')</c>: rewrites the current Request-URI.</summary>
    public int SubstUri(ScriptContext context, string expression) => RunTyped(context, expression, SubstTarget.Uri);

    /// <summary><c>subst_user('/re/repl/flags')</c>: rewrites the user part of the current Request-URI (an empty result removes it).</summary>
    public int SubstUser(ScriptContext context, string expression) => RunTyped(context, expression, SubstTarget.User);

    internal static int SearchAppend(ScriptContext context, Regex regex, ReadOnlySpan<byte> data, bool body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        var message = context.Msg;
        if (!TryGetRegion(message, body, out var begin, out var length))
        {
            return -1;
        }

        var matches = Collect(context, regex, MessageText.Of(context, message), begin, length, all: false, failOnEmpty: false);
        if (matches is null)
        {
            return -1;
        }

        var match = matches[0];
        var position = message.Start + match.Index + match.Length;
        if (context.Edits.Overlaps(new ByteRange(position, 0)))
        {
            return -1;
        }

        context.Edits.Insert(position, data);
        return 1;
    }

    internal static int Replace(ScriptContext context, Regex regex, ReadOnlySpan<byte> data, bool body, bool all)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(regex);
        var message = context.Msg;
        if (!TryGetRegion(message, body, out var begin, out var length))
        {
            return -1;
        }

        var matches = Collect(context, regex, MessageText.Of(context, message), begin, length, all, failOnEmpty: all);
        if (matches is null)
        {
            return -1;
        }

        var applied = 0;
        foreach (var match in matches)
        {
            var range = new ByteRange(message.Start + match.Index, match.Length);
            if (!context.Edits.Overlaps(range))
            {
                context.Edits.Replace(range, data);
                applied++;
            }
        }

        return applied > 0 ? 1 : -1;
    }

    private static int Subst(ScriptContext context, Regex regex, bool global, SubstExpression.Token[] replacement, SubstTarget target)
    {
        var message = context.Msg;
        switch (target)
        {
            case SubstTarget.Uri:
                return SubstRequestUri(context, regex, global, replacement, userOnly: false);
            case SubstTarget.User:
                return SubstRequestUri(context, regex, global, replacement, userOnly: true);
        }

        if (!TryGetRegion(message, target == SubstTarget.Body, out var begin, out var length))
        {
            return -1;
        }

        // Every match is found (and checked) before anything is edited: an empty match fails the whole call.
        var matches = Collect(context, regex, MessageText.Of(context, message), begin, length, global, failOnEmpty: true);
        if (matches is null)
        {
            return -1;
        }

        var applied = 0;
        foreach (var match in matches)
        {
            var range = new ByteRange(message.Start + match.Index, match.Length);
            if (context.Edits.Overlaps(range))
            {
                continue;
            }

            var buffer = ScriptText.Buffer(context, 3, SubstExpression.ReplacementLength(context, replacement, match));
            var n = SubstExpression.WriteReplacement(context, replacement, match, buffer);
            context.Edits.Replace(range, buffer[..n]);
            applied++;
        }

        return applied > 0 ? 1 : -1;
    }

    /// <summary>subst_uri / subst_user: the substitution runs on a string and the result becomes the Request-URI.</summary>
    private static int SubstRequestUri(ScriptContext context, Regex regex, bool global, SubstExpression.Token[] replacement, bool userOnly)
    {
        var message = context.Msg;
        if (!message.IsRequest)
        {
            return -1;
        }

        var uriText = context.RequestUriText;
        int start = 0, end = uriText.Length;
        var addAt = false;
        if (userOnly)
        {
            if (!context.TryGetRequestUri(out var uri) || uri.Scheme is not (Protocol.Uri.UriScheme.Sip or Protocol.Uri.UriScheme.Sips))
            {
                return -1;
            }

            var offset = context.RequestUriChanged ? 0 : message.RequestUri.Start;
            if (uri.HasUserInfo)
            {
                start = uri.User.Start - offset;
                end = start + uri.User.Length;
            }
            else
            {
                start = end = uri.SchemeRange.End - offset + 1; // right after "sip:"
                addAt = true;
            }
        }

        var input = Encoding.Latin1.GetString(uriText[start..end]);
        var matches = Collect(context, regex, input, 0, input.Length, global, failOnEmpty: true);
        if (matches is null)
        {
            return -1;
        }

        // New part: unmatched text copied, each match replaced.
        var size = input.Length;
        foreach (var match in matches)
        {
            size += SubstExpression.ReplacementLength(context, replacement, match) - match.Length;
        }

        var part = ScriptText.Buffer(context, 2, size);
        var n = 0;
        var copied = 0;
        foreach (var match in matches)
        {
            n += Encoding.Latin1.GetBytes(input.AsSpan(copied, match.Index - copied), part[n..]);
            n += SubstExpression.WriteReplacement(context, replacement, match, part[n..]);
            copied = match.Index + match.Length;
        }

        n += Encoding.Latin1.GetBytes(input.AsSpan(copied), part[n..]);
        var newPart = part[..n];

        // The new Request-URI: what precedes the part, the part, and what follows it. A user rewritten to nothing takes
        // its '@' with it (when there is no password); a user added to a URI that had none brings one.
        var tail = uriText[end..];
        if (userOnly && !addAt && newPart.IsEmpty && tail.Length > 0 && tail[0] == (byte)'@')
        {
            tail = tail[1..];
        }

        var needAt = addAt && !newPart.IsEmpty;
        var result = ScriptText.Buffer(context, 3, start + newPart.Length + (needAt ? 1 : 0) + tail.Length);
        uriText[..start].CopyTo(result);
        var r = start;
        newPart.CopyTo(result[r..]);
        r += newPart.Length;
        if (needAt)
        {
            result[r++] = (byte)'@';
        }

        tail.CopyTo(result[r..]);
        r += tail.Length;
        context.SetRequestUri(result[..r]);
        return 1;
    }

    /// <summary>
    /// The matches of <paramref name="regex"/> in <paramref name="text"/>[begin, begin+length), the first or all; null when
    /// there is none, when one is empty and <paramref name="failOnEmpty"/> (OpenSIPS: "matched string is empty... invalid
    /// regexp?"), or when matching timed out. The list is reused per context.
    /// </summary>
    private static List<Match>? Collect(ScriptContext context, Regex regex, string text, int begin, int length, bool all, bool failOnEmpty)
    {
        var list = context.GetState(Matches).Items;
        list.Clear();
        try
        {
            var match = regex.Match(text, begin, length);
            while (match.Success)
            {
                if (match.Length == 0 && failOnEmpty)
                {
                    list.Clear();
                    return null;
                }

                list.Add(match);
                if (!all)
                {
                    break;
                }

                match = match.NextMatch();
            }
        }
        catch (RegexMatchTimeoutException)
        {
            list.Clear();
            return null;
        }

        return list.Count > 0 ? list : null;
    }

    /// <summary>Where rewrites apply: after the first line (as OpenSIPS, so the Request-URI is left to its own functions), or the body.</summary>
    private static bool TryGetRegion(SipMessage message, bool body, out int begin, out int length)
    {
        if (body)
        {
            begin = message.Body.Start - message.Start;
            length = message.Body.Length;
            return length > 0;
        }

        begin = message.HeadersStart - message.Start;
        length = message.End - message.HeadersStart;
        return true;
    }

    private int RunTyped(ScriptContext context, string expression, SubstTarget target)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parsed = SubstExpression.TryParse(expression, out var error) ?? throw new ArgumentException(error, nameof(expression));
        return Subst(context, parsed.Regex, parsed.Global, parsed.Replacement, target);
    }

    private void Add(ScriptRegistry registry, string name, int args, RouteMask routes, Func<FunctionBinder, ScriptFunctionBody?> bind) =>
        registry.AddFunction(new ScriptFunctionDefinition(name, args, args, routes, bind) { Module = Name });

    private static ScriptFunctionBody? BindRegex(FunctionBinder binder, Func<ScriptContext, Regex, int> run)
    {
        var regex = RegexArgument.Bind(binder, 0);
        return regex is null ? null : context => regex.Get(context) is { } re ? run(context, re) : -1;
    }

    private delegate int RegexTextFunction(ScriptContext context, Regex regex, ReadOnlySpan<byte> text, bool body);

    private static ScriptFunctionBody? BindRegexText(FunctionBinder binder, bool body, RegexTextFunction run)
    {
        var regex = RegexArgument.Bind(binder, 0);
        var text = TextArgument.Bind(binder, 1);
        if (regex is null || text is null)
        {
            return null;
        }

        return context => regex.Get(context) is { } re ? run(context, re, text.Get(context, 0), body) : -1;
    }

    private static ScriptFunctionBody? BindSubst(FunctionBinder binder, SubstTarget target)
    {
        var argument = SubstArgument.Bind(binder);
        if (argument is null)
        {
            return null;
        }

        return context => argument.TryGet(context, out var regex, out var global, out var replacement)
            ? Subst(context, regex, global, replacement, target)
            : -1;
    }

    private sealed class MatchList : IContextState
    {
        public List<Match> Items { get; } = [];

        public void Reset() => Items.Clear();
    }
}
