using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>
/// tm's branch control through a compiled script: t_cancel_branch, t_local_replied, t_wait_for_new_branches /
/// t_wait_no_more_branches / t_inject_branches, t_add_hdrs, t_flush_flags and the routes t_on_* may be armed from.
/// </summary>
public sealed class TmBranchControlTests
{
    private static readonly SipEndPoint Uas1 = SipEndPoint.Parse("10.0.0.2:5070");
    private static readonly SipEndPoint Uas2 = SipEndPoint.Parse("10.0.0.3:5070");
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private const string CancelRoute = """
        route {
            if ($rm == "CANCEL") { t_relay(); exit; }
            t_on_reply("r");
            $du = "sip:10.0.0.2:5070";
            append_branch("sip:carol@10.0.0.3:5070");
            t_relay();
        }
        """;

    [Fact]
    public void CancelBranch_OnA183_CancelsThatBranchAnd487Relayed()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_reply("r");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            onreply_route[r] {
                if (t_check_status("183")) { t_cancel_branch(); }
            }
            """);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        Assert.Empty(h.Requests(Uas1, "CANCEL"));

        h.Reply(invite, 183, "Session Progress");

        var cancel = Assert.Single(h.Requests(Uas1, "CANCEL"));
        Assert.Contains(BranchOf(invite), cancel.Text, StringComparison.Ordinal); // RFC 3261 §9.1: the INVITE's branch
        Assert.True(h.CallerGot(183), "the provisional is still relayed");
        Assert.False(h.CallerGot(487));
        h.Reply(invite, 487, "Request Terminated");
        Assert.True(h.CallerGot(487));
    }

    [Fact]
    public void CancelBranch_Others_CancelsTheOtherBranchOnceItHadAProvisional()
    {
        using var h = new TmScriptHarness(CancelRoute + """

            onreply_route[r] {
                if ($T_branch_idx == 0 && t_check_status("180")) { t_cancel_branch("o"); }
            }
            """);
        h.SendRequest();
        var first = Assert.Single(h.Requests(Uas1, "INVITE"));
        var second = Assert.Single(h.Requests(Uas2, "INVITE"));

        h.Reply(first, 180, "Ringing");
        Assert.Empty(h.Requests(Uas1, "CANCEL"));
        Assert.Empty(h.Requests(Uas2, "CANCEL")); // RFC 3261 §9.1: no provisional on it yet, the CANCEL waits

        h.Reply(second, 100, "Trying");
        Assert.Single(h.Requests(Uas2, "CANCEL"));
        Assert.Empty(h.Requests(Uas1, "CANCEL"));
    }

    [Fact]
    public void CancelBranch_All_OnAFinalReply_CancelsThePendingOthersOnly()
    {
        using var h = new TmScriptHarness(CancelRoute + """

            onreply_route[r] {
                if (t_check_status("486")) { t_cancel_branch("a"); }
            }
            """);
        h.SendRequest();
        var first = Assert.Single(h.Requests(Uas1, "INVITE"));
        var second = Assert.Single(h.Requests(Uas2, "INVITE"));
        h.Reply(second, 180, "Ringing");

        h.Reply(first, 486, "Busy Here");

        Assert.Single(h.Requests(Uas2, "CANCEL"));
        Assert.Empty(h.Requests(Uas1, "CANCEL"));
        h.Reply(second, 487, "Request Terminated");
        Assert.True(h.CallerGot(486), "486 beats 487 when the caller did not cancel");
    }

    [Fact]
    public void CancelBranch_Current_OnAFinalReply_DoesNothing()
    {
        using var h = new TmScriptHarness(CancelRoute + """

