using Parley.Modules.Common;
using Parley.Modules.SipMsgOps;
using Parley.Modules.Tests.TestSupport;
using Parley.Modules.TextOps;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.TextOps;

public sealed class TextOpsModuleTests
{
    private const string Headers = """
        INVITE sip:bob@example.com;transport=udp SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1
        Max-Forwards: 70
        From: Alice <sip:alice@example.com>;tag=1
        To: Bob <sip:bob@example.com>
        Call-ID: c1@10.0.0.1
        CSeq: 1 INVITE
        X-Custom: one
        Subject: hi
        x-custom: two
        Content-Type: application/sdp
        """;

    private readonly TestHost _host = new();
    private readonly TextOpsModule _text = new();
    private readonly ScriptRegistry _registry = new();

    public TextOpsModuleTests() => _text.Register(_registry);

    private ScriptContext Begin(string headers = Headers, string body = "v=0\n")
    {
        var crlfBody = TestHost.Sip(body);
        return _host.Begin(TestHost.Sip(headers) + $"\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(crlfBody)}\r\n\r\n" + crlfBody);
    }

    private static System.Text.RegularExpressions.Regex Re(string pattern) => TextOpsModule.CompileRegex(pattern);

    [Theory]
    [InlineData("^INVITE sip:", 1)]
    [InlineData("BOB@EXAMPLE", 1)]
    [InlineData("^CSeq: 1 INVITE\r$", 1)]
    [InlineData("^v=0", 1)]
    [InlineData("carol", -1)]
    public void Search_WholeMessage_CaseInsensitiveLineAnchors(string pattern, int expected)
    {
        Assert.Equal(expected, _text.Search(Begin(), Re(pattern)));
    }

    [Fact]
    public void SearchBody_OnlyTheBody()
    {
        Assert.Equal(1, _text.SearchBody(Begin(), Re("^v=0")));
        Assert.Equal(-1, _text.SearchBody(Begin(), Re("INVITE")));
        Assert.Equal(-1, _text.SearchBody(Begin(body: ""), Re(".")));
    }

