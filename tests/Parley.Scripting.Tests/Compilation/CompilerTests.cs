using Parley.Scripting.Runtime;

namespace Parley.Scripting.Tests.Compilation;

public class CompilerTests
{
    private const string Load = "loadmodule \"testmod.so\"\n";

    private static ScriptHarness Compile(string body, string extra = "") => new(Load + extra + "route {\n" + body + "\n}\n");

    private static void AssertError(ScriptHarness h, string expected)
    {
        Assert.Null(h.Result.Script);
        Assert.Contains(h.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_ValidScript_HasNoDiagnostics()
    {
        var h = Compile("if (count()) { see(\"x\"); }");
        Assert.Empty(h.Errors);
        Assert.NotNull(h.Script.RequestRoute);
    }

    [Fact]
    public void Run_IfElse_TakesBranchByFunctionSign()
    {
        var h = Compile("if (ret(-1)) { see(\"then\"); } else { see(\"else\"); }\nif (ret(5)) { see(\"yes\"); }");
        h.RunRequest();
        Assert.Equal(["else", "yes"], h.Module.Seen);
    }

    [Fact]
    public void Run_FunctionReturningZero_StopsScript()
    {
        var h = Compile("see(\"a\"); ret(0); see(\"b\");");
        var p = h.RunRequest();
        Assert.Equal(["a"], h.Module.Seen);
        Assert.True(p.Context.ExitRequested);
    }

    [Fact]
    public void Run_ExitInNamedRoute_StopsWholeScript()
    {
        var h = new ScriptHarness(Load + "route { route(r1); see(\"after\"); }\nroute[r1] { see(\"in\"); exit; }");
        h.RunRequest();
        Assert.Equal(["in"], h.Module.Seen);
    }

    [Fact]
    public void Run_ReturnFromNamedRoute_SetsRetcode()
    {
        var h = new ScriptHarness(Load + "route { route(r1); $t(rc) = $rc; if ($retcode == 7) see(\"seven\"); }\nroute[r1] { return(7); see(\"no\"); }");
        h.RunRequest();
        Assert.Equal(["seven"], h.Module.Seen);
        Assert.Equal(7, h.Module.Values["rc"].Int);
    }

    [Fact]
    public void Run_RouteReturningZero_ExitsScript()
    {
        var h = new ScriptHarness(Load + "route { route(r1); see(\"after\"); }\nroute[r1] { return(0); }");
        h.RunRequest();
        Assert.Empty(h.Module.Seen);
    }

    [Fact]
    public void Run_RouteArguments_AreParam()
    {
        var h = new ScriptHarness(Load + "route { route(r1, \"x\", 5); }\nroute[r1] { see($param(1)); $t(n) = $param(2) + 1; }");
        h.RunRequest();
        Assert.Equal(["x"], h.Module.Seen);
        Assert.Equal(6, h.Module.Values["n"].Int);
    }

    [Fact]
    public void Run_WhileLoop_CountsAndBreaks()
    {
        var h = Compile("$t(i) = 0; while ($t(i) < 10) { $t(i) += 1; if ($t(i) == 4) break; }");
        h.RunRequest();
        Assert.Equal(4, h.Module.Values["i"].Int);
    }

    [Fact]
    public void Run_Switch_FallsThroughUntilBreak()
    {
        var h = Compile("$t(x) = \"b\"; switch ($t(x)) { case \"a\": see(\"a\"); case \"b\": see(\"b\"); case \"c\": see(\"c\"); break; default: see(\"d\"); }");
        h.RunRequest();
        Assert.Equal(["b", "c"], h.Module.Seen);
    }

    [Fact]
    public void Run_SwitchNoMatch_RunsDefault()
    {
        var h = Compile("switch (5) { case 1: see(\"1\"); break; default: see(\"d\"); }");
        h.RunRequest();
        Assert.Equal(["d"], h.Module.Seen);
    }

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("10 / 3", 3)]
    [InlineData("10 % 3", 1)]
    [InlineData("6 & 3", 2)]
    [InlineData("6 | 1", 7)]
    [InlineData("6 ^ 3", 5)]
    [InlineData("1 << 4", 16)]
    [InlineData("256 >> 4", 16)]
    [InlineData("-5 + 2", -3)]
    public void Run_Arithmetic_Computes(string expression, long expected)
    {
        var h = Compile($"$t(r) = {expression};");
        h.RunRequest();
        Assert.Equal(expected, h.Module.Values["r"].Int);
    }

    [Fact]
    public void Run_StringPlus_Concatenates()
    {
        var h = Compile("$t(a) = \"sip:\" + \"bob\" + \"@\" + 5;");
        h.RunRequest();
        Assert.Equal("sip:bob@5", h.Module.Values["a"].AsString());
    }

    [Theory]
    [InlineData("$t(u) =~ \"^sip:BOB@\"", true)]
    [InlineData("$t(u) !~ \"^sip:bob@\"", false)]
    [InlineData("$t(u) =~ \"example\\.org$\"", false)]
    [InlineData("$t(u) == \"sip:bob@example.com\"", true)]
    [InlineData("$t(u) != \"sip:bob@example.com\"", false)]
    [InlineData("$t(missing) == NULL", true)]
    [InlineData("$t(u) == NULL", false)]
    [InlineData("!($t(u) == NULL) && 1 < 2", true)]
    [InlineData("0 || \"\"", false)]
    [InlineData("\"10\" == 10", true)]
    [InlineData("\"abc\" < \"abd\"", true)]
    public void Run_Conditions_Evaluate(string condition, bool expected)
    {
        var h = Compile($"$t(u) = \"sip:bob@example.com\"; if ({condition}) see(\"t\"); else see(\"f\");");
        h.RunRequest();
        Assert.Equal([expected ? "t" : "f"], h.Module.Seen);
    }

    [Fact]
    public void Run_FormatArgument_InterpolatesPseudoVariables()
    {
        var h = Compile("$t(who) = \"bob\"; see(\"hello $t(who), $(t(who){t.upper})!\");");
        h.RunRequest();
        Assert.Equal(["hello bob, BOB!"], h.Module.Seen);
    }

    [Fact]
    public void Run_Flags_SetTestReset()
    {
        var h = Compile("setflag(NAT); if (isflagset(NAT)) see(\"set\"); resetflag(NAT); if (!isflagset(NAT)) see(\"clear\"); setflag(3); if (isflagset(3)) see(\"3\");");
        h.RunRequest();
        Assert.Equal(["set", "clear", "3"], h.Module.Seen);
    }

    [Fact]
    public void Run_FlagsAreResetPerMessage()
    {
        var h = Compile("if (isflagset(F)) see(\"leak\"); setflag(F);");
        var p = h.RunRequest();
        h.RunRequest(pipeline: p);
        Assert.Empty(h.Module.Seen);
    }

    [Fact]
    public void Run_Drop_SetsDroppedAndStops()
    {
        var h = Compile("drop; see(\"no\");");
        var p = h.RunRequest();
        Assert.True(p.Context.Dropped);
        Assert.Empty(h.Module.Seen);
    }

    [Fact]
    public void Run_Xlog_WritesInterpolatedLine()
    {
        var h = Compile("$t(x) = 42; xlog(\"L_INFO\", \"value=$t(x)\\n\"); xlog(\"plain\");");
        h.RunRequest();
        Assert.Contains(h.Logs.Lines, l => l.Message == "value=42" && l.Level == Microsoft.Extensions.Logging.LogLevel.Information);
        Assert.Contains(h.Logs.Lines, l => l.Message == "plain" && l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public void Compile_UnknownFunction_ReportsPosition()
    {
        var h = Compile("  nosuch();");
        AssertError(h, "test.cfg:3:3: error: unknown function 'nosuch' (at 'nosuch')");
    }

    [Fact]
    public void Compile_FunctionOfUnloadedModule_SaysWhichModule()
    {
        var h = new ScriptHarness("route { count(); }");
        AssertError(h, "provided by module 'testmod', which is not loaded (add loadmodule \"testmod.so\")");
    }

    [Fact]
    public void Compile_WrongArgumentCount_Reported()
    {
        var h = Compile("ret(1, 2);");
        AssertError(h, "function 'ret' takes 1 argument, got 2");
    }

    [Fact]
    public void Compile_WrongArgumentType_Reported()
    {
        var h = Compile("ret(\"abc\");");
        AssertError(h, "argument 1 of ret() must be an integer, got '\"abc\"'");
    }

    [Fact]
    public void Compile_FunctionNotAllowedInRouteType_Reported()
    {
        var h = Compile("replyonly();");
        AssertError(h, "function 'replyonly' cannot be used in route; it is allowed in onreply_route");
    }

    [Fact]
    public void Compile_FunctionInNamedRouteCalledFromRequestRoute_CheckedAsRequest()
    {
        var h = new ScriptHarness(Load + "route { route(x); }\nroute[x] { replyonly(); }\nonreply_route { replyonly(); }");
        AssertError(h, "test.cfg:3:12: error: function 'replyonly' cannot be used in route (route[x] is called from route)");
    }

    [Fact]
    public void Compile_UndefinedRoute_Reported()
    {
        var h = Compile("route(nowhere);");
        AssertError(h, "route[nowhere] is not defined");
    }

    [Fact]
    public void Compile_UndefinedFailureRouteReference_Reported()
    {
        var h = Compile("needs_failure(\"missing\");");
        AssertError(h, "failure_route[missing] is not defined");
    }

    [Fact]
    public void Compile_DefinedFailureRouteReference_Accepted()
    {
        var h = new ScriptHarness(Load + "route { needs_failure(\"1\"); }\nfailure_route[1] { count(); }");
        Assert.Empty(h.Errors);
        Assert.NotNull(h.Script.FindRoute(Syntax.RouteType.Failure, "1"));
    }

    [Fact]
    public void Compile_BadRegex_Reported()
    {
        var h = Compile("if ($t(a) =~ \"(unclosed\") count();");
        AssertError(h, "bad regular expression \"(unclosed\"");
    }

    [Fact]
    public void Compile_BadRegexArgument_Reported()
    {
        var h = Compile("re(\"[a-\");");
        AssertError(h, "bad regular expression '[a-'");
    }

    [Fact]
    public void Compile_UnknownPseudoVariable_Reported()
    {
        var h = Compile("$t(a) = $nosuch;");
        AssertError(h, "unknown pseudo-variable '$nosuch' (at '$nosuch')");
    }

    [Fact]
    public void Compile_UnknownTransformation_Reported()
    {
        var h = Compile("$t(a) = $(t(b){no.such});");
        AssertError(h, "unknown transformation '{no.such}'");
    }

    [Fact]
    public void Compile_ReadOnlyAssignment_Reported()
    {
        var h = Compile("$param(1) = 1;");
        AssertError(h, "$param(1) cannot be assigned (read-only pseudo-variable)");
    }

    [Fact]
    public void Compile_UnknownModule_ListsAvailable()
    {
        var h = new ScriptHarness("loadmodule \"nosuch.so\"\nroute { }");
        AssertError(h, "test.cfg:1:1: error: unknown module 'nosuch'; this Parley has: testmod");
    }

    [Fact]
    public void Compile_ModParamUnknownParameter_ListsKnown()
    {
        var h = new ScriptHarness(Load + "modparam(\"testmod\", \"bogus\", 1)\nroute { }");
        AssertError(h, "module 'testmod' has no parameter 'bogus'; its parameters are: int_param, list_param");
    }

    [Fact]
    public void Compile_ModParamWrongType_Reported()
    {
        var h = new ScriptHarness(Load + "modparam(\"testmod\", \"int_param\", \"abc\")\nroute { }");
        AssertError(h, "modparam 'testmod'/'int_param' expects an integer, got \"abc\"");
    }

    [Fact]
    public void Compile_ModParamOutOfRange_Reported()
    {
        var h = new ScriptHarness(Load + "modparam(\"testmod\", \"int_param\", 500)\nroute { }");
        AssertError(h, "bad value for modparam 'testmod'/'int_param': must be between 0 and 100, got 500");
    }

    [Fact]
    public void Compile_ModParamForUnloadedModule_Reported()
    {
        var h = new ScriptHarness("modparam(\"testmod\", \"int_param\", 5)\nroute { }");
        AssertError(h, "modparam for module 'testmod', which is not loaded");
    }

    [Fact]
    public void Compile_MultiModParam_Appends()
    {
        var h = new ScriptHarness(Load + "modparam(\"testmod\", \"list_param\", \"a\")\nmodparam(\"testmod\", \"list_param\", \"b\")\nmodparam(\"testmod\", \"int_param\", 7)\nroute { }");
        Assert.Empty(h.Errors);
        Assert.Equal(["a", "b"], h.Module.ListParam);
        Assert.Equal(7, h.Module.IntParam);
    }

    [Fact]
    public void Compile_DuplicateRoute_Reported()
    {
        var h = new ScriptHarness(Load + "route[a] { }\nroute[a] { }\nroute { route(a); }");
        AssertError(h, "route[a] is defined twice");
    }

    [Fact]
    public void Compile_SeveralErrors_AllReportedInOrder()
    {
        var h = Compile("nosuch1();\nret(\"x\");\n$t(a) = $nope;");
        Assert.Equal(3, h.Result.Diagnostics.Count);
        Assert.True(h.Result.Diagnostics[0].Line < h.Result.Diagnostics[1].Line);
    }

    [Fact]
    public void Compile_BadFlag_Reported()
    {
        var h = Compile("setflag(99);");
        AssertError(h, "bad flag '99'");
    }

    [Fact]
    public void Compile_GlobalsReturnedWithValues()
    {
        var h = new ScriptHarness("log_level=3\nsocket=udp:127.0.0.1:5060\nroute { }");
        Assert.Empty(h.Errors);
        Assert.Equal(2, h.Result.Globals.Count);
        Assert.Equal("log_level", h.Result.Globals[0].Name);
        Assert.Equal(3, h.Result.Globals[0].Value!.Value.Int);
        Assert.Equal("udp:127.0.0.1:5060", h.Result.Globals[1].RawValue);
    }

    [Fact]
    public void Run_VarsPersistAcrossMessages_AvpsDoNot()
    {
        // $t(...) is module state; this checks the pipeline reuses one context and resets per-message state.
        var h = Compile("count();");
        var p = h.RunRequest();
        h.RunRequest(pipeline: p);
        Assert.Equal(2, h.Module.Calls);
    }

    [Fact]
    public void Run_MyselfComparison_UsesListenersAndAliases()
    {
        var h = Compile("$t(u) = \"sip:alice@127.0.0.1:5060\"; if ($t(u) == myself) see(\"me\"); $t(v) = \"sip:x@10.9.9.9\"; if ($t(v) != myself) see(\"other\"); $t(w) = \"127.0.0.1\"; if ($t(w) == myself) see(\"host\");");
        h.RunRequest();
        Assert.Equal(["me", "other", "host"], h.Module.Seen);
    }

    [Fact]
    public void Run_ForwardToExplicitDestination_SendsWithViaAndBranch()
    {
        var h = Compile("forward(\"udp:10.0.0.9:5070\");");
        h.RunRequest();
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal("10.0.0.9:5070", sent.Destination.ToString());
        Assert.StartsWith("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKP", sent.Text, StringComparison.Ordinal);
        Assert.Contains("Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds\r\n", sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ForwardTwice_BranchStableAndNoDoubleVia()
    {
        var h = Compile("forward(\"udp:10.0.0.9:5070\"); forward(\"udp:10.0.0.9:5071\");");
        h.RunRequest();
        Assert.Equal(2, h.Sender.Sent.Count);
        Assert.Equal(h.Sender.Sent[0].Text, h.Sender.Sent[1].Text);
        Assert.Equal(3, h.Sender.Sent[0].Text.Split("Via:").Length);
    }

    [Fact]
    public void Run_SetUriThenForward_UsesNewRequestUri()
    {
        var h = Compile("seturi(\"sip:carol@10.0.0.7:5080\"); forward();");
        h.RunRequest();
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal("10.0.0.7:5080", sent.Destination.ToString());
        Assert.StartsWith("INVITE sip:carol@10.0.0.7:5080 SIP/2.0\r\n", sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_RewriteAndStripAndPrefix_EditUser()
    {
        var h = Compile("seturi(\"sip:+4912345@10.0.0.7;user=phone\"); strip(3); prefix(\"00\"); rewritehostport(\"10.0.0.8:5090\"); forward();");
        h.RunRequest();
        var sent = Assert.Single(h.Sender.Sent);
        Assert.StartsWith("INVITE sip:0012345@10.0.0.8:5090;user=phone SIP/2.0\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Equal("10.0.0.8:5090", sent.Destination.ToString());
    }

    [Fact]
    public void Run_SetDstUri_ForwardsThereKeepingRequestUri()
    {
        var h = Compile("setdsturi(\"sip:10.0.0.5:5099;transport=tcp\"); if (isdsturiset()) forward();");
        h.RunRequest();
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal(Parley.Protocol.SipTransport.Tcp, sent.Transport);
        Assert.Equal("10.0.0.5:5099", sent.Destination.ToString());
        Assert.Contains("Via: SIP/2.0/TCP 127.0.0.1:5060;branch=", sent.Text, StringComparison.Ordinal);
        Assert.StartsWith("INVITE sip:bob@example.com SIP/2.0", sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OnReply_RelaysToNextVia()
    {
        var h = new ScriptHarness(Load + "route { }\nonreply_route { count(); }");
        const string reply = "SIP/2.0 180 Ringing\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKPabc\r\n" +
            "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds;received=10.0.0.11;rport=5999\r\n" +
            "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n" +
            "From: Alice <sip:alice@example.com>;tag=1928301774\r\n" +
            "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
            "CSeq: 314159 INVITE\r\n" +
            "Content-Length: 0\r\n\r\n";
        h.RunReply(reply);
        Assert.Equal(1, h.Module.Calls);
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal("10.0.0.11:5999", sent.Destination.ToString());
        Assert.StartsWith("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;", sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OnReplyDrop_NotRelayed()
    {
        var h = new ScriptHarness(Load + "route { }\nonreply_route { drop; }");
        const string reply = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKPabc\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK7\r\nTo: <sip:b@x>;tag=1\r\nFrom: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        h.RunReply(reply);
        Assert.Empty(h.Sender.Sent);
    }

    [Fact]
    public void Run_ReplyNotOurs_Dropped()
    {
        var h = new ScriptHarness(Load + "route { }");
        const string reply = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bKPabc\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK7\r\nTo: <sip:b@x>;tag=1\r\nFrom: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        h.RunReply(reply);
        Assert.Empty(h.Sender.Sent);
    }

    [Fact]
    public void Run_AppendBranch_AddsBranches()
    {
        var h = Compile("append_branch(\"sip:x@10.0.0.1\", \"0.5\"); append_branch();");
        var p = h.RunRequest();
        Assert.Equal(2, p.Context.Branches.Count);
        Assert.Equal(500, p.Context.Branches[0].Q);
        Assert.Equal("sip:bob@example.com", p.Context.Branches[1].Uri);
    }

    [Fact]
    public void Run_ForceSendSocket_ChoosesTcpListener()
    {
        var h = Compile("force_send_socket(\"tcp:127.0.0.1:5060\"); forward(\"tcp:10.0.0.9:5070\");");
        h.RunRequest();
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Same(h.TcpListener, sent.From);
    }

    [Fact]
    public void Compile_ForceSendSocketBad_Reported()
    {
        var h = Compile("force_send_socket(\"bogus\");");
        AssertError(h, "bad socket 'bogus'");
    }

    [Fact]
    public void Run_IsMyself_ChecksHostAndPort()
    {
        var h = Compile("if (is_myself(\"127.0.0.1\", 5060)) see(\"a\"); if (!is_myself(\"127.0.0.1\", 5999)) see(\"b\"); if (is_myself(\"127.0.0.1\")) see(\"c\");");
        h.RunRequest();
        Assert.Equal(["a", "b", "c"], h.Module.Seen);
    }

    [Fact]
    public void Run_Send_SendsOriginalWithoutViaPlusHeaders()
    {
        var h = Compile("seturi(\"sip:x@10.9.9.9\"); send(\"udp:10.0.0.9:5070\", \"X-Copy: 1\\r\\n\");");
        h.RunRequest();
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal("10.0.0.9:5070", sent.Destination.ToString());
        Assert.StartsWith("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;", sent.Text, StringComparison.Ordinal);
        Assert.Contains("X-Copy: 1\r\n\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Equal(2, sent.Text.Split("Via:").Length);
    }

    [Fact]
    public void Compile_SendBadDestination_Reported()
    {
        var h = Compile("send(\"tcp:\");");
        AssertError(h, "bad destination 'tcp:'");
    }
}
