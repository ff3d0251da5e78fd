using System.Globalization;
using System.Text.Json.Nodes;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary>
/// The MI commands against the OpenSIPS 3.6.8 captures: the golden situation is rebuilt (the same Call-IDs, tags, URIs,
/// SDPs and profiles as the capture's SIPp calls through its opensips.cfg), each MANIFEST request is run through the real
/// JSON-RPC dispatcher, and the answer must have the capture's shape (members, order, types) and values — except those
/// that depend on time and on OpenSIPS's random <c>h_id</c>.
/// </summary>
public sealed class DialogMiTests : IDisposable
{
    private static readonly HashSet<string> Varying = ["ID", "db_id", "timestart", "datestart", "timeout", "dateout"];

    private readonly DialogHarness _h = new(profilesWithValue: "caller", profilesNoValue: "inbound");

    public void Dispose() => _h.Dispose();

    /// <summary>Three calls from "sipp" held up, as in the capture (Call-IDs 1..3-21431, callee tags 21426SIPpTag011..013).</summary>
    private List<(Dialog Dialog, FakeTransaction Invite)> ThreeCalls(params string[] users)
    {
        users = users.Length == 0 ? ["sipp", "sipp", "sipp"] : users;
        var prefix = users[0] == "sipp" ? "21431" : "22220";
        var calleeBase = users[0] == "sipp" ? 11 : 14;
        var calls = new List<(Dialog, FakeTransaction)>();
        for (var i = 1; i <= 3; i++)
        {
            var callId = $"{i}-{prefix}@127.0.0.1";
            var fromTag = $"{prefix}SIPpTag00{i}";
            var (dialog, tx) = _h.StartCall(callId, fromTag, users[i - 1], afterCreate: (ctx, d) =>
            {
                _h.Manager.SetProfile(d, _h.Profiles.Find("caller")!, users[i - 1]);
                _h.Manager.SetProfile(d, _h.Profiles.Find("inbound")!, null);
            });
            var calleeTag = "21426SIPpTag0" + (calleeBase + i - 1).ToString(CultureInfo.InvariantCulture);
            _h.Relay(tx, 180, calleeTag, callId: callId, fromTag: fromTag);
            _h.Relay(tx, 200, calleeTag, callId: callId, fromTag: fromTag, body: DialogHarness.Sdp.Replace("6004", "6000", StringComparison.Ordinal));
            _h.Sequential(dialog, "ACK", 1, callId: callId, callerTag: fromTag, calleeTag: calleeTag);
            calls.Add((dialog, tx));
        }

        return calls;
    }

    /// <summary>Same shape as the capture, and the same values apart from time and h_id.</summary>
    private static void AssertLikeGolden(string golden, JsonNode actual)
    {
        var expected = Golden.Load(golden);
        Golden.AssertSameShape(expected, actual);
        AssertSameValues(expected, actual, "$");
    }

