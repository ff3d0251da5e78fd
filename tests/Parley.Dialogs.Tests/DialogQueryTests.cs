using System.Text;
using System.Text.Json.Nodes;
using Parley.Dialogs.Core;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Modules.Rr;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Tests;

/// <summary>validate_dialog (opensips-behaviour.md §3.7), the table queries and load/unload_dialog_ctx (manual §1.7.3–1.7.10).</summary>
public sealed class DialogQueryTests : IDisposable
{
    private readonly DialogHarness _h = new(profilesWithValue: "caller", profilesNoValue: "inbound");

    public DialogQueryTests() => _h.Manager.Rr = new RrModule();

    public void Dispose() => _h.Dispose();

    /// <summary>An in-dialog request with our Route (plus <paramref name="extraRoutes"/>), through loose_route's callback.</summary>
    private ScriptContext InDialog(Dialog dialog, string method, uint cseq, bool upstream = false, string? extraRoutes = null,
        string? requestUri = null)
    {
        var route = "<sip:127.0.0.1:35060;lr;did=" + dialog.Did + ">" + (extraRoutes is null ? string.Empty : "," + extraRoutes);
        var text = DialogHarness.InDialog(method, cseq, upstream, route: route);
        if (upstream)
        {
            text = text.Replace($"{method} sip:127.0.0.1:35070;transport=UDP", $"{method} sip:sipp@127.0.0.1:35080;transport=UDP", StringComparison.Ordinal);
        }

        if (requestUri is not null)
        {
            text = text.Replace(upstream ? "sip:sipp@127.0.0.1:35080;transport=UDP SIP/2.0" : "sip:127.0.0.1:35070;transport=UDP SIP/2.0",
                requestUri + " SIP/2.0", StringComparison.Ordinal);
        }

        var ctx = _h.Begin(text);
        _h.Manager.OnLooseRoute(ctx, Encoding.ASCII.GetBytes("lr;did=" + dialog.Did));
        Assert.Same(dialog, _h.Manager.Current(ctx));
        return ctx;
    }

    [Fact]
    public void ValidateDialog_NoDialog_ReturnsMinus4()
    {
        var ctx = _h.Begin(DialogHarness.InDialog("BYE", 2));
        Assert.Equal(-4, _h.Manager.ValidateDialog(ctx));
    }

