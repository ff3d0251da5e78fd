using Parley.Management;
using Parley.Scripting.Compilation;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>
/// tm's per-transaction variables through a compiled script: <c>$T_fr_timeout</c>, <c>$T_fr_inv_timeout</c>,
/// <c>$bavp</c>, <c>$T_branch_last_reply_code</c>, the transaction's AVPs (onreply_avp_mode), and the route masks of the
/// branch-control functions.
/// </summary>
public sealed class TmVariableTests
{
    private static readonly SipEndPoint Uas1 = SipEndPoint.Parse("10.0.0.2:5070");
    private static readonly SipEndPoint Uas2 = SipEndPoint.Parse("10.0.0.3:5070");
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void FrTimeouts_Read_ParameterThenWrittenValueThenNullResets()
    {
        using var h = new TmScriptHarness("""
            modparam("tm", "fr_timeout", 7)
            modparam("tm", "fr_inv_timeout", 90)
            route {
                $var(fr0) = $T_fr_timeout;
                $var(inv0) = $T_fr_inv_timeout;
                $T_fr_timeout = 3;
                $T_fr_inv_timeout = 4;
                t_newtran();
                $var(fr1) = $T_fr_timeout;
                $var(inv1) = $T_fr_inv_timeout;
                $T_fr_inv_timeout = NULL;
                $var(inv2) = $T_fr_inv_timeout;
                $T_fr_timeout = "x";
                $var(fr2) = $T_fr_timeout;
            }
            """);
        h.SendRequest();
        Assert.Equal(7, h.Var("fr0").AsInt());
        Assert.Equal(90, h.Var("inv0").AsInt());
        Assert.Equal(3, h.Var("fr1").AsInt()); // held before t_newtran, applied when it created the transaction
        Assert.Equal(4, h.Var("inv1").AsInt());
        Assert.Equal(90, h.Var("inv2").AsInt());
        Assert.Equal(3, h.Var("fr2").AsInt()); // a non-integer is refused
        Assert.Equal(TimeSpan.FromSeconds(3), h.Transaction!.Timings.FinalResponse);
    }

    [Fact]
    public void FrTimeout_Written_NoReplyAtAll_408AfterIt()
    {
        using var h = new TmScriptHarness("""
            route {
                $T_fr_timeout = 2;
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        h.Advance(Second * 1.9);
        Assert.False(h.CallerGot(408));
        h.Advance(Second * 0.2);
        Assert.True(h.CallerGot(408), "fr_timeout 2 s instead of the parameter's 30 s");
    }

    [Fact]
    public void FrInvTimeout_WrittenBeforeRelay_RingingCallEndsAfterIt()
    {
        using var h = new TmScriptHarness("""
            route {
                $T_fr_inv_timeout = 2;
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        h.Advance(Second * 1.9);
        Assert.False(h.CallerGot(408));
        h.Advance(Second * 0.2);
        Assert.True(h.CallerGot(408), "fr_inv_timeout 2 s instead of the parameter's 120 s");
        Assert.Single(h.Requests(Uas1, "CANCEL"));
    }

    [Fact]
    public void FrInvTimeout_WrittenInTheReplyRoute_MovesThatBranchTimer()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_reply("r");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            onreply_route[r] {
                if (t_check_status("180")) { $T_fr_inv_timeout = 3; }
            }
            """);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 100, "Trying");
        h.Advance(Second);
        h.Reply(invite, 180, "Ringing"); // the timer now runs 3 s from here
        h.Advance(Second * 2.9);
        Assert.False(h.CallerGot(408));
        h.Advance(Second * 0.2);
        Assert.True(h.CallerGot(408));
    }

    [Fact]
    public void FrTimeout_WrittenAfterTheFirstBranch_AppliesToLaterBranchesOnly()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_failure("f");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            failure_route[f] {
                $T_fr_timeout = 2;
                $du = "sip:10.0.0.3:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 486, "Busy Here");
        Assert.Single(h.Requests(Uas2, "INVITE"));
        h.Advance(Second * 2.1);
        Assert.True(h.CallerGot(408));
    }

    [Fact]
    public void Bavp_SetInBranchRoute_SeenByThatBranchOnly_NullElsewhere()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_branch("b");
                t_on_reply("r");
                t_on_failure("f");
                $du = "sip:10.0.0.2:5070";
                append_branch("sip:carol@10.0.0.3:5070");
                t_relay();
                $var(in_request) = $bavp(who);
            }
            branch_route[b] {
                $bavp(who) = $T_branch_idx;
                $bavp(list) = "x";
                $bavp(list) = "y";
            }
            onreply_route[r] {
                $var(seen) = $bavp(who);
                $var(list) = $(bavp(list)[*]);
                $var(oldest) = $(bavp(list)[-1]);
                $var(code) = $T_branch_last_reply_code;
                $var(code0) = $T_branch_last_reply_code(0);
            }
            failure_route[f] {
                t_reply(500, "winner=$bavp(who)");
            }
            """);
        h.SendRequest();
        Assert.True(h.Var("in_request").IsNull, "$bavp is NULL in a request route");
        var first = Assert.Single(h.Requests(Uas1, "INVITE"));
        var second = Assert.Single(h.Requests(Uas2, "INVITE"));

        h.Reply(second, 180, "Ringing");
        Assert.Equal(1, h.Var("seen").AsInt());
        Assert.Equal("y, x", h.Var("list").AsString());
        Assert.Equal("x", h.Var("oldest").AsString());
        Assert.Equal(180, h.Var("code").AsInt());
        Assert.Equal(0, h.Var("code0").AsInt()); // nothing yet on branch 0

        h.Reply(first, 404, "Not Found");
        Assert.Equal(0, h.Var("seen").AsInt());
        h.Reply(second, 486, "Busy Here");

        Assert.StartsWith("SIP/2.0 500 winner=0\r\n", h.ReplyToCaller(500).Text, StringComparison.Ordinal); // 404 wins
    }

