using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Management;
using Parley.Modules;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transactions;
using Parley.Transactions.Api;
using Parley.Transport;

namespace Parley.Dialogs.Tests;

/// <summary>The dialog module through the real compiler and pipeline: loadmodule, modparam, bindings, variables, rr's cookie.</summary>
public sealed class DialogScriptTests : IDisposable
{
    private const string Modules = """
        socket=udp:127.0.0.1:35060
        loadmodule "tm.so"
        loadmodule "rr.so"
        modparam("rr", "append_fromtag", 0)
        loadmodule "sl.so"
        loadmodule "signaling.so"
        loadmodule "textops.so"
        loadmodule "sipmsgops.so"
        loadmodule "dialog.so"
        modparam("dialog", "profiles_with_value", "caller")
        modparam("dialog", "profiles_no_value", "inbound")

        """;

    private readonly ManualTimeProvider _time = new();
    private readonly List<ManagementServices> _all = [];
    private ManagementServices _management;
    private readonly CapturingSender _sender = new();
    private readonly SipListener _udp;
    private readonly ProxyHost _host;
    private readonly FakeTm _tm = new();

    public DialogScriptTests()
    {
        _management = NewManagement();
        Assert.True(ListenAddress.TryParse("udp:127.0.0.1:35060", out var address, out _));
        _udp = new SipListener(0, address, address.EndPoint);
        _host = new ProxyHost([_udp], _sender, NullLoggerFactory.Instance);
    }