    [Fact]
    public void ValidateDialog_ByeWithTheNextCSeqRightTargetNoRoutes_Returns1()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(1, _h.Manager.ValidateDialog(InDialog(dialog, "BYE", 2)));
    }

    [Fact]
    public void ValidateDialog_ByeReusingTheInviteCSeq_ReturnsMinus1()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(-1, _h.Manager.ValidateDialog(InDialog(dialog, "BYE", 1)));
    }

    [Fact]
    public void ValidateDialog_ReInviteThenOlderCSeq_ComparesWithThePreviousRequest()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(1, _h.Manager.ValidateDialog(InDialog(dialog, "INFO", 5)));
        // prev_cseq is now 5: a replayed 5 and anything lower fail, 6 passes.
        Assert.Equal(-1, _h.Manager.ValidateDialog(InDialog(dialog, "INFO", 5)));
        Assert.Equal(1, _h.Manager.ValidateDialog(InDialog(dialog, "INFO", 6)));
    }

    [Fact]
    public void ValidateDialog_AckCSeq_MustEqualTheSourceLegsInviteCSeq()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(1, _h.Manager.ValidateDialog(InDialog(dialog, "ACK", 1)));
        Assert.Equal(-1, _h.Manager.ValidateDialog(InDialog(dialog, "ACK", 2)));
    }

    [Fact]
    public void ValidateDialog_RequestUriNotTheCalleesContact_ReturnsMinus2()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(-2, _h.Manager.ValidateDialog(InDialog(dialog, "BYE", 2, requestUri: "sip:attacker@10.9.9.9:5060")));
    }

    [Fact]
    public void ValidateDialog_UpstreamByeToTheCallersContact_Returns1AndWrongTargetMinus2()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(1, _h.Manager.ValidateDialog(InDialog(dialog, "BYE", 1, upstream: true)));
        Assert.Equal(-2, _h.Manager.ValidateDialog(InDialog(dialog, "BYE", 2, upstream: true, requestUri: "sip:sipp@127.0.0.1:35099;transport=UDP")));
    }

    [Fact]
    public void ValidateDialog_ExtraRouteTheCalleeNeverRecorded_ReturnsMinus3()
    {
        var (dialog, _) = _h.ConfirmedCall();
        Assert.Equal(-3, _h.Manager.ValidateDialog(InDialog(dialog, "BYE", 2, extraRoutes: "<sip:10.0.0.9;lr>")));
    }

    [Fact]
    public void ValidateDialog_CalleeRouteSet_MustBeRepeatedHopByHop()
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 200, recordRoute: "<sip:10.0.0.7;lr>, <sip:127.0.0.1:35060;lr;did=x>");
        _h.Manager.OnLooseRoute(_h.Begin(DialogHarness.InDialog("ACK", 1)), Encoding.ASCII.GetBytes("lr;did=" + dialog.Did));
        Assert.Equal(DialogState.Confirmed, dialog.State);

        Assert.Equal(1, _h.Manager.ValidateDialog(InDialog(dialog, "INFO", 2, extraRoutes: "<sip:10.0.0.7;lr>")));
        Assert.Equal(-3, _h.Manager.ValidateDialog(InDialog(dialog, "INFO", 3, extraRoutes: "<sip:10.0.0.8;lr>")));
        Assert.Equal(-3, _h.Manager.ValidateDialog(InDialog(dialog, "INFO", 4)));
        // Without any Route header at all, the non-empty route set fails too.
        var bare = _h.Begin(DialogHarness.InDialog("INFO", 5));
        Assert.Equal(1, _h.Manager.MatchDialog(bare, DialogMatchMode.DidFallback));
        Assert.Equal(-3, _h.Manager.ValidateDialog(bare));
    }

    [Fact]
    public void ValidateDialog_EarlyDialog_ChecksOnlyTheCSeq()
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 180);
        Assert.Equal(DialogState.Early, dialog.State);
        var ctx = _h.Begin(DialogHarness.InDialog("PRACK", 2, route: "<sip:10.1.1.1;lr>"));
        Assert.Equal(1, _h.Manager.MatchDialog(ctx, DialogMatchMode.DidFallback));
        Assert.Equal(1, _h.Manager.ValidateDialog(ctx));
    }

    [Fact]
    public void GetDialogInfo_KeyValue_ReturnsTheAttributeOfEveryMatchingDialog()
    {
        var (a, _) = _h.ConfirmedCall(callId: "a");
        var (b, _) = _h.ConfirmedCall(callId: "b");
        var (c, _) = _h.ConfirmedCall(callId: "c");
        _h.Manager.SetValue(a, "caller", ScriptValue.FromString("alice"));
        _h.Manager.SetValue(a, "callee", ScriptValue.FromString("bob"));
        _h.Manager.SetValue(b, "caller", ScriptValue.FromString("alice"));
        _h.Manager.SetValue(b, "callee", ScriptValue.FromString("carol"));
        _h.Manager.SetValue(c, "caller", ScriptValue.FromString("dave"));
        var values = new List<ScriptValue>();
        Assert.Equal(2, _h.Manager.GetDialogInfo("callee", "caller", "alice", values));
        Assert.Equal(["bob", "carol"], values.ConvertAll(v => v.AsString()).Order());
        values.Clear();
        Assert.Equal(0, _h.Manager.GetDialogInfo("callee", "caller", "nobody", values));
        Assert.Empty(values);
    }

    [Fact]
    public void GetDialogValues_ByCallId_ReturnsNamesAndValuesNewestFirst()
    {
        var (a, _) = _h.ConfirmedCall(callId: "vals-call");
        _h.Manager.SetValue(a, "x", ScriptValue.FromString("1"));
        _h.Manager.SetValue(a, "y", ScriptValue.FromInt(2));
        var names = new List<string>();
        var values = new List<ScriptValue>();
        Assert.True(_h.Manager.GetDialogValues("vals-call", names, values));
        Assert.Equal(["y", "x"], names);
        Assert.Equal(["2", "1"], values.ConvertAll(v => v.AsString()));
        Assert.False(_h.Manager.GetDialogValues("unknown", names, values));
    }

    [Fact]
    public void GetDialogsByValue_And_ByProfile_ReturnCtxJsonOfTheMatchingDialogs()
    {
        var (a, _) = _h.ConfirmedCall(callId: "p1");
        var (b, _) = _h.ConfirmedCall(callId: "p2");
        var (c, _) = _h.ConfirmedCall(callId: "p3");
        var caller = _h.Profiles.Find("caller")!;
        var inbound = _h.Profiles.Find("inbound")!;
        _h.Manager.SetProfile(a, caller, "alice");
        _h.Manager.SetProfile(b, caller, "bob");
        _h.Manager.SetProfile(c, inbound, null);
        _h.Manager.SetValue(b, "k", ScriptValue.FromString("v"));

        var jsons = new List<string>();
        Assert.Equal(1, _h.Manager.GetDialogsByProfile(caller, "alice", jsons));
        var json = JsonNode.Parse(jsons[0])!;
        Assert.Equal(a.Did, (string?)json["ID"]);
        Assert.Equal("p1", (string?)json["callid"]);
        Assert.Equal("alice", (string?)json["context"]!["profiles"]![0]!["caller"]);

        jsons.Clear();
        Assert.Equal(2, _h.Manager.GetDialogsByProfile(caller, null, jsons));
        jsons.Clear();
        Assert.Equal(1, _h.Manager.GetDialogsByProfile(inbound, null, jsons));
        Assert.Equal(c.Did, (string?)JsonNode.Parse(jsons[0])!["ID"]);

        jsons.Clear();
        Assert.Equal(1, _h.Manager.GetDialogsByValue("k", "v", jsons));
        Assert.Equal("v", (string?)JsonNode.Parse(jsons[0])!["context"]!["values"]![0]!["k"]);
    }

    [Fact]
    public void Queries_EndedDialogs_AreNotOngoing()
    {
        var (a, _) = _h.ConfirmedCall(callId: "ended");
        _h.Manager.SetValue(a, "k", ScriptValue.FromString("v"));
        _h.Manager.SetProfile(a, _h.Profiles.Find("inbound")!, null);
        _h.Sequential(a, "BYE", 2, callId: "ended");
        Assert.Equal(DialogState.Deleted, a.State);
        var jsons = new List<string>();
        Assert.Equal(0, _h.Manager.GetDialogsByValue("k", "v", jsons));
        Assert.Equal(0, _h.Manager.GetDialogsByProfile(_h.Profiles.Find("inbound")!, null, jsons));
        Assert.Equal(0, _h.Manager.GetDialogInfo("k", "k", "v", []));
    }

    [Fact]
    public void LoadDialogCtx_ByCallIdOrDid_SwitchesAndUnloadRestores()
    {
        var (a, _) = _h.ConfirmedCall(callId: "ctx-a");
        var (b, _) = _h.ConfirmedCall(callId: "ctx-b");
        var ctx = _h.Sequential(a, "INFO", 2, callId: "ctx-a");
        Assert.Same(a, _h.Manager.Current(ctx));

        Assert.Equal(1, _h.Manager.LoadContext(ctx, "ctx-b", byDid: false));
        Assert.Same(b, _h.Manager.Current(ctx));
        Assert.Equal(-1, _h.Manager.LoadContext(ctx, a.Did, byDid: true)); // no nesting
        Assert.Equal(1, _h.Manager.UnloadContext(ctx));
        Assert.Same(a, _h.Manager.Current(ctx));
        Assert.Equal(-1, _h.Manager.UnloadContext(ctx));

        Assert.Equal(1, _h.Manager.LoadContext(ctx, b.Did, byDid: true));
        Assert.Same(b, _h.Manager.Current(ctx));
        Assert.Equal(1, _h.Manager.UnloadContext(ctx));
        Assert.Equal(-1, _h.Manager.LoadContext(ctx, "no-such-call", byDid: false));
        Assert.Equal(-1, _h.Manager.LoadContext(ctx, b.Did, byDid: false));
    }

    [Fact]
    public void LoadDialogCtx_ContextWithoutDialog_UnloadLeavesNone()
    {
        var (a, _) = _h.ConfirmedCall(callId: "ctx-c");
        var ctx = _h.Begin(DialogHarness.InDialog("OPTIONS", 1, callId: "unrelated"));
        Assert.Null(_h.Manager.Current(ctx));
        Assert.Equal(1, _h.Manager.LoadContext(ctx, "ctx-c", byDid: false));
        Assert.Same(a, _h.Manager.Current(ctx));
        Assert.Equal(1, _h.Manager.UnloadContext(ctx));
        Assert.Null(_h.Manager.Current(ctx));
    }

    [Theory]
    [InlineData("sip:127.0.0.1:35060;did={0}", 1)]
    [InlineData("sip:bob.did.{0}@127.0.0.1:35060", 1)]
    [InlineData("sip:bob@127.0.0.1:35060", -1)]
    [InlineData("sip:127.0.0.1:35070;did={0}", -1)]
    public void MatchDialog_DidInTheRequestUriWithoutRoute_FindsTheDialogInDidOnlyMode(string requestUri, int expected)
    {
        var (dialog, _) = _h.ConfirmedCall();
        var uri = requestUri.Replace("{0}", dialog.Did, StringComparison.Ordinal);
        var ctx = _h.Begin(DialogHarness.InDialog("INFO", 2).Replace("INFO sip:127.0.0.1:35070;transport=UDP", "INFO " + uri, StringComparison.Ordinal));
        Assert.Equal(expected, _h.Manager.MatchDialog(ctx, DialogMatchMode.DidOnly));
        Assert.Equal(expected == 1 ? dialog : null, _h.Manager.Current(ctx));
    }

    private (Dialog Dialog, ScriptContext Context) AnsweredWithCalleeRoutes(string recordRoute, string extraRoutes)
    {
        var (dialog, tx) = _h.StartCall();
        _h.Relay(tx, 200, recordRoute: recordRoute);
        _h.Manager.OnLooseRoute(_h.Begin(DialogHarness.InDialog("ACK", 1)), Encoding.ASCII.GetBytes("lr;did=" + dialog.Did));
        return (dialog, InDialog(dialog, "BYE", 2, extraRoutes: extraRoutes, requestUri: "sip:evil@10.9.9.9"));
    }

    private string Written(ScriptContext ctx)
    {
        ctx.ApplyRequestUri(_h.Editor);
        var buffer = new byte[_h.Editor.GetLength()];
        _h.Editor.WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    [Fact]
    public void FixRouteDialog_LooseNextHop_TargetsTheContactThroughTheStoredRouteSet()
    {
        var (_, ctx) = AnsweredWithCalleeRoutes("<sip:10.0.0.7;lr>, <sip:127.0.0.1:35060;lr;did=x>", "<sip:10.6.6.6;lr>");
        Assert.Equal(-2, _h.Manager.ValidateDialog(ctx));
        // As loose_route leaves it: our own Route value already removed from the line that still holds the bogus one.
        Assert.Equal(1, ctx.Edits.RemoveListValues(Parley.Protocol.HeaderKind.Route, [0]));

        Assert.Equal(1, _h.Manager.FixRouteDialog(ctx));

        Assert.Equal("sip:10.0.0.7;lr", ctx.DestinationUri);
        var text = Written(ctx);
        Assert.StartsWith("BYE sip:127.0.0.1:35070;transport=UDP SIP/2.0\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nRoute: <sip:10.0.0.7;lr>\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("10.6.6.6", text, StringComparison.Ordinal);
        Assert.DoesNotContain("did=", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("Route:").Length);
    }

    [Fact]
    public void FixRouteDialog_StrictNextHop_PutsTheFirstRouteInTheRequestUriAndTheContactLast()
    {
        var (_, ctx) = AnsweredWithCalleeRoutes("<sip:10.0.0.6;lr>, <sip:10.0.0.7>, <sip:127.0.0.1:35060;lr;did=x>", "<sip:10.6.6.6;lr>");

        Assert.Equal(1, _h.Manager.FixRouteDialog(ctx));

        Assert.Null(ctx.DestinationUri);
        var text = Written(ctx);
        Assert.StartsWith("BYE sip:10.0.0.7 SIP/2.0\r\n", text, StringComparison.Ordinal);
        var first = text.IndexOf("Route: <sip:10.0.0.6;lr>\r\n", StringComparison.Ordinal);
        var contact = text.IndexOf("Route: <sip:127.0.0.1:35070;transport=UDP>\r\n", StringComparison.Ordinal);
        Assert.True(first > 0 && contact > first, text);
        Assert.DoesNotContain("10.6.6.6", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FixRouteDialog_NoDialog_ReturnsMinus1()
    {
        var ctx = _h.Begin(DialogHarness.InDialog("BYE", 2));
        Assert.Equal(-1, _h.Manager.FixRouteDialog(ctx));
    }
}