    [Fact]
    public void SearchAppend_InsertsAfterTheFirstMatch()
    {
        Assert.Equal(1, _text.SearchAppend(Begin(), Re("Subject: hi"), " there"));

        Assert.Contains("\r\nSubject: hi there\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Replace_FirstMatchAfterTheFirstLine()
    {
        Assert.Equal(1, _text.Replace(Begin(), Re("bob@"), "carol@")); // case-insensitive: "Bob" alone would match the display name

        var edited = _host.Edited();
        Assert.StartsWith("INVITE sip:bob@example.com;transport=udp SIP/2.0\r\n", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: Bob <sip:carol@example.com>\r\n", edited, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplaceAll_EveryMatch()
    {
        Assert.Equal(1, _text.Replace(Begin(), Re("custom"), "Other", all: true));

        var edited = _host.Edited();
        Assert.Contains("\r\nX-Other: one\r\n", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nx-Other: two\r\n", edited, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplaceAll_EmptyMatch_FailsWithoutEditing()
    {
        Assert.Equal(-1, _text.Replace(Begin(), Re("q*"), "z", all: true));
        Assert.Equal(0, _host.Editor.EditCount);
    }

    [Fact]
    public void ReplaceBody_LongerText_UpdatesContentLength()
    {
        Assert.Equal(1, _text.Replace(Begin(), Re("v=0"), "v=10", body: true));

        var edited = _host.Edited();
        Assert.EndsWith("\r\nContent-Length: 6\r\n\r\nv=10\r\n", edited, StringComparison.Ordinal);
        TestHost.Parse(edited);
    }

    [Fact]
    public void ReplaceBodyAll_EveryMatchInTheBodyOnly()
    {
        var context = Begin(body: "v=0\no=x 1 1 IN IP4 10.0.0.1\nc=IN IP4 10.0.0.1\n");

        Assert.Equal(1, _text.Replace(context, Re("10\\.0\\.0\\.1"), "192.0.2.99", body: true, all: true));

        var edited = _host.Edited();
        Assert.Contains("Via: SIP/2.0/UDP 10.0.0.1:5062", edited, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nv=0\r\no=x 1 1 IN IP4 192.0.2.99\r\nc=IN IP4 192.0.2.99\r\n", edited, StringComparison.Ordinal);
        var reparsed = TestHost.Parse(edited);
        Assert.Equal(reparsed.Body.Length, reparsed.ContentLength);
    }

    [Fact]
    public void Subst_GroupsInTheReplacement()
    {
        Assert.Equal(1, _text.Subst(Begin(), "/^Subject: ([a-z]+)/Subject: [\\1]/"));

        Assert.Contains("\r\nSubject: [hi]\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_CaseSensitiveUnlessI()
    {
        Assert.Equal(-1, _text.Subst(Begin(), "/subject/Topic/"));
        Assert.Equal(1, _text.Subst(Begin(), "/subject/Topic/i"));

        Assert.Contains("\r\nTopic: hi\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_GlobalFlag_ReplacesEveryMatchButNeverTheFirstLine()
    {
        Assert.Equal(1, _text.Subst(Begin(), "/bob/carol/g"));

        var edited = _host.Edited();
        Assert.StartsWith("INVITE sip:bob@example.com", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: Bob <sip:carol@example.com>\r\n", edited, StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_WithoutG_OnlyTheFirst()
    {
        _text.Subst(Begin(), "/custom/C/i");

        var edited = _host.Edited();
        Assert.Contains("\r\nX-C: one\r\n", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nx-custom: two\r\n", edited, StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_RequestUriEscapeAndOtherSeparator()
    {
        _text.Subst(Begin(), "#^Subject: hi#Subject: \\u#");

        Assert.Contains("\r\nSubject: sip:bob@example.com;transport=udp\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_EscapedSeparatorInRegexAndReplacement()
    {
        _text.Subst(Begin(), "/Content-Type: application\\/sdp/Content-Type: text\\/plain/");

        Assert.Contains("\r\nContent-Type: text/plain\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_IntoTheBody_FixesContentLength()
    {
        _text.Subst(Begin(), "/^v=0/v=123/");

        Assert.EndsWith("\r\nContent-Length: 7\r\n\r\nv=123\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_NonAsciiText_MatchesByBytes()
    {
        _text.Subst(Begin(Headers + "\nX-Name: Jos\u00e9 Garc\u00eda"), "/Jos\u00e9 (Garc\u00eda)/Jose \\1/");

        Assert.Contains("\r\nX-Name: Jose Garc\u00eda\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void Subst_EmptyMatch_FailsWithoutEditing()
    {
        Assert.Equal(-1, _text.Subst(Begin(), "/z*/y/g"));
        Assert.Equal(0, _host.Editor.EditCount);
    }

    [Fact]
    public void Subst_InsideARemovedHeader_IsSkippedAndTheMessageStaysValid()
    {
        var context = Begin();
        new SipMsgOpsModule().RemoveHf(context, "Subject");

        Assert.Equal(-1, _text.Subst(context, "/Subject: hi/Subject: bye/"));

        Assert.DoesNotContain("Subject", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void SubstBody_OnlyTheBody()
    {
        Assert.Equal(1, _text.SubstBody(Begin(body: "v=0\ns=INVITE\n"), "/INVITE/session/"));

        var edited = _host.Edited();
        Assert.StartsWith("INVITE sip:", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 1 INVITE\r\n", edited, StringComparison.Ordinal);
        Assert.EndsWith("\r\nContent-Length: 16\r\n\r\nv=0\r\ns=session\r\n", edited, StringComparison.Ordinal);
    }

    [Fact]
    public void SubstUri_RewritesTheRequestUri()
    {
        var context = Begin();

        Assert.Equal(1, _text.SubstUri(context, "/^sip:bob@([^;]+)/sip:alice@\\1/"));

        Assert.Equal("sip:alice@example.com;transport=udp", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
        Assert.Equal(0, _host.Editor.EditCount); // the new URI is written when the request is forwarded
    }

    [Fact]
    public void SubstUri_NoMatch_LeavesItAlone()
    {
        var context = Begin();

        Assert.Equal(-1, _text.SubstUri(context, "/^sips:/sip:/"));

        Assert.False(context.RequestUriChanged);
    }

    [Fact]
    public void SubstUser_RewritesOnlyTheUser()
    {
        var context = Begin();

        Assert.Equal(1, _text.SubstUser(context, "/^b(o)b$/r\\1b/"));

        Assert.Equal("sip:rob@example.com;transport=udp", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void SubstUser_EmptyResult_RemovesTheUserAndItsAt()
    {
        var context = Begin();

        _text.SubstUser(context, "/^bob$//");

        Assert.Equal("sip:example.com;transport=udp", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void SubstUser_AfterAnEarlierRewrite_SeesTheNewUri()
    {
        var context = Begin();
        context.SetRequestUri("sip:+15551234@gw.example.net");

        _text.SubstUser(context, "/^\\+1//");

        Assert.Equal("sip:5551234@gw.example.net", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void BindSubst_Constant_ParsedAtBindTime()
    {
        var body = FakeBinder.BindOk(_registry, "subst", "/^(To: .*)bob@/\\1carol@/");

        Assert.Equal(1, body(Begin()));
        Assert.Contains("\r\nTo: Bob <sip:carol@example.com>\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a/b")]
    [InlineData("/a/b/x")]
    [InlineData("/(a/b/")]
    [InlineData("ab")]
    [InlineData("\\a\\b\\")]
    public void BindSubst_BadExpression_IsReported(string expression)
    {
        var (body, binder) = FakeBinder.Bind(_registry, "subst", expression);

        Assert.Null(body);
        Assert.Single(binder.Errors);
    }

    [Fact]
    public void BindSubst_PseudoVariableInTheReplacement_EvaluatedPerCall()
    {
        var user = "carol";
        var body = FakeBinder.BindOk(_registry, "subst_user", FakeBinder.Variable(_ => ScriptValue.FromString($"/^bob$/{user}/"), "/^bob$/$var(u)/"));

        Assert.Equal(1, body(Begin()));
        Assert.Equal("sip:carol@example.com;transport=udp", System.Text.Encoding.UTF8.GetString(_host.Context.RequestUriText));
        user = "dave";
        Assert.Equal(1, body(Begin()));
        Assert.Equal("sip:dave@example.com;transport=udp", System.Text.Encoding.UTF8.GetString(_host.Context.RequestUriText));
    }

    [Fact]
    public void BindSearch_BadRegex_IsReported()
    {
        var (body, binder) = FakeBinder.Bind(_registry, "search", "[unclosed");

        Assert.Null(body);
        Assert.Single(binder.Errors);
    }

    [Fact]
    public void BindSearchAppend_ConstantArguments()
    {
        var body = FakeBinder.BindOk(_registry, "search_append", "^Subject: hi", ", ho");

        Assert.Equal(1, body(Begin()));
        Assert.Contains("\r\nSubject: hi, ho\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void BindSearch_VariableRegex_CompiledWhenItChanges()
    {
        var pattern = "^INVITE";
        var body = FakeBinder.BindOk(_registry, "search", FakeBinder.Variable(_ => ScriptValue.FromString(pattern)));

        Assert.Equal(1, body(Begin()));
        pattern = "^BYE";
        Assert.Equal(-1, body(Begin()));
        pattern = "(";
        Assert.Equal(-1, body(Begin()));
    }

    [Fact]
    public void PosixNewline_NegatedListDoesNotCrossLines()
    {
        var regex = TextOpsModule.CompileRegex("tag=[^;]*");

        Assert.Equal("tag=1", regex.Match("tag=1\nX: a;b").Value);
        Assert.Equal("[^\\n;]", PosixRegex.Translate("[^;]", newline: true));
        Assert.Equal("[^\\n]a-]", PosixRegex.Translate("[^]a-]", newline: true));
        Assert.Equal("\\[^x", PosixRegex.Translate("\\[^x", newline: true));
    }

    [Theory]
    [InlineData("search", 1, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("subst", 1, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("subst_uri", 1, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch)]
    [InlineData("subst_user", 1, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch)]
    [InlineData("replace_all", 2, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    public void Register_Functions_HaveOpenSipsArityAndRoutes(string name, int args, RouteMask routes)
    {
        Assert.True(_registry.TryGetFunction(name, out var definition));
        Assert.Equal((args, args, routes, "textops"), (definition.MinArgs, definition.MaxArgs, definition.AllowedIn, definition.Module));
    }
}