    private static void AssertSameValues(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case JsonObject eo:
                foreach (var (key, value) in eo)
                {
                    if (Varying.Contains(key) || key == "id")
                    {
                        continue;
                    }

                    AssertSameValues(value, actual![key], path + "." + key);
                }

                break;
            case JsonArray ea:
                for (var i = 0; i < ea.Count; i++)
                {
                    AssertSameValues(ea[i], actual!.AsArray()[i], $"{path}[{i}]");
                }

                break;
            case null:
                Assert.Null(actual);
                break;
            default:
                Assert.True(expected.ToJsonString() == actual!.ToJsonString(), $"{path}: {expected.ToJsonString()} expected, got {actual.ToJsonString()}");
                break;
        }
    }

    [Fact]
    public void DlgList_ThreeConfirmedCalls_MatchesGoldenInBucketOrder()
    {
        var calls = ThreeCalls();

        var response = _h.MiGolden("dlg_list");

        AssertLikeGolden("dlg_list", response);
        var dialogs = response["result"]!["Dialogs"]!.AsArray();
        Assert.StartsWith("074.", dialogs[0]!["ID"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("277.", dialogs[1]!["ID"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("57d.", dialogs[2]!["ID"]!.GetValue<string>(), StringComparison.Ordinal);
        var first = calls[1].Dialog;
        Assert.Equal(first.Did, dialogs[0]!["ID"]!.GetValue<string>());
        Assert.Equal(first.DbId.ToString(CultureInfo.InvariantCulture), dialogs[0]!["db_id"]!.GetValue<string>());
        var start = dialogs[0]!["timestart"]!.GetValue<long>();
        Assert.Equal(_h.Manager.NowUnix, start);
        Assert.Equal(start + 43200, dialogs[0]!["timeout"]!.GetValue<long>());
        Assert.Equal(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(start), _h.Time.LocalTimeZone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            dialogs[0]!["datestart"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("dlg_list_callid")]
    [InlineData("dlg_list_callid_fromtag")]
    [InlineData("dlg_list_ctx")]
    [InlineData("dlg_list_ctx_callid")]
    [InlineData("dlg_list_index_counter")]
    [InlineData("profile_get_size_caller")]
    [InlineData("profile_get_size_caller_value")]
    [InlineData("profile_get_size_caller_value_absent")]
    [InlineData("profile_get_size_inbound")]
    [InlineData("profile_get_values_caller")]
    [InlineData("profile_get_values_inbound")]
    [InlineData("profile_list_dlgs_caller")]
    [InlineData("list_all_profiles")]
    [InlineData("dlg_list_callid_unknown")]
    [InlineData("error_bad_param_unknown_profile")]
    [InlineData("error_bad_param_positional")]
    [InlineData("error_bad_param_name")]
    public void Command_ThreeConfirmedCalls_MatchesGolden(string golden)
    {
        ThreeCalls();

        AssertLikeGolden(golden, _h.MiGolden(golden));
    }

    [Theory]
    [InlineData("mixed_dlg_list_ctx")]
    [InlineData("mixed_profile_get_size_caller")]
    [InlineData("mixed_profile_get_size_caller_alice")]
    [InlineData("mixed_profile_get_values_caller")]
    [InlineData("mixed_profile_list_dlgs_caller_bob")]
    public void Command_CallsFromAliceAliceAndBob_MatchesGolden(string golden)
    {
        ThreeCalls("alice", "alice", "bob");

        AssertLikeGolden(golden, _h.MiGolden(golden));
    }

    [Fact]
    public void DlgList_OneSecondAfterTheByes_ListsDeletedDialogsWithoutTimeout()
    {
        foreach (var (dialog, _) in ThreeCalls())
        {
            var bye = _h.Begin(DialogHarness.InDialog("BYE", 2, callId: Callid(dialog), callerTag: Tag(dialog, 0), calleeTag: Tag(dialog, 1)));
            _h.Manager.OnLooseRoute(bye, System.Text.Encoding.ASCII.GetBytes("did=" + dialog.Did));
            _h.Tm.NewTransaction(bye);
        }

        AssertLikeGolden("after_1s_dlg_list", _h.MiGolden("after_1s_dlg_list"));
    }

    [Fact]
    public void DlgList_AfterTheTransactionsEnd_IsEmptyAndStatisticsAreBackToZero()
    {
        var byes = new List<FakeTransaction>();
        var calls = ThreeCalls();
        foreach (var (dialog, _) in calls)
        {
            var bye = _h.Begin(DialogHarness.InDialog("BYE", 2, callId: Callid(dialog), callerTag: Tag(dialog, 0), calleeTag: Tag(dialog, 1)));
            _h.Manager.OnLooseRoute(bye, System.Text.Encoding.ASCII.GetBytes("did=" + dialog.Did));
            byes.Add(_h.Tm.NewTransaction(bye));
        }

        foreach (var tx in byes)
        {
            tx.Fire(TmCallbackType.TransactionDeleted);
        }

        foreach (var (_, invite) in calls)
        {
            invite.Fire(TmCallbackType.TransactionDeleted);
        }

        AssertLikeGolden("after_dlg_list", _h.MiGolden("after_dlg_list"));
        var stats = _h.Mi("""{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["dialog:"]},"id":1}""")["result"]!;
        Assert.Equal(0, stats["dialog:active_dialogs"]!.GetValue<long>());
        Assert.Equal(3, stats["dialog:processed_dialogs"]!.GetValue<long>());
    }

    [Fact]
    public void GetStatistics_Dialog_HasGoldenNamesInGoldenOrder()
    {
        ThreeCalls();

        var actual = _h.Mi("""{"jsonrpc":"2.0","method":"get_statistics","params":{"statistics":["dialog:"]},"id":1}""")["result"]!.AsObject();
        var expected = new JsonObject();
        foreach (var (key, value) in Golden.Load("get_statistics_dialog_tm_core")["result"]!.AsObject())
        {
            if (key.StartsWith("dialog:", StringComparison.Ordinal))
            {
                expected[key] = value!.DeepClone();
            }
        }

        Golden.AssertSameShape(expected, actual);
        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
    }

    [Fact]
    public void DlgList_IndexCounter_PagesThroughTheTable()
    {
        ThreeCalls();

        var page = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_list","params":{"index":2,"counter":5},"id":1}""")["result"]!;

        Assert.Equal(3, page["count"]!.GetValue<int>());
        Assert.Equal("1-21431@127.0.0.1", Assert.Single(page["Dialogs"]!.AsArray())!["callid"]!.GetValue<string>());
        var all = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_list","params":{"index":0,"counter":0},"id":1}""")["result"]!;
        Assert.Null(all["count"]);
        Assert.Equal(3, all["Dialogs"]!.AsArray().Count);
    }

    [Fact]
    public void DlgListCtx_Values_AreListedNewestFirstWithEscapes()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Manager.SetValue(dialog, "account", Parley.Scripting.Runtime.ScriptValue.FromString("pre\npaid"));
        _h.Manager.SetValue(dialog, "credit", Parley.Scripting.Runtime.ScriptValue.FromInt(42));

        var ctx = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_list_ctx","id":1}""")["result"]!["Dialogs"]![0]!["context"]!;

        Assert.Equal("""{"values":[{"credit":42},{"account":"pre\\npaid"}]}""", ctx.ToJsonString());
    }

    [Fact]
    public void DlgListCtx_MiContextCallback_AddsItsMembersToTheContextOnlyThere()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Manager.SetValue(dialog, "credit", Parley.Scripting.Runtime.ScriptValue.FromInt(42));
        var calls = 0;
        _h.Manager.RegisterCallback(dialog, DialogCallbackType.MiContext, (d, in args) =>
        {
            calls++;
            Assert.Equal(DialogCallbackType.MiContext, args.Type);
            args.MiContext!["rtp"] = new System.Text.Json.Nodes.JsonObject { ["engine"] = "rtp-1", ["did"] = d.Did };
        });

        var ctx = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_list_ctx","id":1}""")["result"]!["Dialogs"]![0]!["context"]!;
        var plain = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_list","id":2}""")["result"]!["Dialogs"]![0]!;

        Assert.Equal($$$"""{"values":[{"credit":42}],"rtp":{"engine":"rtp-1","did":"{{{dialog.Did}}}"}}""", ctx.ToJsonString());
        Assert.Null(plain["context"]);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void DlgListCallId_DeletedDialog_IsNotFound()
    {
        var (dialog, _) = _h.ConfirmedCall();
        _h.Manager.RegisterCallback(dialog, DialogCallbackType.Terminated, (_, in _) => { });
        _h.Sequential(dialog, "BYE", 2);

        var response = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_list","params":{"callid":"2-21431@127.0.0.1"},"id":1}""");

        Assert.Equal("""{"code":404,"message":"No such dialog"}""", response["error"]!.ToJsonString());
    }

    [Fact]
    public void DlgEndDlg_ByDidOrCallId_SendsByesAndAnswersOk()
    {
        var (dialog, _) = _h.ConfirmedCall();

        var response = _h.Mi($$"""{"jsonrpc":"2.0","method":"dlg_end_dlg","params":{"dialog_id":"{{dialog.Did}}","extra_hdrs":"X-A: 1"},"id":1}""");

        Assert.Equal("OK", response["result"]!.GetValue<string>());
        Assert.Equal(2, _h.Tm.Sent.Count);
        Assert.Equal("X-A: 1\r\n", _h.Tm.Sent[0].Headers);

        using var other = new DialogHarness();
        other.ConfirmedCall();
        Assert.Equal("OK", other.Mi("""{"jsonrpc":"2.0","method":"dlg_end_dlg","params":["2-21431@127.0.0.1"],"id":1}""")["result"]!.GetValue<string>());
        Assert.Equal(2, other.Tm.Sent.Count);
    }

    [Fact]
    public void DlgEndDlg_Unknown_Is404()
    {
        var response = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_end_dlg","params":{"dialog_id":"1.2"},"id":1}""");

        Assert.Equal("""{"code":404,"message":"Requested Dialog not found"}""", response["error"]!.ToJsonString());
    }

    [Fact]
    public void DlgEndDlg_EarlyDialog_CancelsIt()
    {
        var (_, tx) = _h.StartCall();
        _h.Relay(tx, 183);

        var response = _h.Mi("""{"jsonrpc":"2.0","method":"dlg_end_dlg","params":{"dialog_id":"2-21431@127.0.0.1"},"id":1}""");

        Assert.Equal("OK", response["result"]!.GetValue<string>());
        Assert.Same(tx, Assert.Single(_h.Tm.Cancelled));
    }

    [Fact]
    public void ProfileEndDlgs_Value_EndsOnlyThoseDialogs()
    {
        ThreeCalls("alice", "alice", "bob");

        var response = _h.Mi("""{"jsonrpc":"2.0","method":"profile_end_dlgs","params":{"profile":"caller","value":"alice"},"id":1}""");

        Assert.Equal("OK", response["result"]!.GetValue<string>());
        Assert.Equal(4, _h.Tm.Sent.Count);
        Assert.DoesNotContain(_h.Tm.Sent, r => r.CallId == "3-22220@127.0.0.1");
    }

    [Fact]
    public void ProfileGetValues_SharedProfile_Is405()
    {
        using var h = new DialogHarness(o => o.CachedbUrl = "redis://127.0.0.1:6379", profilesWithValue: "shared/s");

        var response = h.Mi("""{"jsonrpc":"2.0","method":"profile_get_values","params":{"profile":"shared/s"},"id":1}""");

        Assert.Equal("""{"code":405,"message":"Unsupported command for shared profiles"}""", response["error"]!.ToJsonString());
        Assert.Equal("yes", h.Mi("""{"jsonrpc":"2.0","method":"profile_get_size","params":{"profile":"shared/s"},"id":1}""")["result"]!["Profile"]!["shared"]!.GetValue<string>());
    }

    [Fact]
    public void DlgPushVar_DidsAndCallIds_SetTheValueOnEach()
    {
        var calls = ThreeCalls();

        var response = _h.Mi($$"""{"jsonrpc":"2.0","method":"dlg_push_var","params":{"dlg_val_name":"v","dlg_val_value":"x","DID":["{{calls[0].Dialog.Did}}","3-21431@127.0.0.1","nope"]},"id":1}""");

        Assert.Equal("OK", response["result"]!.GetValue<string>());
        Assert.True(_h.Manager.TryGetValue(calls[0].Dialog, "v", out var v1) && v1.AsString() == "x");
        Assert.True(_h.Manager.TryGetValue(calls[2].Dialog, "v", out _));
        Assert.False(_h.Manager.TryGetValue(calls[1].Dialog, "v", out _));
    }

    [Fact]
    public void DlgSetAndUnsetProfile_ByDid_ChangeTheCounts()
    {
        var calls = ThreeCalls();
        var did = calls[0].Dialog.Did;

        Assert.Equal("OK", _h.Mi($$"""{"jsonrpc":"2.0","method":"dlg_set_profile","params":{"dlg_id":"{{did}}","profile":"caller","value":"vip","clear_values":1},"id":1}""")["result"]!.GetValue<string>());
        Assert.Equal(1, _h.Profiles.Find("caller")!.Size("vip"));
        Assert.Equal(2, _h.Profiles.Find("caller")!.Size("sipp"));

        Assert.Equal("OK", _h.Mi($$"""{"jsonrpc":"2.0","method":"dlg_unset_profile","params":{"dlg_id":"{{did}}","profile":"caller"},"id":1}""")["result"]!.GetValue<string>());
        Assert.Equal(0, _h.Profiles.Find("caller")!.Size("vip"));
        Assert.Equal("""{"code":403,"message":"Dialog Error"}""",
            _h.Mi($$"""{"jsonrpc":"2.0","method":"dlg_unset_profile","params":{"dlg_id":"{{did}}","profile":"caller"},"id":1}""")["error"]!.ToJsonString());
        Assert.Equal("""{"code":400,"message":"Bad param"}""",
            _h.Mi($$"""{"jsonrpc":"2.0","method":"dlg_set_profile","params":{"dlg_id":"{{did}}","profile":"nope"},"id":1}""")["error"]!.ToJsonString());
        Assert.Equal("""{"code":404,"message":"Dialog Not Found"}""",
            _h.Mi("""{"jsonrpc":"2.0","method":"dlg_set_profile","params":{"dlg_id":"x","profile":"inbound"},"id":1}""")["error"]!.ToJsonString());
    }

    [Fact]
    public void Which_DialogCommands_AreRegisteredInOpenSipsOrder()
    {
        var names = new List<string>();
        foreach (var command in _h.Management.Commands.Commands)
        {
            if (command.Module == "dialog")
            {
                names.Add(command.Name);
            }
        }

        Assert.Equal(["dlg_list", "dlg_list_ctx", "dlg_end_dlg", "profile_get_size", "profile_list_dlgs", "profile_get_values", "list_all_profiles",
            "profile_end_dlgs", "dlg_push_var", "dlg_set_profile", "dlg_unset_profile", "dlg_send_sequential"], names);
    }

    private static string Callid(Dialog d) => System.Text.Encoding.ASCII.GetString(d.CallId);

    private static string Tag(Dialog d, int leg) => System.Text.Encoding.ASCII.GetString(d.Leg(leg).Tag);
}