            onreply_route[r] {
                if (t_check_status("486")) { t_cancel_branch(); }
            }
            """);
        h.SendRequest();
        var first = Assert.Single(h.Requests(Uas1, "INVITE"));
        var second = Assert.Single(h.Requests(Uas2, "INVITE"));
        h.Reply(second, 180, "Ringing");
        h.Reply(first, 486, "Busy Here");
        Assert.Empty(h.Requests(Uas1, "CANCEL"));
        Assert.Empty(h.Requests(Uas2, "CANCEL"));
    }

    [Fact]
    public void LocalReplied_AfterATimeoutWithNoReply_AllAndLastTrue()
    {
        using var h = new TmScriptHarness("""
            route {
                $T_fr_timeout = 1;
                t_on_failure("f");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            failure_route[f] {
                $var(all) = "no";
                $var(last) = "no";
                if (t_local_replied("all")) { $var(all) = "yes"; }
                if (t_local_replied("last")) { $var(last) = "yes"; }
                t_reply(500, "all=$var(all) last=$var(last)");
            }
            """);
        h.SendRequest();
        h.Advance(Second * 1.5);
        Assert.StartsWith("SIP/2.0 500 all=yes last=yes\r\n", h.ReplyToCaller(500).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalReplied_AfterAReceived486_AllAndLastFalse()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_failure("f");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            failure_route[f] {
                $var(all) = "no";
                $var(last) = "no";
                if (t_local_replied("all")) { $var(all) = "yes"; }
                if (t_local_replied("last")) { $var(last) = "yes"; }
                t_reply(500, "all=$var(all) last=$var(last)");
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 486, "Busy Here");
        Assert.StartsWith("SIP/2.0 500 all=no last=no\r\n", h.ReplyToCaller(500).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalReplied_Last_InReplyRoutes_TracksWhatWentUpstream()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_reply("r");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            onreply_route[r] {
                $var(last) = "relayed";
                if (t_local_replied("last")) { $var(last) = "local"; }
            }
            """);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        Assert.Equal("local", h.Var("last").AsString()); // only tm's own 100 went up so far
        h.Reply(invite, 183, "Session Progress");
        Assert.Equal("relayed", h.Var("last").AsString()); // the 180 was relayed
    }

    [Fact]
    public void WaitForNewBranches_AllBranchesFail_NothingUntilFrInvTimeoutThenBestReply()
    {
        using var h = new TmScriptHarness("""
            route {
                $T_fr_inv_timeout = 3;
                t_newtran();
                t_wait_for_new_branches();
                $du = "sip:10.0.0.2:5070";
                append_branch("sip:carol@10.0.0.3:5070");
                t_relay();
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 486, "Busy Here");
        h.Reply(Assert.Single(h.Requests(Uas2, "INVITE")), 500, "Server Error");
        h.Advance(Second * 2.8);
        Assert.False(h.CallerGot(486), "the transaction waits for new branches");
        Assert.False(h.CallerGot(500));
        Assert.False(h.CallerGot(408));

        h.Advance(Second * 0.4);

        Assert.True(h.CallerGot(486), "the best reply (486 before 500, and before the wait's own 408) goes up");
        Assert.False(h.CallerGot(408));
    }

    [Fact]
    public void WaitForNewBranches_CallerCancelsWhileOnlyWaiting_487AtOnce()
    {
        using var h = new TmScriptHarness("""
            route {
                if ($rm == "CANCEL") { t_relay(); exit; }
                t_newtran();
                t_reply(180, "Ringing");
                t_wait_for_new_branches();
                exit;
            }
            """);
        h.SendRequest();
        Assert.True(h.CallerGot(180));
        h.SendCancel();
        Assert.True(h.CallerGot(200), "the CANCEL is answered");
        Assert.True(h.CallerGot(487), "RFC 3261 §16.10: nothing is pending, the INVITE ends with 487");
    }

    [Fact]
    public void WaitForNewBranches_NoBranchAtAll_408AtFrInvTimeout()
    {
        using var h = new TmScriptHarness("""
            route {
                $T_fr_inv_timeout = 2;
                t_newtran();
                t_wait_for_new_branches();
                exit;
            }
            """);
        h.SendRequest();
        h.Advance(Second * 1.9);
        Assert.False(h.CallerGot(408));
        h.Advance(Second * 0.2);
        Assert.True(h.CallerGot(408));
    }

    /// <summary>Waits for new branches after relaying to one callee, and stops waiting when a 486 comes.</summary>
    private const string WaitUntil486Route = """
        route {
            t_newtran();
            t_wait_for_new_branches();
            t_on_reply("r");
            $du = "sip:10.0.0.2:5070";
            t_relay();
        }
        onreply_route[r] {
            if (t_check_status("486")) { t_wait_no_more_branches(); }
        }
        """;

    [Fact]
    public void WaitForNewBranches_AReplyTheRouteDoesNotStopOn_KeepsWaiting()
    {
        using var h = new TmScriptHarness(WaitUntil486Route);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 404, "Not Found"); // not stopping: the transaction keeps waiting
        Assert.False(h.CallerGot(404));
        h.Advance(Second);
        Assert.False(h.CallerGot(404));
    }

    [Fact]
    public void WaitNoMoreBranches_OnTheLastPendingBranch_ItsReplyGoesUp()
    {
        using var h = new TmScriptHarness(WaitUntil486Route);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 486, "Busy Here");
        Assert.True(h.CallerGot(486));
    }

    [Fact]
    public void InjectBranches_FromTheRequestRoute_SendsTheBranchAndMaxCountStopsTheWait()
    {
        using var h = new TmScriptHarness("""
            route {
                t_newtran();
                t_wait_for_new_branches(1);
                $ru = "sip:dave@10.0.0.3:5070";
                $var(rc) = t_inject_branches("msg");
            }
            """);
        h.SendRequest();
        Assert.Equal(1, h.Var("rc").AsInt());
        var injected = Assert.Single(h.Requests(Uas2, "INVITE"));
        Assert.StartsWith("INVITE sip:dave@10.0.0.3:5070 SIP/2.0\r\n", injected.Text, StringComparison.Ordinal);

        h.Reply(injected, 486, "Busy Here");

        Assert.True(h.CallerGot(486), "the one awaited branch came: no more waiting");
    }

    [Fact]
    public void InjectBranches_WithCancel_CancelsTheRingingBranchWithCompletedElsewhere()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 180, "Ringing");
        var tid = h.Transaction!;

        // A timer/event route pointed at the transaction (as event_routing does) injects from the branch set.
        var context = Parley.Scripting.Runtime.ScriptContext.Create(h.Host, h.Registry);
        context.BeginWithoutMessage(Parley.Scripting.Syntax.RouteType.Event);
        context.Branches.Add(new Parley.Scripting.Runtime.ScriptBranch("sip:erin@10.0.0.3:5070"));
        Assert.True(h.Tm.SetRemoteTransaction(context, Parley.Transactions.Matching.BranchId.TransactionId(tid.Bucket, tid.Label)));
        Assert.Equal(1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Message, cancelExisting: true));

        var injected = Assert.Single(h.Requests(Uas2, "INVITE"));
        Assert.StartsWith("INVITE sip:erin@10.0.0.3:5070 SIP/2.0\r\n", injected.Text, StringComparison.Ordinal);
        var cancel = Assert.Single(h.Requests(Uas1, "CANCEL"));
        Assert.Contains("Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n", cancel.Text, StringComparison.Ordinal);
    }

    // A relayed INVITE ringing at Uas1, with a branch_route that drops any branch without branch flag 3.
    private const string FlaggedRelayRoute = """
        route {
            setbflag(3);
            t_on_branch("b");
            $du = "sip:10.0.0.2:5070";
            t_relay();
        }
        branch_route[b] {
            if (!isbflagset(3)) { drop; }
        }
        """;

    private static Parley.Scripting.Runtime.ScriptContext EventContext(TmScriptHarness h, params (string Name, Parley.Scripting.Runtime.ScriptValue Value)[] attributes)
    {
        var tx = h.Transaction!;
        var context = Parley.Scripting.Runtime.ScriptContext.Create(h.Host, h.Registry);
        context.BeginWithoutMessage(Parley.Scripting.Syntax.RouteType.Event);
        var list = new List<Parley.Scripting.Runtime.ScriptEventParameter>();
        foreach (var (name, value) in attributes)
        {
            list.Add(new Parley.Scripting.Runtime.ScriptEventParameter(name, value));
        }

        context.EventParameters = list;
        Assert.True(h.Tm.SetRemoteTransaction(context, Parley.Transactions.Matching.BranchId.TransactionId(tx.Bucket, tx.Label)));
        return context;
    }

    private static Parley.Scripting.Runtime.ScriptValue Str(string value) => Parley.Scripting.Runtime.ScriptValue.FromString(value);

    [Fact]
    public void InjectBranches_EventUriReceivedBflags_SendsToReceivedWithTheUriAndFlags()
    {
        using var h = new TmScriptHarness(FlaggedRelayRoute);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 180, "Ringing");
        var context = EventContext(h,
            ("aor", Str("erin@example.com")),
            ("uri", Str("sip:erin@192.0.2.77:5080;transport=udp")),
            ("received", Str("sip:10.0.0.3:5070")),
            ("path", Str(string.Empty)),
            ("qval", Parley.Scripting.Runtime.ScriptValue.FromInt(500)),
            ("socket", Str(string.Empty)),
            ("bflags", Parley.Scripting.Runtime.ScriptValue.FromInt(1 << 3)));
        context.Branches.Add(new Parley.Scripting.Runtime.ScriptBranch("sip:ignored@10.0.0.9:5070"));

        Assert.Equal(1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: false));

        var injected = Assert.Single(h.Requests(Uas2, "INVITE")); // to "received", passed the branch_route's flag check
        Assert.StartsWith("INVITE sip:erin@192.0.2.77:5080;transport=udp SIP/2.0\r\n", injected.Text, StringComparison.Ordinal);
        Assert.Empty(h.Requests(SipEndPoint.Parse("10.0.0.9:5070"), "INVITE")); // "event": the branch set is not injected
        Assert.Empty(h.Requests(Uas1, "CANCEL"));
    }

    [Fact]
    public void InjectBranches_EventFromAnEventRoute_ScriptFunctionTakesTheEventsContact()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            event_route[E_UL_CONTACT_INSERT] {
                if (t_inject_branches("event", "cancel") == 1) { t_wait_no_more_branches(); }
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 180, "Ringing");
        var route = h.Script.FindRoute(Parley.Scripting.Syntax.RouteType.Event, "E_UL_CONTACT_INSERT")!;
        var context = EventContext(h, ("aor", Str("erin")), ("uri", Str("sip:erin@10.0.0.3:5070")));

        route.Run(context, Parley.Scripting.Syntax.RouteType.Event);

        var injected = Assert.Single(h.Requests(Uas2, "INVITE"));
        Assert.StartsWith("INVITE sip:erin@10.0.0.3:5070 SIP/2.0\r\n", injected.Text, StringComparison.Ordinal);
        Assert.Single(h.Requests(Uas1, "CANCEL"));
    }

    [Fact]
    public void InjectBranches_EventWithoutTheBranchFlag_DroppedByBranchRouteMinus3()
    {
        using var h = new TmScriptHarness(FlaggedRelayRoute);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 180, "Ringing");
        var context = EventContext(h, ("uri", Str("sip:erin@10.0.0.3:5070")), ("bflags", Parley.Scripting.Runtime.ScriptValue.FromInt(0)));

        Assert.Equal(-3, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: false));
        Assert.Empty(h.Requests(Uas2, "INVITE"));
    }

    [Fact]
    public void InjectBranches_EventPath_FirstPathHopIsTheDestination()
    {
        using var h = new TmScriptHarness(CancelRoute + "\nonreply_route[r] { }\n");
        h.SendRequest();
        var context = EventContext(h,
            ("uri", Str("sip:erin@192.0.2.77")),
            ("received", Str("sip:10.0.0.9:5070")),
            ("path", Str("<sip:10.0.0.3:5070;lr>,<sip:10.0.0.2:5070;lr>")));

        Assert.Equal(1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: false));

        Assert.Equal(2, h.Requests(Uas2, "INVITE").Count); // carol from the relay, erin through the Path's first hop
        Assert.Contains(h.Requests(Uas2, "INVITE"), r => r.Text.StartsWith("INVITE sip:erin@192.0.2.77 SIP/2.0\r\n", StringComparison.Ordinal));
        Assert.Empty(h.Requests(SipEndPoint.Parse("10.0.0.9:5070"), "INVITE")); // Path wins over received
    }

    [Fact]
    public void InjectBranches_EventSocketNamingAListener_SentFromIt()
    {
        using var h = new TmScriptHarness(CancelRoute + "\nonreply_route[r] { }\n", secondListen: "udp:127.0.0.2:5061");
        h.SendRequest();
        var context = EventContext(h,
            ("uri", Str("sip:erin@10.0.0.9:5070")),
            ("socket", Str("udp:127.0.0.2:5061")));

        Assert.Equal(1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: false));

        var injected = Assert.Single(h.Requests(SipEndPoint.Parse("10.0.0.9:5070"), "INVITE"));
        Assert.Contains("Via: SIP/2.0/UDP 127.0.0.2:5061;", injected.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Via: SIP/2.0/UDP 127.0.0.2:5061;", Assert.Single(h.Requests(Uas1, "INVITE")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void InjectBranches_EventWithCancel_CancelsTheRingingBranch()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 180, "Ringing");
        var context = EventContext(h, ("uri", Str("sip:erin@10.0.0.3:5070")));

        Assert.Equal(1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: true));

        Assert.Single(h.Requests(Uas2, "INVITE"));
        var cancel = Assert.Single(h.Requests(Uas1, "CANCEL"));
        Assert.Contains("Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n", cancel.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void InjectBranches_EventWithoutUri_Minus1AndNothingSent()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        var context = EventContext(h, ("received", Str("sip:10.0.0.3:5070")), ("uri", Str(string.Empty)));

        Assert.Equal(-1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: true));

        Assert.Empty(h.Requests(Uas2, "INVITE"));
        Assert.Empty(h.Requests(Uas1, "CANCEL"));
    }

    [Fact]
    public void InjectBranches_EventAfterTheFinalReply_Minus2()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 486, "Busy Here");
        var context = EventContext(h, ("uri", Str("sip:erin@10.0.0.3:5070")));

        Assert.Equal(-2, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: false));
        Assert.Empty(h.Requests(Uas2, "INVITE"));
    }

    [Fact]
    public void InjectBranches_AfterTheFinalReply_Minus2_EventSourceMinus1()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        h.Reply(Assert.Single(h.Requests(Uas1, "INVITE")), 486, "Busy Here");
        var tx = h.Transaction!;
        var context = Parley.Scripting.Runtime.ScriptContext.Create(h.Host, h.Registry);
        context.BeginWithoutMessage(Parley.Scripting.Syntax.RouteType.Timer);
        context.Branches.Add(new Parley.Scripting.Runtime.ScriptBranch("sip:erin@10.0.0.3:5070"));
        Assert.True(h.Tm.Core.SetRemoteTransaction(context, Parley.Transactions.Matching.BranchId.TransactionId(tx.Bucket, tx.Label)));
        Assert.Equal(-2, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Message, cancelExisting: false));
        Assert.Equal(-1, h.Tm.Core.InjectBranches(context, Parley.Transactions.Proxy.InjectSource.Event, cancelExisting: false));
        Assert.False(h.Tm.Core.SetRemoteTransaction(context, "ffff.1"));
        Assert.Empty(h.Requests(Uas2, "INVITE"));
    }

    [Fact]
    public void AddHdrs_AppendedToBranchesCancelsAndLocalAcks()
    {
        using var h = new TmScriptHarness("""
            route {
                if ($rm == "CANCEL") { t_relay(); exit; }
                t_newtran();
                t_add_hdrs("X-Origin: 192.0.2.10\r\nX-Second: 2");
                $du = "sip:10.0.0.2:5070";
                append_branch("sip:carol@10.0.0.3:5070");
                t_relay();
            }
            """);
        h.SendRequest();
        var first = Assert.Single(h.Requests(Uas1, "INVITE"));
        var second = Assert.Single(h.Requests(Uas2, "INVITE"));
        foreach (var invite in new[] { first, second })
        {
            Assert.Contains("\r\nX-Origin: 192.0.2.10\r\nX-Second: 2\r\n", invite.Text, StringComparison.Ordinal);
            TmScriptHarness.Parse(invite.Text);
        }

        h.Reply(first, 486, "Busy Here");
        var ack = Assert.Single(h.Requests(Uas1, "ACK"));
        Assert.Contains("\r\nX-Origin: 192.0.2.10\r\nX-Second: 2\r\nContent-Length: 0\r\n", ack.Text, StringComparison.Ordinal);

        h.Reply(second, 180, "Ringing");
        h.SendCancel();
        var cancel = Assert.Single(h.Requests(Uas2, "CANCEL"));
        Assert.Contains("\r\nX-Origin: 192.0.2.10\r\nX-Second: 2\r\n", cancel.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHdrs_WithoutTransaction_FailsAndNothingAdded()
    {
        using var h = new TmScriptHarness("""
            route {
                $var(rc) = t_add_hdrs("X-Origin: 1\r\n");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        Assert.Equal(-1, h.Var("rc").AsInt());
        Assert.DoesNotContain("X-Origin", Assert.Single(h.Requests(Uas1, "INVITE")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void FlushFlags_CopiesTheMessageFlagsIntoTheTransaction()
    {
        using var h = new TmScriptHarness("""
            route {
                t_newtran();
                setflag(5);
                if ($hdr(X-Flush) == "yes") { t_flush_flags(); }
            }
            """);
        h.SendRequest();
        Assert.Equal(0UL, h.Transaction!.Flags);
        h.SendRequest(extraHeaders: "X-Flush: yes\r\n");
        Assert.Equal(1UL << 5, h.Transaction!.Flags);
    }

    [Fact]
    public void OnFailure_ArmedFromTheReplyRoute_RunsOnFailure()
    {
        using var h = new TmScriptHarness("""
            route {
                t_on_reply("r");
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            onreply_route[r] {
                if (t_check_status("180")) { t_on_failure("f"); }
            }
            failure_route[f] {
                t_reply(503, "armed in reply route");
            }
            """);
        h.SendRequest();
        var invite = Assert.Single(h.Requests(Uas1, "INVITE"));
        h.Reply(invite, 180, "Ringing");
        h.Reply(invite, 486, "Busy Here");
        Assert.True(h.CallerGot(503));
        Assert.False(h.CallerGot(486));
    }

    [Fact]
    public void LocalRequests_ExtraHeaders_EndTheHeaderSectionOfCancelAndAck()
    {
        var sent = System.Text.Encoding.ASCII.GetBytes("INVITE sip:bob@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1a.2b.0\r\n" +
            "From: <sip:alice@a.example>;tag=f1\r\nTo: <sip:bob@b.example>\r\nCall-ID: c1@x\r\nCSeq: 7 INVITE\r\nX-Origin: 1\r\nContent-Length: 0\r\n\r\n");
        var extra = "X-Origin: 1\r\n"u8.ToArray();
        var cancel = System.Text.Encoding.ASCII.GetString(Parley.Transactions.Proxy.LocalRequests.Cancel(sent, "SIP;cause=487"u8, extra)!);
        Assert.EndsWith("\r\nReason: SIP;cause=487\r\nX-Origin: 1\r\nContent-Length: 0\r\n\r\n", cancel, StringComparison.Ordinal);
        var reply = TmScriptHarness.Parse("SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1a.2b.0\r\n" +
            "From: <sip:alice@a.example>;tag=f1\r\nTo: <sip:bob@b.example>;tag=t9\r\nCall-ID: c1@x\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
        var ack = System.Text.Encoding.ASCII.GetString(Parley.Transactions.Proxy.LocalRequests.Ack(sent, reply, extra)!);
        Assert.EndsWith("\r\nMax-Forwards: 70\r\nX-Origin: 1\r\nContent-Length: 0\r\n\r\n", ack, StringComparison.Ordinal);
        TmScriptHarness.Parse(ack);
        Assert.DoesNotContain("X-Origin", System.Text.Encoding.ASCII.GetString(Parley.Transactions.Proxy.LocalRequests.Ack(sent, reply)!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("O", 2)]
    [InlineData("ao", 3)]
    public void ParseCancelBranchFlags_Letters(string text, int expected)
    {
        Assert.Equal(expected, (int)TmModule.ParseCancelBranchFlags(text, out var error)!);
        Assert.Null(error);
    }

    private static string BranchOf(Sent request)
    {
        var start = request.Text.IndexOf("branch=", StringComparison.Ordinal);
        var end = request.Text.IndexOfAny([';', '\r'], start);
        return request.Text[start..end];
    }
}