    [Fact]
    public void Bavp_OfADroppedBranch_NotInheritedByTheNextBranch()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_branch("b");
                $ru = "sip:drop@10.0.0.2:5070";
                append_branch("sip:carol@10.0.0.3:5070");
                t_relay();
            }
            branch_route[b] {
                $var(prev) = $bavp(mark);
                if ($rU == "drop") {
                    $bavp(mark) = "stale";
                    drop;
                }
            }
            """);
        h.SendRequest();
        Assert.Empty(h.Requests(Uas1, "INVITE"));
        Assert.Single(h.Requests(Uas2, "INVITE")); // it took the dropped branch's index 0
        Assert.True(h.Var("prev").IsNull, $"got {h.Var("prev")}");
    }

    [Fact]
    public void Bavp_WrittenInTheReplyRoute_KeptForThatBranch()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_reply("r");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            onreply_route[r] {
                $var(before) = $bavp(n);
                $bavp(n) = $T_reply_code;
            }
            """);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        Assert.True(h.Var("before").IsNull);
        h.Reply(invite, 183, "Session Progress");
        Assert.Equal(180, h.Var("before").AsInt());
    }

    private const string AvpRoutes = """
        route {
            $avp(tag) = "req";
            t_on_reply("r");
            t_on_failure("f");
            $du = "sip:10.0.0.2:5070";
            t_relay();
        }
        onreply_route[r] {
            $var(seen) = $avp(tag);
            if (t_check_status("180")) { $avp(r180) = "set"; }
        }
        failure_route[f] {
            $avp(in_failure) = "f";
            t_reply(480, "tag=$avp(tag) r180=$avp(r180)");
        }
        """;

    [Fact]
    public void OnReplyAvpMode0_ReplyRoutesStartEmpty_ChangesDiscarded_FailureRouteSeesTheTransaction()
    {
        using var h = new TmScriptHarness(AvpRoutes);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        Assert.True(h.Var("seen").IsNull, "mode 0: the reply route's AVPs start empty");
        h.Reply(invite, 486, "Busy Here");
        Assert.StartsWith("SIP/2.0 480 tag=req r180=<null>\r\n", h.ReplyToCaller(480).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OnReplyAvpMode1_ReplyRoutesSeeAndChangeTheTransactionAvps()
    {
        using var h = new TmScriptHarness("modparam(\"tm\", \"onreply_avp_mode\", 1)\n" + AvpRoutes);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        Assert.Equal("req", h.Var("seen").AsString());
        h.Reply(invite, 486, "Busy Here");
        Assert.StartsWith("SIP/2.0 480 tag=req r180=set\r\n", h.ReplyToCaller(480).Text, StringComparison.Ordinal);
        var avps = h.Transaction!.Avps!;
        Assert.Equal("f", avps.Get(h.Registry.AvpSlot("in_failure")).AsString()); // failure_route's changes are kept too
    }

    private static CompileResult Compile(string text)
    {
        var catalog = new ModuleCatalog();
        catalog.Add("tm", () => new TmModule(new ManagementServices()));
        return ScriptCompiler.CompileText("loadmodule \"tm.so\"\n" + text, "tm.cfg", catalog);
    }

    [Fact]
    public void Script_BranchControlInTheRoutesTheManualAllows_Compiles()
    {
        var result = Compile("""
            route {
                t_newtran();
                t_add_hdrs("X-A: 1\r\n");
                t_flush_flags();
                t_wait_for_new_branches();
                t_wait_for_new_branches(2);
                t_inject_branches("msg");
                t_inject_branches("event", "cancel");
                t_wait_no_more_branches();
                if (t_local_replied("all")) { exit; }
                $T_fr_timeout = 5;
                $T_fr_inv_timeout = NULL;
                t_on_branch("b");
                t_relay();
            }
            branch_route[b] { t_flush_flags(); $bavp(x) = 1; t_on_reply("r"); t_on_failure("f"); t_on_branch("b"); t_local_replied("last"); }
            onreply_route[r] {
                t_cancel_branch();
                t_cancel_branch("a");
                t_cancel_branch("o");
                t_on_failure("f");
                t_on_reply("r");
                t_on_branch("b");
                t_inject_branches("message");
                t_wait_no_more_branches();
                $T_fr_inv_timeout = 10;
                xlog("$bavp(x) $T_branch_last_reply_code $T_branch_last_reply_code(1) $(T_branch_last_reply_code[0])\n");
            }
            failure_route[f] { if (t_local_replied("branch")) { t_reply(408, "x"); } t_on_failure("f"); }
            timer_route[t, 60] { t_inject_branches("msg"); t_wait_no_more_branches(); }
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Theory]
    [InlineData("route { t_cancel_branch(); }", "t_cancel_branch")]
    [InlineData("onreply_route[r] { t_cancel_branch(\"x\"); }", "unsupported t_cancel_branch flag 'x'")]
    [InlineData("failure_route[f] { t_flush_flags(); }", "t_flush_flags")]
    [InlineData("branch_route[b] { t_add_hdrs(\"X-A: 1\\r\\n\"); }", "t_add_hdrs")]
    [InlineData("onreply_route[r] { t_wait_for_new_branches(); }", "t_wait_for_new_branches")]
    [InlineData("failure_route[f] { t_inject_branches(\"msg\"); }", "t_inject_branches")]
    [InlineData("route { t_inject_branches(\"dns\"); }", "unsupported t_inject_branches source 'dns'")]
    [InlineData("route { t_inject_branches(\"msg\", \"keep\"); }", "unsupported t_inject_branches flag 'keep'")]
    [InlineData("route { t_local_replied(\"some\"); }", "\"all\" or \"last\"")]
    [InlineData("route { t_add_hdrs(\"\"); }", "at least one header line")]
    [InlineData("route { xlog(\"$bavp\"); }", "$bavp needs a name")]
    [InlineData("route { xlog(\"$T_branch_last_reply_code(x)\"); }", "branch index")]
    public void Script_BranchControlMisuse_RefusedWithMessage(string line, string expected)
    {
        var result = Compile(line + "\n");
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal));
    }
}
