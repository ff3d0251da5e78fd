using Parley.Modules.SipMsgOps;
using Parley.Modules.Sl;
using Parley.Modules.Tests.TestSupport;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.SipMsgOps;

public sealed class SipMsgOpsModuleTests
{
    private const string Headers = """
        INVITE sip:bob@example.com;transport=udp;lr SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1
        Max-Forwards: 70
        f: Alice <sip:alice@example.com>;tag=1
        To: Bob <sip:bob@example.com>
        Call-ID: c1@10.0.0.1
        CSeq: 1 INVITE
        X-Custom: one
        Subject: hi
        x-custom: two
        Content-Type: application/sdp
        """;

    private readonly TestHost _host = new();
    private readonly SipMsgOpsModule _ops = new();
    private readonly ScriptRegistry _registry = new();

    public SipMsgOpsModuleTests() => _ops.Register(_registry);

    private ScriptContext Begin(string headers = Headers, string body = "v=0\n") => _host.Begin(WithBody(headers, body));

    private static string WithBody(string headers, string body)
    {
        var crlfBody = TestHost.Sip(body);
        return TestHost.Sip(headers) + $"\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(crlfBody)}\r\n\r\n" + crlfBody;
    }

    [Fact]
    public void AppendHf_NoAnchor_AddsTheLinesBeforeTheEmptyLine()
    {
        Assert.Equal(1, _ops.AppendHf(Begin(), "X-New: 1\r\nX-Newer: 2\r\n"));

        Assert.EndsWith("Content-Length: 5\r\nX-New: 1\r\nX-Newer: 2\r\n\r\nv=0\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void AppendHf_Anchor_AddsAfterTheFirstMatchingHeader()
    {
        _ops.AppendHf(Begin(), "X-New: 1\r\n", "X-CUSTOM");

        Assert.Contains("\r\nX-Custom: one\r\nX-New: 1\r\nSubject: hi\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void AppendHf_AnchorByLongName_MatchesTheCompactForm()
    {
        _ops.AppendHf(Begin(), "P-Asserted-Identity: <sip:alice@example.com>\r\n", "From");

        Assert.Contains("\r\nf: Alice <sip:alice@example.com>;tag=1\r\nP-Asserted-Identity: <sip:alice@example.com>\r\nTo:", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void AppendHf_AnchorAbsent_FallsBackToTheEnd()
    {
        _ops.AppendHf(Begin(), "X-New: 1\r\n", "Route");

        Assert.EndsWith("\r\nX-New: 1\r\n\r\nv=0\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void InsertHf_NoAnchor_AddsBeforeTheFirstHeader()
    {
        _ops.InsertHf(Begin(), "X-First: 1\r\n");

        Assert.StartsWith("INVITE sip:bob@example.com;transport=udp;lr SIP/2.0\r\nX-First: 1\r\nVia:", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void InsertHf_Anchor_AddsBeforeTheFirstMatchingHeader()
    {
        _ops.InsertHf(Begin(), "X-Before: 1\r\n", "Subject");

        Assert.Contains("\r\nX-Custom: one\r\nX-Before: 1\r\nSubject: hi\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void BindAppendHf_PseudoVariableText_IsEvaluatedEachCall()
    {
        var body = FakeBinder.BindOk(_registry, "append_hf",
            FakeBinder.Variable(c => ScriptValue.FromString("X-Call: " + c.Msg.GetString(c.Msg.CallId) + "\r\n"), "X-Call: $ci\\r\\n"));

        Assert.Equal(1, body(Begin()));

        Assert.EndsWith("\r\nX-Call: c1@10.0.0.1\r\n\r\nv=0\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void BindInsertHf_ConstantAnchor_IsResolvedAtBindTime()
    {
        var body = FakeBinder.BindOk(_registry, "insert_hf", "X-A: 1\r\n", "CSeq");

        body(Begin());

        Assert.Contains("\r\nX-A: 1\r\nCSeq: 1 INVITE\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void AppendHf_UnterminatedDatagram_StillWritesWholeLines()
    {
        _host.Begin("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nX-Last: v");

        _ops.AppendHf(_host.Context, "X-New: 1\r\n");

        Assert.EndsWith("X-Last: v\r\nX-New: 1\r\n\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveHf_OtherHeader_RemovesEveryOneCaseInsensitively()
    {
        Assert.Equal(1, _ops.RemoveHf(Begin(), "X-CUSTOM"));

        var edited = _host.Edited();
        Assert.DoesNotContain("custom", edited, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nCSeq: 1 INVITE\r\nSubject: hi\r\nContent-Type:", edited, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("From")]
    [InlineData("f")]
    [InlineData("FROM")]
    public void RemoveHf_KnownHeader_MatchesCompactAndLongForms(string name)
    {
        Assert.Equal(1, _ops.RemoveHf(Begin(), name));

        Assert.DoesNotContain("Alice", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveHf_Absent_ReturnsMinusOne()
    {
        Assert.Equal(-1, _ops.RemoveHf(Begin(), "Route"));
        Assert.Equal(0, _host.Editor.EditCount);
    }

    [Fact]
    public void RemoveHf_Twice_SecondFindsNothingAndOutputStaysValid()
    {
        var context = Begin();

        Assert.Equal(1, _ops.RemoveHf(context, "Subject"));
        Assert.Equal(-1, _ops.RemoveHf(context, "s"));

        Assert.DoesNotContain("Subject", _host.Edited(), StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveHfRe_MatchesNamesAsWritten()
    {
        Assert.Equal(1, _ops.RemoveHfRe(Begin(), Parley.Modules.TextOps.TextOpsModule.CompileRegex("^x-")));

        Assert.DoesNotContain("custom", _host.Edited(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void BindRemoveHfRe_ConstantRegex_Works()
    {
        var body = FakeBinder.BindOk(_registry, "remove_hf_re", "^(Subject|X-Custom)$");

        Assert.Equal(1, body(Begin()));

        var edited = _host.Edited();
        Assert.DoesNotContain("Subject", edited, StringComparison.Ordinal);
        Assert.DoesNotContain("custom", edited, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void BindRemoveHfRe_BadRegex_IsReported()
    {
        var (body, binder) = FakeBinder.Bind(_registry, "remove_hf_re", "(unclosed");

        Assert.Null(body);
        Assert.Single(binder.Errors);
    }

    [Theory]
    [InlineData("x-*", 1)]
    [InlineData("X-C?stom", 1)]
    [InlineData("[sx]ubject", 1)]
    [InlineData("Y-*", -1)]
    public void RemoveHfGlob_ShellPattern_CaseInsensitive(string pattern, int expected)
    {
        Assert.Equal(expected, _ops.RemoveHfGlob(Begin(), pattern));
    }

    [Theory]
    [InlineData("From", 1)]
    [InlineData("f", 1)]
    [InlineData("x-custom", 1)]
    [InlineData("Route", -1)]
    [InlineData("X-Missing", -1)]
    public void IsPresentHf_Names_MatchByKindOrName(string name, int expected)
    {
        Assert.Equal(expected, _ops.IsPresentHf(Begin().Msg, name));
    }

    [Fact]
    public void BindIsPresentHf_NotAHeaderName_IsReported()
    {
        var (body, binder) = FakeBinder.Bind(_registry, "is_present_hf", "X Bad:");

        Assert.Null(body);
        Assert.Single(binder.Errors);
    }

    [Theory]
    [InlineData("INVITE", 1)]
    [InlineData("INVITE|BYE", 1)]
    [InlineData("invite", 1)]
    [InlineData("BYE|CANCEL", -1)]
    [InlineData("ACK", -1)]
    public void IsMethod_Request_MatchesTheMethod(string methods, int expected)
    {
        Assert.Equal(expected, _ops.IsMethod(Begin().Msg, methods));
    }

    [Fact]
    public void IsMethod_Reply_MatchesTheCSeqMethod()
    {
        var reply = TestHost.Parse("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\nCSeq: 7 BYE\nCall-ID: x\nContent-Length: 0\n\n");

        Assert.Equal(1, _ops.IsMethod(reply, "INVITE|BYE"));
        Assert.Equal(-1, _ops.IsMethod(reply, "INVITE"));
    }

    [Fact]
    public void IsMethod_UnknownMethod_ComparedByName()
    {
        var request = TestHost.Parse("FOO sip:a@b SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\nCSeq: 1 FOO\nCall-ID: x\nContent-Length: 0\n\n");

        Assert.Equal(1, _ops.IsMethod(request, "foo"));
        Assert.Equal(-1, _ops.IsMethod(request, "BAR"));
        Assert.Equal(-1, _ops.IsMethod(request, "INVITE"));
    }

    [Theory]
    [InlineData("INVITE|FOO")]
    [InlineData("")]
    [InlineData("INVITE||BYE")]
    public void BindIsMethod_BadList_IsReported(string methods)
    {
        var (body, binder) = FakeBinder.Bind(_registry, "is_method", methods);

        Assert.Null(body);
        Assert.Single(binder.Errors);
    }

    [Fact]
    public void BindIsMethod_Constant_ResolvedOnce()
    {
        var body = FakeBinder.BindOk(_registry, "is_method", "REGISTER|INVITE");

        Assert.Equal(1, body(Begin()));
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData("application/sdp", 1)]
    [InlineData("Application/SDP", 1)]
    [InlineData("text/plain", -1)]
    public void HasBody_SinglePart_ChecksLengthAndType(string? mime, int expected)
    {
        Assert.Equal(expected, _ops.HasBody(Begin().Msg, mime));
    }

    [Fact]
    public void HasBody_EmptyBody_IsFalse()
    {
        Assert.Equal(-1, _ops.HasBody(Begin(body: "").Msg));
    }

    [Theory]
    [InlineData("application/sdp", 1)]
    [InlineData("application/isup", 1)]
    [InlineData("multipart/mixed", 1)]
    [InlineData("text/html", -1)]
    public void HasBody_Multipart_LooksInsideTheParts(string mime, int expected)
    {
        var headers = Headers.Replace("Content-Type: application/sdp", "Content-Type: multipart/mixed; boundary=\"unique-boundary-1\"", StringComparison.Ordinal);
        var body = "--unique-boundary-1\nContent-Type: application/sdp\n\nv=0\n--unique-boundary-1\ncontent-type: application/ISUP; version=nxv3\nContent-Disposition: signal; handling=optional\n\n\u0001\u0002\n--unique-boundary-1--\n";

        Assert.Equal(expected, _ops.HasBody(Begin(headers, body).Msg, mime));
    }

    [Fact]
    public void BindHasBody_NotAMimeType_IsReported()
    {
        var (body, binder) = FakeBinder.Bind(_registry, "has_body", "sdp");

        Assert.Null(body);
        Assert.Single(binder.Errors);
    }

    [Fact]
    public void HasToTag_WithAndWithoutTag()
    {
        Assert.Equal(-1, _ops.HasToTag(Begin().Msg));
        Assert.Equal(1, _ops.HasToTag(Begin(Headers.Replace("To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag=xyz", StringComparison.Ordinal)).Msg));
    }

    [Fact]
    public void AppendToReply_HeadersGoIntoTheStatelessReply()
    {
        var body = FakeBinder.BindOk(_registry, "append_to_reply", "Retry-After: 30\r\n");
        var context = Begin();

        Assert.Equal(1, body(context));
        new SlModule().SendReply(context, 503, "Service Unavailable");

        Assert.Equal("Retry-After: 30\r\n", context.ReplyHeaders.ToString());
        Assert.Contains("\r\nRetry-After: 30\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
        Assert.Equal(0, _host.Editor.EditCount); // the request itself is untouched
    }

    [Fact]
    public void AppendTime_AddsAnRfc1123DateForReplies()
    {
        var context = ScriptContext.CreateStandalone(_host.Host, new FixedTime(new DateTimeOffset(2024, 3, 5, 7, 8, 9, TimeSpan.Zero)));
        _host.Editor.Reset(TestHost.Parse(WithBody(Headers, "")));
        context.Begin(_host.Editor.Message, _host.Editor, default, Parley.Scripting.Syntax.RouteType.Request);

        Assert.Equal(1, _ops.AppendTime(context));

        Assert.Equal("Date: Tue, 05 Mar 2024 07:08:09 GMT\r\n", context.ReplyHeaders.ToString());
    }

    [Fact]
    public void AppendUriHf_WrapsTheRequestUri()
    {
        var body = FakeBinder.BindOk(_registry, "append_urihf", "Contact: <", ">\r\n");

        body(Begin());

        Assert.EndsWith("\r\nContact: <sip:bob@example.com;transport=udp;lr>\r\n\r\nv=0\r\n", _host.Edited(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("transport", "udp", 1)]
    [InlineData("TRANSPORT", "udp", 1)]
    [InlineData("transport", "UDP", -1)]
    [InlineData("transport", null, -1)]
    [InlineData("lr", null, 1)]
    [InlineData("lr", "on", -1)]
    [InlineData("maddr", null, -1)]
    public void RuriHasParam_NameAndValue(string name, string? value, int expected)
    {
        Assert.Equal(expected, _ops.RuriHasParam(Begin(), name, value));
    }

    [Fact]
    public void RuriAddParam_AppendsToTheCurrentUri()
    {
        var context = Begin();

        Assert.Equal(1, _ops.RuriAddParam(context, "nat=yes"));
        Assert.Equal(1, _ops.RuriHasParam(context, "nat", "yes"));

        Assert.Equal("sip:bob@example.com;transport=udp;lr;nat=yes", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void RuriAddParam_UriWithHeaders_GoesBeforeThem()
    {
        var context = Begin(Headers.Replace("sip:bob@example.com;transport=udp;lr SIP", "sip:bob@example.com?subject=hi SIP", StringComparison.Ordinal));

        _ops.RuriAddParam(context, "nat=yes");

        Assert.Equal("sip:bob@example.com;nat=yes?subject=hi", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void RuriDelParam_RemovesTheParameterAndItsValue()
    {
        var context = Begin();

        Assert.Equal(1, _ops.RuriDelParam(context, "transport"));
        Assert.Equal(-1, _ops.RuriDelParam(context, "transport"));

        Assert.Equal("sip:bob@example.com;lr", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void RuriTel2Sip_TelUri_BecomesSipAtTheFromHost()
    {
        var context = Begin(Headers.Replace("sip:bob@example.com;transport=udp;lr SIP", "tel:+15551234 SIP", StringComparison.Ordinal));

        Assert.Equal(1, _ops.RuriTel2Sip(context));

        Assert.Equal("sip:+15551234@example.com;user=phone", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Fact]
    public void RuriTel2Sip_SipUri_IsLeftAlone()
    {
        var context = Begin();

        Assert.Equal(1, _ops.RuriTel2Sip(context));

        Assert.False(context.RequestUriChanged);
    }

    [Theory]
    [InlineData("sip:+15551234@example.com", 1)]
    [InlineData("tel:+4915112345678", 1)]
    [InlineData("sip:15551234@example.com", -1)]
    [InlineData("sip:+1@example.com", -1)]
    [InlineData("sip:+1234567890123456@example.com", -1)]
    [InlineData("sip:+1555x234@example.com", -1)]
    [InlineData("not a uri", -1)]
    public void IsUriUserE164_UserPart(string uri, int expected)
    {
        Assert.Equal(expected, _ops.IsUriUserE164(uri));
    }

    [Theory]
    [InlineData("append_hf", 1, 2, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("remove_hf", 1, 1, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("append_to_reply", 1, 1, RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Error)]
    [InlineData("has_body", 0, 1, RouteMask.Request | RouteMask.OnReply | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("ruri_has_param", 1, 2, RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("is_uri_user_e164", 1, 1, RouteMask.Request | RouteMask.Failure | RouteMask.Local)]
    public void Register_Functions_HaveOpenSipsArityAndRoutes(string name, int min, int max, RouteMask routes)
    {
        Assert.True(_registry.TryGetFunction(name, out var definition));
        Assert.Equal((min, max, routes, "sipmsgops"), (definition.MinArgs, definition.MaxArgs, definition.AllowedIn, definition.Module));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