    public void Dispose()
    {
        foreach (var management in _all)
        {
            management.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private ManagementServices NewManagement()
    {
        var management = new ManagementServices(time: _time);
        _all.Add(management);
        return management;
    }

    private ModuleCatalog Catalog()
    {
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);
        catalog.Add("tm", () => new TmModule(_management));
        catalog.Add("dialog", () => new DialogModule(_management, new MemoryDialogStoreFactory()));
        return catalog;
    }

    private CompileResult Compile(string text) => ScriptCompiler.CompileText(text, "test.cfg", Catalog());

    private (ScriptPipeline Pipeline, DialogModule Module) Load(string routes, string? extraModparams = null)
    {
        var result = Compile(Modules + (extraModparams ?? string.Empty) + routes);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var module = result.Script!.Registry.GetModule<DialogModule>()!;
        module.Manager.AttachTm(_tm);
        module.AttachHost(_host);
        return (new ScriptPipeline(result.Script, _host, _time), module);
    }

    private static void Handle(ScriptPipeline pipeline, string text)
    {
        var message = DialogHarness.Parse(text);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        pipeline.HandleRequest(message, editor, new MessageSource(SipEndPoint.Parse("127.0.0.1:35080"), SipTransport.Udp, pipeline.Context.Host.Listeners[0], 0));
    }

    private const string CallRoutes = """
        route {
            if (has_totag()) {
                if (loose_route()) {
                    append_hf("X-Status: $DLG_status\r\n");
                    append_hf("X-Dir: $DLG_dir\r\n");
                    append_hf("X-Did: $DLG_did\r\n");
                    append_hf("X-Plan: $dlg_val(plan)\r\n");
                    append_hf("X-Answered: $dlg_val(answered)\r\n");
                    append_hf("X-Flags: $DLG_flags\r\n");
                    append_hf("X-Count: $DLG_count\r\n");
                    if (is_dlg_flag_set("VIP")) append_hf("X-Vip: yes\r\n");
                    if (is_in_profile("caller", "sipp")) append_hf("X-Profile: yes\r\n");
                    get_profile_size("caller", "sipp", $var(size));
                    append_hf("X-Size: $var(size)\r\n");
                    fetch_dlg_value("plan", $var(plan));
                    append_hf("X-Fetched: $var(plan)\r\n");
                    append_hf("X-Timeout: $DLG_timeout\r\n");
                    append_hf("X-Lifetime: $DLG_lifetime\r\n");
                    forward();
                    exit;
                }
                sl_send_reply(404, "Not here");
                exit;
            }
            $DLG_timeout = 3600;
            record_route();
            create_dialog("B");
            set_dlg_profile("caller", "$fU");
            set_dlg_profile("inbound");
            $dlg_val(plan) = "gold";
            store_dlg_value("other", "x");
            set_dlg_flag("VIP");
            set_dlg_flag("SECOND");
            reset_dlg_flag("SECOND");
            dlg_on_answer("answered");
            $du = "sip:127.0.0.1:35070";
            forward();
        }

        route[answered] {
            $dlg_val(answered) = "at " + $DLG_status;
        }
        """;

    [Fact]
    public void Invite_CreateDialogAfterRecordRoute_PutsTheDidCookieOnOurRecordRoute()
    {
        var (pipeline, module) = Load(CallRoutes);

        Handle(pipeline, DialogHarness.Invite());

        var dialog = Assert.Single(module.Manager.Dialogs());
        var invite = Assert.Single(_sender.Sent);
        Assert.Contains($"Record-Route: <sip:127.0.0.1:35060;lr;did={dialog.Did}>\r\n", invite, StringComparison.Ordinal);
        Assert.Equal(3600, module.Manager.GetTimeout(dialog));
        Assert.Equal(1, module.Manager.Profiles.Find("caller")!.Size("sipp"));
        Assert.Equal(1, module.Manager.Profiles.Find("inbound")!.Size());
    }

    [Fact]
    public void Invite_RrParamAndDidNone_ChangeOrDropTheCookie()
    {
        var (renamed, m1) = Load(CallRoutes, "modparam(\"dialog\", \"rr_param\", \"xyz\")\n");
        Handle(renamed, DialogHarness.Invite());
        Assert.Contains($";lr;xyz={Assert.Single(m1.Manager.Dialogs()).Did}>", _sender.Sent[0], StringComparison.Ordinal);

        _management = NewManagement();
        var (none, _) = Load(CallRoutes, "modparam(\"dialog\", \"dlg_match_mode\", 2)\n");
        Handle(none, DialogHarness.Invite(callId: "other"));
        Assert.Contains("Record-Route: <sip:127.0.0.1:35060;lr>\r\n", _sender.Sent[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Call_SequentialRequestsThroughLooseRoute_SeeTheDialogInTheirVariables()
    {
        var (pipeline, module) = Load(CallRoutes);
        Handle(pipeline, DialogHarness.Invite());
        var tx = _tm.NewTransaction(pipeline.Context);
        tx.Fire(TmCallbackType.RequestBuilt, request: tx.Request, branch: 0);
        var ok = DialogHarness.Parse(DialogHarness.Reply(200));
        tx.Fire(TmCallbackType.ResponsePreOut, reply: ok, code: 200, branch: 0);
        var dialog = Assert.Single(module.Manager.Dialogs());
        var route = $"<sip:127.0.0.1:35060;lr;did={dialog.Did}>";

        Handle(pipeline, DialogHarness.InDialog("ACK", 1, route: route));
        _time.Advance(TimeSpan.FromSeconds(10));
        Handle(pipeline, DialogHarness.InDialog("INFO", 2, route: route));

        var info = _sender.Sent[^1];
        Assert.StartsWith("INFO ", info, StringComparison.Ordinal);
        Assert.Contains("X-Status: 4\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Dir: downstream\r\n", info, StringComparison.Ordinal);
        Assert.Contains($"X-Did: {dialog.Did}\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Plan: gold\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Answered: at 3\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Flags: VIP\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Count: 1\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Vip: yes\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Profile: yes\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Size: 1\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Fetched: gold\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Timeout: 3590\r\n", info, StringComparison.Ordinal);
        Assert.Contains("X-Lifetime: 10\r\n", info, StringComparison.Ordinal);
        Assert.Equal(DialogCreateFlags.ByeOnTimeout, dialog.Flags);

        Handle(pipeline, DialogHarness.InDialog("BYE", 3, upstream: true, route: route));
        var bye = _sender.Sent[^1];
        Assert.Contains("X-Status: 5\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("X-Dir: upstream\r\n", bye, StringComparison.Ordinal);
        Assert.Contains("X-Count: 0\r\n", bye, StringComparison.Ordinal);
        Assert.Equal(0, module.Manager.Profiles.Find("caller")!.Size());
    }

    [Fact]
    public void EnableStatsZero_StatisticsUnpublished_DlgCountStillCounts()
    {
        var (pipeline, module) = Load(CallRoutes, "modparam(\"dialog\", \"enable_stats\", 0)\n");
        Handle(pipeline, DialogHarness.Invite());
        var tx = _tm.NewTransaction(pipeline.Context);
        tx.Fire(TmCallbackType.ResponsePreOut, reply: DialogHarness.Parse(DialogHarness.Reply(200)), code: 200, branch: 0);
        var dialog = Assert.Single(module.Manager.Dialogs());

        Handle(pipeline, DialogHarness.InDialog("ACK", 1, route: $"<sip:127.0.0.1:35060;lr;did={dialog.Did}>"));

        Assert.Null(_management.Statistics.Find("dialog:active_dialogs"));
        Assert.Contains("X-Count: 1\r\n", _sender.Sent[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void MatchDialog_WithoutRoute_FindsTheDialogSipWise()
    {
        var (pipeline, module) = Load("""
            route {
                if (has_totag()) {
                    if (match_dialog("DID_FALLBACK")) append_hf("X-Status: $DLG_status\r\n");
                    else append_hf("X-Status: none\r\n");
                    if ($DLG_status == NULL) append_hf("X-Null: yes\r\n");
                    forward();
                    exit;
                }
                create_dialog();
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);
        Handle(pipeline, DialogHarness.Invite());
        var tx = _tm.NewTransaction(pipeline.Context);
        tx.Fire(TmCallbackType.ResponsePreOut, reply: DialogHarness.Parse(DialogHarness.Reply(183)), code: 183, branch: 0);

        Handle(pipeline, DialogHarness.InDialog("PRACK", 2));
        Assert.Contains("X-Status: 2\r\n", _sender.Sent[^1], StringComparison.Ordinal);

        Handle(pipeline, DialogHarness.InDialog("PRACK", 2, callId: "nope"));
        Assert.Contains("X-Status: none\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-Null: yes\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Single(module.Manager.Dialogs());
    }

    [Fact]
    public void Variables_WithoutADialog_AreNull()
    {
        var (pipeline, _) = Load("""
            route {
                if ($DLG_status == NULL && $DLG_did == NULL && $DLG_dir == NULL && $DLG_timeout == NULL && $dlg_val(x) == NULL
                    && $DLG_json == NULL && $DLG_end_reason == NULL && $DLG_lifetime == NULL && $DLG_flags == NULL && $DLG_del_delay == NULL)
                    append_hf("X-All-Null: yes\r\n");
                if (!set_dlg_flag("F") && !is_in_profile("inbound") && !store_dlg_value("a", "b")) append_hf("X-Refused: yes\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);

        Handle(pipeline, DialogHarness.InDialog("OPTIONS", 1));

        Assert.Contains("X-All-Null: yes\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-Refused: yes\r\n", _sender.Sent[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void DlgJson_IsTheDlgListEntry()
    {
        var (pipeline, module) = Load("""
            route {
                create_dialog();
                $dlg_val(k) = "v";
                $var(j) = $DLG_ctx_json;
                append_hf("X-Json: $DLG_json\r\n");
                append_hf("X-Ctx: $var(j)\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);

        Handle(pipeline, DialogHarness.Invite());

        var dialog = Assert.Single(module.Manager.Dialogs());
        Assert.Contains("X-Json: {\"ID\":\"" + dialog.Did + "\",\"db_id\":", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("\"context\":{\"values\":[{\"k\":\"v\"}]}}\r\n", _sender.Sent[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void TestAndSetDlgFlag_FlipsOnlyWhenEqual()
    {
        var (pipeline, _) = Load("""
            route {
                create_dialog();
                if (test_and_set_dlg_flag("F", 1)) append_hf("X-1: flipped\r\n");
                if (test_and_set_dlg_flag("F", 0)) append_hf("X-2: flipped\r\n");
                if (is_dlg_flag_set("F")) append_hf("X-3: set\r\n");
                if (test_and_set_dlg_flag("F", 1)) append_hf("X-4: flipped\r\n");
                if (!is_dlg_flag_set("F")) append_hf("X-5: clear\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);

        Handle(pipeline, DialogHarness.Invite());

        var sent = _sender.Sent[^1];
        Assert.DoesNotContain("X-1:", sent, StringComparison.Ordinal);
        Assert.Contains("X-2: flipped\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-3: set\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-4: flipped\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-5: clear\r\n", sent, StringComparison.Ordinal);
    }

    [Fact]
    public void PingIntervals_WrittenBeforeCreateDialog_BecomeTheNewDialogs()
    {
        var (pipeline, module) = Load("""
            route {
                append_hf("X-None: $DLG_options_ping_interval\r\n");
                $DLG_options_ping_interval = 9;
                $DLG_reinvite_ping_interval = 45;
                append_hf("X-Pending: $DLG_options_ping_interval/$DLG_reinvite_ping_interval\r\n");
                create_dialog("pR");
                append_hf("X-Dialog: $DLG_options_ping_interval/$DLG_reinvite_ping_interval\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """, "modparam(\"dialog\", \"options_ping_interval\", 20)\n");

        Handle(pipeline, DialogHarness.Invite());

        var sent = _sender.Sent[^1];
        Assert.Contains("X-None: <null>\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-Pending: 9/45\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-Dialog: 9/45\r\n", sent, StringComparison.Ordinal);
        var dialog = Assert.Single(module.Manager.Dialogs());
        Assert.Equal(9, module.Manager.GetPingInterval(dialog, reinvite: false));
        Assert.Equal(45, module.Manager.GetPingInterval(dialog, reinvite: true));
    }

    [Fact]
    public void PingIntervals_WrittenBeforeLooseRouteMatches_ApplyToTheSequentialRequestsDialog()
    {
        var (pipeline, module) = Load("""
            route {
                if (has_totag()) {
                    $DLG_reinvite_ping_interval = 33;
                    if (loose_route()) {
                        append_hf("X-Reinvite: $DLG_reinvite_ping_interval\r\n");
                        forward();
                    }
                    exit;
                }
                record_route();
                create_dialog("R");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);
        Handle(pipeline, DialogHarness.Invite());
        var tx = _tm.NewTransaction(pipeline.Context);
        tx.Fire(TmCallbackType.RequestBuilt, request: tx.Request, branch: 0);
        tx.Fire(TmCallbackType.ResponsePreOut, reply: DialogHarness.Parse(DialogHarness.Reply(200)), code: 200, branch: 0);
        var dialog = Assert.Single(module.Manager.Dialogs());
        var route = $"<sip:127.0.0.1:35060;lr;did={dialog.Did}>";
        Assert.Equal(300, module.Manager.GetPingInterval(dialog, reinvite: true));

        Handle(pipeline, DialogHarness.InDialog("ACK", 1, route: route));
        Handle(pipeline, DialogHarness.InDialog("INFO", 2, route: route));

        Assert.Contains("X-Reinvite: 33\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Equal(33, module.Manager.GetPingInterval(dialog, reinvite: true));
    }

    [Fact]
    public void PingIntervalsAndSendSequential_InTheInitialInvite_AreBoundAndAnUnconfirmedDialogSendsNothing()
    {
        var (pipeline, _) = Load("""
            route {
                create_dialog("p");
                append_hf("X-Before: $DLG_options_ping_interval\r\n");
                $DLG_options_ping_interval = 7;
                append_hf("X-After: $DLG_options_ping_interval\r\n");
                append_hf("X-Reinvite: $DLG_reinvite_ping_interval\r\n");
                if (!dlg_send_sequential("INFO", "callee", "hi", "text/plain", "X-Y: 1")) append_hf("X-Seq: refused\r\n");
                if (dlg_inc_cseq("nobody", 2)) append_hf("X-Inc: yes\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """, "modparam(\"dialog\", \"options_ping_interval\", 20)\n");

        Handle(pipeline, DialogHarness.Invite());

        var sent = _sender.Sent[^1];
        Assert.Contains("X-Before: 20\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-After: 7\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-Reinvite: 300\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("X-Seq: refused\r\n", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Inc:", sent, StringComparison.Ordinal);
        Assert.Empty(_tm.Sent);
    }

    [Fact]
    public void DelDelay_ReadsTheDefaultAndTheOverride()
    {
        var (pipeline, module) = Load("""
            route {
                create_dialog();
                append_hf("X-Before: $DLG_del_delay\r\n");
                $DLG_del_delay = 7;
                append_hf("X-After: $DLG_del_delay\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """, "modparam(\"dialog\", \"delete_delay\", 4)\n");

        Handle(pipeline, DialogHarness.Invite());

        Assert.Contains("X-Before: 4\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-After: 7\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Equal(7, Assert.Single(module.Manager.Dialogs()).DeleteDelaySeconds);
    }

    [Fact]
    public void DlgVal_DynamicNameFromVar_ReadsAndWritesThatName()
    {
        var (pipeline, module) = Load("""
            route {
                create_dialog();
                $var(n) = "plan";
                $dlg_val($var(n)) = "gold";
                append_hf("X-Plan: $dlg_val(plan)\r\n");
                $dlg_val(bonus) = "silver";
                $var(n) = "bonus";
                append_hf("X-Dynamic: $dlg_val($var(n))\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);

        Handle(pipeline, DialogHarness.Invite());

        Assert.Contains("X-Plan: gold\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-Dynamic: silver\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.True(module.Manager.TryGetValue(Assert.Single(module.Manager.Dialogs()), "plan", out var plan));
        Assert.Equal("gold", plan.AsString());
    }

    [Fact]
    public void DlgVal_DynamicNameFromAvpAndMessageField_ReadsAndWritesThatName()
    {
        var (pipeline, module) = Load("""
            route {
                create_dialog();
                $avp(key) = "account";
                $dlg_val($avp(key)) = "prepaid";
                $dlg_val($fU) = "caller-value";
                append_hf("X-Account: $dlg_val(account)\r\n");
                append_hf("X-Caller: $dlg_val($fU)\r\n");
                $avp(key) = "";
                $dlg_val($avp(key)) = "ignored";
                append_hf("X-Empty: $dlg_val($avp(key))\r\n");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);

        Handle(pipeline, DialogHarness.Invite());

        Assert.Contains("X-Account: prepaid\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-Caller: caller-value\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-Empty: <null>\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        var dialog = Assert.Single(module.Manager.Dialogs());
        Assert.True(module.Manager.TryGetValue(dialog, "sipp", out var byUser));
        Assert.Equal("caller-value", byUser.AsString());
        Assert.False(module.Manager.TryGetValue(dialog, "", out _));
    }

    [Fact]
    public void Compile_DlgValNamedByUnknownVariable_ReportsTheError()
    {
        var result = Compile(Modules + "route {\n    $dlg_val($nosuchvar(x)) = 1;\n}\n");

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains("the name must be a pseudo-variable", StringComparison.Ordinal));
    }

    [Fact]
    public void Script_SecondCallOfACaller_SeesTheFirstThroughProfileQueryAndLoadedContext()
    {
        var (pipeline, module) = Load("""
            route {
                if (get_dialogs_by_profile("caller", "$fU", $avp(j), $var(n)))
                    append_hf("X-Peers: $var(n)\r\n");
                if (load_dialog_ctx("first-call")) {
                    append_hf("X-Loaded: $DLG_did\r\n");
                    if (is_in_profile("caller", "sipp"))
                        append_hf("X-Loaded-Profile: yes\r\n");
                    unload_dialog_ctx();
                }
                create_dialog();
                set_dlg_profile("caller", "$fU");
                $du = "sip:127.0.0.1:35070";
                forward();
            }
            """);

        Handle(pipeline, DialogHarness.Invite(callId: "first-call"));
        var tx = _tm.NewTransaction(pipeline.Context);
        tx.Fire(TmCallbackType.RequestBuilt, request: tx.Request, branch: 0);
        Assert.DoesNotContain("X-Peers:", _sender.Sent[^1], StringComparison.Ordinal);
        var first = Assert.Single(module.Manager.Dialogs());

        Handle(pipeline, DialogHarness.Invite(callId: "second-call", fromTag: "second-tag"));

        Assert.Contains("X-Peers: 1\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains($"X-Loaded: {first.Did}\r\n", _sender.Sent[^1], StringComparison.Ordinal);
        Assert.Contains("X-Loaded-Profile: yes\r\n", _sender.Sent[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create_dialog(\"BX\");", "unknown create_dialog flag 'X'")]
    [InlineData("set_dlg_profile(\"nope\");", "dialog profile 'nope' is not defined")]
    [InlineData("set_dlg_profile(\"caller\");", "needs a value")]
    [InlineData("match_dialog(\"DID_SOMETIMES\");", "unknown dialog match mode")]
    [InlineData("test_and_set_dlg_flag(\"F\", 2);", "must be 0 or 1")]
    [InlineData("dlg_on_answer(\"missing\");", "missing")]
    [InlineData("get_profile_size(\"caller\", \"x\", \"literal\");", "writable pseudo-variable")]
    [InlineData("dlg_send_sequential(\"INFO\", \"sideways\");", "leg must be")]
    [InlineData("load_dialog_ctx(\"$ci\", \"sometimes\");", "unknown dialog id type")]
    [InlineData("get_dialogs_by_profile(\"nope\", \"v\", $avp(j), $var(n));", "dialog profile 'nope' is not defined")]
    [InlineData("get_dialog_vals(\"literal\", $avp(v), $ci);", "writable pseudo-variable")]
    [InlineData("get_dialog_info(\"a\", $avp(v), \"k\", $fu);", "get_dialog_info")]
    public void Compile_MisusedFunction_ReportsTheError(string call, string message)
    {
        var result = Compile(Modules + "route {\n    " + call + "\n}\n");

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("failure_route[f] {\n create_dialog();\n}\nroute { t_on_failure(\"f\"); }")]
    [InlineData("onreply_route[r] {\n match_dialog();\n}\nroute { t_on_reply(\"r\"); }")]
    [InlineData("failure_route[f] {\n validate_dialog();\n}\nroute { t_on_failure(\"f\"); }")]
    public void Compile_RequestRouteOnlyFunctionElsewhere_IsRejected(string routes)
    {
        var result = Compile(Modules + routes + "\n");

        Assert.False(result.Success);
    }

    [Theory]
    [InlineData("modparam(\"dialog\", \"rr_param\", \"this-parameter-name-is-far-too-long-for-a-cookie\")", "1 to 32 characters")]
    [InlineData("modparam(\"dialog\", \"rr_param\", \"a;b\")", "not a URI parameter name")]
    [InlineData("modparam(\"dialog\", \"dlg_match_mode\", 3)", "between 0 and 2")]
    [InlineData("modparam(\"dialog\", \"hash_size\", 0)", "between 1 and")]
    [InlineData("modparam(\"dialog\", \"dlg_extra_hdrs\", \"no colon here\")", "is not a header line")]
    [InlineData("modparam(\"dialog\", \"db_mode\", 4)", "between 0 and 3")]
    [InlineData("modparam(\"dialog\", \"db_url\", \"not a url\")", "database URL")]
    [InlineData("modparam(\"dialog\", \"table_name\", \"bad name\")", "table or column name")]
    [InlineData("modparam(\"dialog\", \"from_tag_column\", \"\")", "must name a table or column")]
    [InlineData("modparam(\"dialog\", \"cachedb_url\", \"nowhere\")", "CacheDB URL")]
    [InlineData("modparam(\"dialog\", \"profiles_with_value\", \"a/x\")", "unknown suffix")]
    [InlineData("modparam(\"dialog\", \"profiles_no_value\", \"shared/s\")", "needs modparam(\"dialog\", \"cachedb_url\"")]
    [InlineData("modparam(\"dialog\", \"replicate_profiles_buffer\", 0)", "between 1 and")]
    [InlineData("modparam(\"dialog\", \"cluster_auto_sync\", 2)", "between 0 and 1")]
    [InlineData("modparam(\"dialog\", \"no_such_parameter\", 1)", "no_such_parameter")]
    public void Compile_BadParameter_ReportsIt(string modparam, string message)
    {
        var result = Compile("""
            loadmodule "tm.so"
            loadmodule "rr.so"
            loadmodule "dialog.so"

            """ + modparam + "\nroute { exit; }\n");

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mysql://opensips:opensipsrw@localhost/opensips", "db_url: mysql is not supported")]
    public void Compile_DbModeWithUnopenableUrl_RefusedWithReason(string url, string message)
    {
        var result = Compile($$"""
            loadmodule "tm.so"
            loadmodule "dialog.so"
            modparam("dialog", "db_mode", 1)
            modparam("dialog", "db_url", "{{url}}")
            route { exit; }
            """);

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_DbModeWithoutDriver_RefusedWithReason()
    {
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);
        catalog.Add("tm", () => new TmModule(_management));
        catalog.Add("dialog", () => new DialogModule(_management));

        var result = ScriptCompiler.CompileText("""
            loadmodule "tm.so"
            loadmodule "dialog.so"
            modparam("dialog", "db_mode", 2)
            route { exit; }
            """, "test.cfg", catalog);

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains("db_mode 2 needs a database driver", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_EveryManualParameter_IsAccepted()
    {
        var result = Compile("""
            loadmodule "tm.so"
            loadmodule "rr.so"
            loadmodule "dialog.so"
            modparam("dialog", "enable_stats", 0)
            modparam("dialog", "hash_size", 1024)
            modparam("dialog", "log_profile_hash_size", 5)
            modparam("dialog", "rr_param", "xyz")
            modparam("dialog", "default_timeout", 21600)
            modparam("dialog", "dlg_extra_hdrs", "Hint: credit expired\r\n")
            modparam("dialog", "dlg_match_mode", 0)
            modparam("dialog", "delete_delay", 10)
            modparam("dialog", "db_url", "dbdriver://username:password@dbhost/dbname")
            modparam("dialog", "db_mode", 1)
            modparam("dialog", "db_update_period", 120)
            modparam("dialog", "options_ping_interval", 20)
            modparam("dialog", "reinvite_ping_interval", 600)
            modparam("dialog", "table_name", "my_dialog")
            modparam("dialog", "call_id_column", "callid_c_name")
            modparam("dialog", "from_uri_column", "from_uri_c_name")
            modparam("dialog", "from_tag_column", "from_tag_c_name")
            modparam("dialog", "to_uri_column", "to_uri_c_name")
            modparam("dialog", "to_tag_column", "to_tag_c_name")
            modparam("dialog", "from_cseq_column", "from_cseq_c_name")
            modparam("dialog", "to_cseq_column", "to_cseq_c_name")
            modparam("dialog", "from_route_column", "from_route_c_name")
            modparam("dialog", "to_route_column", "to_route_c_name")
            modparam("dialog", "from_contact_column", "from_contact_c_name")
            modparam("dialog", "to_contact_column", "to_contact_c_name")
            modparam("dialog", "from_sock_column", "from_sock_c_name")
            modparam("dialog", "to_sock_column", "to_sock_c_name")
            modparam("dialog", "dlg_id_column", "dlg_id_c_name")
            modparam("dialog", "state_column", "state_c_name")
            modparam("dialog", "start_time_column", "start_time_c_name")
            modparam("dialog", "timeout_column", "timeout_c_name")
            modparam("dialog", "profiles_column", "profiles_c_name")
            modparam("dialog", "vars_column", "vars_c_name")
            modparam("dialog", "sflags_column", "sflags_c_name")
            modparam("dialog", "mflags_column", "mflags_c_name")
            modparam("dialog", "flags_column", "flags_c_name")
            modparam("dialog", "profiles_with_value", "callerCC; gatewayCC; clientChannels/s; codecUsed/b;")
            modparam("dialog", "profiles_no_value", "inbound ; outbound ; shared/s; repl/b;")
            modparam("dialog", "db_flush_vals_profiles", 1)
            modparam("dialog", "timer_bulk_del_no", 10)
            modparam("dialog", "race_condition_timeout", 1)
            modparam("dialog", "cachedb_url", "redis://127.0.0.1:6379")
            modparam("dialog", "profile_value_prefix", "dlgv_")
            modparam("dialog", "profile_no_value_prefix", "dlgnv_")
            modparam("dialog", "profile_size_prefix", "dlgs_")
            modparam("dialog", "profile_timeout", "43200")
            modparam("dialog", "dialog_replication_cluster", 1)
            modparam("dialog", "profile_replication_cluster", 1)
            modparam("dialog", "replicate_profiles_buffer", 500)
            modparam("dialog", "replicate_profiles_check", 100)
            modparam("dialog", "replicate_profiles_timer", 100)
            modparam("dialog", "replicate_profiles_expire", 10)
            modparam("dialog", "cluster_auto_sync", 0)
            route { exit; }
            """);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var options = result.Script!.Registry.GetModule<DialogModule>()!.Options;
        Assert.Equal(1024, options.HashSize);
        Assert.Equal("xyz", options.RrParam);
        Assert.Equal(21600, options.DefaultTimeoutSeconds);
        Assert.Equal(DialogMatchMode.DidOnly, options.MatchMode);
        Assert.Equal(10, options.DeleteDelaySeconds);
        Assert.Equal("Hint: credit expired\r\n", options.ExtraHeaders);
        Assert.Equal("from_tag_c_name", options.Columns["from_tag_column"]);
        Assert.Equal(8, result.Script.Registry.GetModule<DialogModule>()!.Manager.Profiles.Profiles.Count);
    }

    [Fact]
    public void Compile_GoldenOpenSipsConfig_IsAccepted()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "opensips.cfg"))
            .Replace("xlog_level=2", string.Empty, StringComparison.Ordinal)
            .Replace("syslog_enabled=no", string.Empty, StringComparison.Ordinal)
            .Replace("loadmodule \"proto_udp.so\"", string.Empty, StringComparison.Ordinal);
        var catalog = Catalog();
        Parley.Management.Modules.ManagementModules.AddTo(catalog, _management);

        var result = ScriptCompiler.CompileText(text, "opensips.cfg", catalog);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    private sealed class CapturingSender : ISipSender
    {
        public List<string> Sent { get; } = [];

        public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
        {
            Sent.Add(Encoding.UTF8.GetString(pooledBuffer, 0, length));
            ArrayPool<byte>.Shared.Return(pooledBuffer);
        }
    }
}
