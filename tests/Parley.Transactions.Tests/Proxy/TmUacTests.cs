using System.Text;
using Parley.Transactions.Api;
using Parley.Transactions.Matching;
using Parley.Transactions.Mi;

namespace Parley.Transactions.Tests.Proxy;

public sealed class TmUacTests
{
    private const string Script = """
        loadmodule "tm.so"
        modparam("tm", "fr_timeout", 4)
        route { t_relay(); }
        onreply_route[never] { xlog("never\n"); }
        """;

    private static UacRequest Message(string? callId = null) => new()
    {
        Method = "MESSAGE",
        RequestUri = "sip:alice@127.0.0.1:5070",
        From = "Bob <sip:bob@example.com>",
        To = "<sip:alice@example.com>",
        CallId = callId,
        RouteSet = [],
        Headers = "Content-Type: text/plain\r\n",
        Body = Encoding.UTF8.GetBytes("Hello Alice!"),
    };

    [Fact]
    public async Task SendRequest_Message_BuiltAsRfc3261AndCompletedBy200()
    {
        var tm = new TmHarness(Script);
        var completed = new List<int>();
        tm.Module.TmApi.RegisterCallback(TmCallbackType.LocalTransactionNew, (t, in a) =>
        {
            Assert.True(t.IsLocal);
            t.RegisterCallback(TmCallbackType.LocalCompleted, (_, in c) => completed.Add(c.Code));
        });
        var pending = tm.Module.TmApi.SendRequestAsync(Message());
        Assert.False(pending.IsCompleted);
        var sent = Assert.Single(tm.SentTo(5070));
        var m = TmHarness.Parse(sent);
        Assert.Equal("MESSAGE sip:alice@127.0.0.1:5070 SIP/2.0", sent[..sent.IndexOf('\r', StringComparison.Ordinal)]);
        Assert.True(m.TryGetTopVia(out var via));
        Assert.Equal("127.0.0.1", m.GetString(via.Host));
        Assert.True(BranchId.TryParse(Encoding.ASCII.GetBytes(m.GetString(via.Branch)), out var bucket, out var label, out var index));
        Assert.Equal(0, index);
        Assert.NotNull(tm.Core.Find(bucket, label));
        Assert.Contains("\r\nMax-Forwards: 70\r\n", sent, StringComparison.Ordinal);
        Assert.True(m.From.HasTag); // RFC 3261 §8.1.1.3: the UAC adds a tag
        Assert.False(m.To.HasTag);
        Assert.True(m.GetString(m.CallId).Length > 10);
        Assert.Equal(1u, m.CSeq.Number);
        Assert.Contains("\r\nCSeq: 1 MESSAGE\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/plain\r\n", sent, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 12\r\n\r\nHello Alice!", sent, StringComparison.Ordinal);

        tm.Reply(TmHarness.ReplyTo(sent, 200, "OK", extra: "Contact: <sip:alice@127.0.0.1:5070>\r\n"));
        var reply = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(200, reply.Code);
        Assert.Equal("OK", reply.Reason);
        Assert.Equal("callee1", reply.ToTag);
        Assert.Equal("sip:alice@127.0.0.1:5070", reply.Contact);
        Assert.False(reply.Local);
        Assert.Equal([200], completed);
        Assert.Empty(tm.SentTo(5062)); // nothing relayed anywhere
        Assert.DoesNotContain(tm.Logs.Lines, l => l.Contains("never", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendRequest_NoAnswerOverUdp_RetransmittedThenLocal408()
    {
        var tm = new TmHarness(Script);
        var pending = tm.Module.TmApi.SendRequestAsync(Message("fixed-call-id@x"));
        tm.Advance(TimeSpan.FromSeconds(2));
        var sent = tm.SentTo(5070);
        Assert.True(sent.Count >= 3, $"{sent.Count} sent"); // timer E: 0.5 s, 1 s, 2 s…
        Assert.All(sent, s => Assert.Contains("Call-ID: fixed-call-id@x\r\n", s, StringComparison.Ordinal));
        Assert.False(pending.IsCompleted);
        tm.Advance(TimeSpan.FromSeconds(3));
        var reply = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(408, reply.Code);
        Assert.True(reply.Local);
    }

    [Fact]
    public async Task SendRequest_InviteRejected_AckedHopByHop()
    {
        var tm = new TmHarness(Script);
        var request = new UacRequest
        {
            Method = "INVITE",
            RequestUri = "sip:alice@127.0.0.1:5070",
            From = "<sip:bob@example.com>;tag=mytag",
            To = "<sip:alice@example.com>",
            CSeq = 7,
            Headers = "Contact: <sip:bob@127.0.0.1:5060>\r\n",
        };
        var provisional = new List<int>();
        request = new UacRequest
        {
            Method = request.Method, RequestUri = request.RequestUri, From = request.From, To = request.To, CSeq = request.CSeq,
            Headers = request.Headers, OnProvisional = r => provisional.Add(r.Code),
        };
        var pending = tm.Module.TmApi.SendRequestAsync(request);
        var invite = Assert.Single(tm.SentTo(5070));
        Assert.Contains("From: <sip:bob@example.com>;tag=mytag\r\n", invite, StringComparison.Ordinal);
        Assert.Contains("CSeq: 7 INVITE\r\n", invite, StringComparison.Ordinal);
        tm.Reply(TmHarness.ReplyTo(invite, 180, "Ringing"));
        tm.Reply(TmHarness.ReplyTo(invite, 486, "Busy Here"));
        var reply = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(486, reply.Code);
        Assert.Equal([180], provisional);
        var ack = tm.SentTo(5070)[^1];
        Assert.StartsWith("ACK sip:alice@127.0.0.1:5070 SIP/2.0\r\n", ack, StringComparison.Ordinal);
        Assert.Contains("CSeq: 7 ACK\r\n", ack, StringComparison.Ordinal);
        Assert.Contains(";tag=callee1\r\n", ack, StringComparison.Ordinal);
        Assert.Equal(BranchOf(invite), BranchOf(ack)); // §17.1.1.3: same branch
    }

    private static string BranchOf(string request)
    {
        var m = TmHarness.Parse(request);
        Assert.True(m.TryGetTopVia(out var via));
        return m.GetString(via.Branch);
    }

    [Fact]
    public async Task SendRequest_Invite2xxWithAckSuccess_AckedToContactThroughRoutes()
    {
        var tm = new TmHarness(Script);
        var request = new UacRequest
        {
            Method = "INVITE",
            RequestUri = "sip:alice@127.0.0.1:5070",
            From = "<sip:bob@example.com>",
            To = "<sip:alice@example.com>",
            Headers = "Contact: <sip:bob@127.0.0.1:5060>\r\n",
        };
        var pending = tm.Core.SendRequestAsync(request, ackSuccess: true, CancellationToken.None);
        var invite = Assert.Single(tm.SentTo(5070));
        tm.Reply(TmHarness.ReplyTo(invite, 200, "OK", extra: "Record-Route: <sip:127.0.0.1:5071;lr>\r\nContact: <sip:alice@127.0.0.1:5072>\r\n"));
        var reply = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(200, reply.Code);
        Assert.Equal(["<sip:127.0.0.1:5071;lr>"], reply.RecordRoute);
        var ack = Assert.Single(tm.SentTo(5071));
        Assert.StartsWith("ACK sip:alice@127.0.0.1:5072 SIP/2.0\r\n", ack, StringComparison.Ordinal); // §13.2.2.4: to the remote target
        Assert.Contains("Route: <sip:127.0.0.1:5071;lr>\r\n", ack, StringComparison.Ordinal);
        Assert.Contains(";tag=callee1\r\n", ack, StringComparison.Ordinal);
        Assert.NotEqual(BranchOf(invite), BranchOf(ack)); // a new transaction

        // A retransmitted 2xx gets the same ACK again.
        tm.Reply(TmHarness.ReplyTo(invite, 200, "OK", extra: "Record-Route: <sip:127.0.0.1:5071;lr>\r\nContact: <sip:alice@127.0.0.1:5072>\r\n"));
        Assert.Equal(2, tm.SentTo(5071).Count);
        Assert.Equal(ack, tm.SentTo(5071)[1]);
    }

    [Fact]
    public async Task SendRequest_Unsendable_LocalError()
    {
        var tm = new TmHarness(Script);
        var bad = await tm.Module.TmApi.SendRequestAsync(new UacRequest { Method = "OPTIONS", RequestUri = "sip:x@127.0.0.1:5070", From = "<sip:a@b>", To = "<sip:c@d>", Socket = "udp:10.9.9.9:5060" });
        Assert.Equal(404, bad.Code);
        Assert.True(bad.Local);
        Assert.Empty(tm.Sender.Sent);
    }

    [Fact]
    public async Task LocalRoute_EditsGoOut_ReadOnlyRouteSeesThemButChangesNothing()
    {
        var tm = new TmHarness("""
            loadmodule "tm.so"
            modparam("tm", "local_request_route", "inspect")
            route { t_relay(); }
            local_route {
                if ($avp(uac_ctx) == "ctx1") { $ru = "sip:changed@127.0.0.1:5070"; }
            }
            route[inspect] {
                xlog("inspected $rm $ru\n");
                $ru = "sip:ignored@127.0.0.1:5070";
            }
            """);
        var pending = tm.Module.TmApi.SendRequestAsync(new UacRequest
        {
            Method = "OPTIONS", RequestUri = "sip:alice@127.0.0.1:5070", From = "<sip:a@b>", To = "<sip:c@d>", Context = "ctx1",
        });
        var sent = Assert.Single(tm.SentTo(5070));
        Assert.StartsWith("OPTIONS sip:changed@127.0.0.1:5070 SIP/2.0\r\n", sent, StringComparison.Ordinal);
        Assert.Contains(tm.Logs.Lines, l => l.Contains("inspected OPTIONS sip:changed@127.0.0.1:5070", StringComparison.Ordinal));
        tm.Reply(TmHarness.ReplyTo(sent, 200, "OK"));
        Assert.Equal(200, (await pending.WaitAsync(TimeSpan.FromSeconds(5))).Code);
    }

    [Fact]
    public void LocalReplyRoute_RunsOnLocalReplies()
    {
        var tm = new TmHarness("""
            loadmodule "tm.so"
            modparam("tm", "local_reply_route", "replied")
            route { t_reply(403, "Forbidden"); }
            route[replied] { xlog("local reply $rs $rr\n"); }
            """);
        tm.Request(TmHarness.Invite);
        Assert.Contains(tm.SentTo(5062), m => m.StartsWith("SIP/2.0 403", StringComparison.Ordinal));
        Assert.Contains(tm.Logs.Lines, l => l.Contains("local reply 403 Forbidden", StringComparison.Ordinal));
    }

    [Fact]
    public void TNewRequest_FromScript_SendsMessageWithBodyAndDisplayNames()
    {
        var tm = new TmHarness("""
            loadmodule "tm.so"
            route {
                if (t_new_request("MESSAGE", "sip:alice@127.0.0.1:5070", "BOB sip:userB@mydomain.net", "ALICE sip:userA@mydomain.net", "text/plain Hello Alice!")) {
                    xlog("sent\n");
                }
                exit;
            }
            """);
        tm.Request(TmHarness.Invite);
        var sent = Assert.Single(tm.SentTo(5070));
        Assert.StartsWith("MESSAGE sip:alice@127.0.0.1:5070 SIP/2.0\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("\r\nFrom: BOB <sip:userB@mydomain.net>;tag=", sent, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: ALICE <sip:userA@mydomain.net>\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/plain\r\n", sent, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nHello Alice!", sent, StringComparison.Ordinal);
        Assert.Contains(tm.Logs.Lines, l => l.StartsWith("sent", StringComparison.Ordinal));
    }

    [Fact]
    public void TReplyByCallId_CancelOfParkedInvite_487OnTheInvite()
    {
        var tm = new TmHarness("""
            loadmodule "tm.so"
            route {
                if ($rm == "INVITE") { t_reply(180, "Ringing"); exit; }
                if ($rm == "CANCEL") {
                    if (!t_reply_by_callid(487, "Request Terminated")) { xlog("not found\n"); } else { xlog("found\n"); }
                    exit;
                }
                if ($rm == "BYE") {
                    if (!t_reply_by_callid(487, "Request Terminated", , 1)) { xlog("bye not found\n"); }
                    exit;
                }
            }
            """);
        tm.Request(TmHarness.Invite);
        tm.Request(TmHarness.Invite.Replace("INVITE sip:", "CANCEL sip:", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL", StringComparison.Ordinal));
        var replies = tm.SentTo(5062);
        Assert.StartsWith("SIP/2.0 180 Ringing", replies[^2], StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 487 Request Terminated", replies[^1], StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 INVITE", replies[^1], StringComparison.Ordinal);
        Assert.Contains(tm.Logs.Lines, l => l.StartsWith("found", StringComparison.Ordinal));

        // Again: the INVITE is answered already; a BYE naming CSeq 1 explicitly finds nothing to reply to.
        tm.Request(TmHarness.Invite.Replace("INVITE sip:", "BYE sip:", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 2 BYE", StringComparison.Ordinal));
        Assert.Contains(tm.Logs.Lines, l => l.StartsWith("bye not found", StringComparison.Ordinal));
    }

    [Fact]
    public void TReplyWithBody_BodyAndContentLength()
    {
        var tm = new TmHarness("""
            loadmodule "tm.so"
            route { t_reply_with_body(200, "Ok", "v=0\r\n"); }
            """);
        tm.Request(TmHarness.Invite);
        var reply = tm.SentTo(5062)[^1];
        Assert.StartsWith("SIP/2.0 200 Ok\r\n", reply, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 5\r\n\r\nv=0\r\n", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MiTHash_AllBucketsCurrentAndTotal()
    {
        var tm = new TmHarness(Script);
        tm.Request(TmHarness.Invite);
        var bucket = TmHash.Bucket("call-1@example.com"u8, 1);
        var response = await tm.MiAsync("t_hash", null);
        Assert.True(response.TryGetProperty("result", out var result), response.ToString()[..Math.Min(300, response.ToString().Length)]);
        Assert.Equal(TmHash.TableSize, result.GetArrayLength());
        var entry = result[bucket];
        Assert.Equal(bucket, entry.GetProperty("index").GetInt32());
        Assert.Equal(1, entry.GetProperty("Current").GetInt32());
        Assert.Equal(1, entry.GetProperty("Total").GetInt32());
        Assert.Equal(0, result[(bucket + 1) % TmHash.TableSize].GetProperty("Total").GetInt32());

        tm.Reply(TmHarness.ReplyTo(tm.SentTo(5070)[0], 200, "OK"));
        tm.Advance(TimeSpan.FromSeconds(40));
        entry = (await tm.MiAsync("t_hash", null)).GetProperty("result")[bucket];
        Assert.Equal(0, entry.GetProperty("Current").GetInt32());
        Assert.Equal(1, entry.GetProperty("Total").GetInt32());
    }

    [Fact]
    public async Task MiTReply_ByHashAndLabel_RepliesOrErrs()
    {
        var tm = new TmHarness("""
            loadmodule "tm.so"
            route { t_newtran(); xlog("tid $T_id\n"); }
            """);
        tm.Request(TmHarness.Invite);
        var tx = tm.Module.TmApi.FindInvite("call-1@example.com", 1)!;
        var id = $"{tx.HashEntry}:{tx.Label}";
        Assert.Equal(400, (await tm.MiAsync("t_reply", """{"code":486,"reason":"Busy","trans_id":"12","to_tag":"x"}""")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Invalid label in trans_id", (await tm.MiAsync("t_reply", """{"code":486,"reason":"Busy","trans_id":"12:z","to_tag":"x"}""")).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("Transaction not found", (await tm.MiAsync("t_reply", $$"""{"code":486,"reason":"Busy","trans_id":"{{tx.HashEntry}}:{{tx.Label + 1}}","to_tag":"x"}""")).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("Invalid reply code", (await tm.MiAsync("t_reply", $$"""{"code":700,"reason":"Busy","trans_id":"{{id}}","to_tag":"x"}""")).GetProperty("error").GetProperty("message").GetString());
        var ok = await tm.MiAsync("t_reply", $$"""{"code":486,"reason":"Busy Here","trans_id":"{{id}}","to_tag":"abcde","new_headers":"X-Mi: 1\\r\\n"}""");
        Assert.Equal("OK", ok.GetProperty("result").GetString());
        var reply = tm.SentTo(5062)[^1];
        Assert.StartsWith("SIP/2.0 486 Busy Here\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("To: Bob <sip:bob@example.com>;tag=abcde\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("X-Mi: 1\r\n", reply, StringComparison.Ordinal);
        Assert.Equal("Reply failed", (await tm.MiAsync("t_reply", $$"""{"code":500,"reason":"Again","trans_id":"{{id}}","to_tag":"x"}""")).GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("To: <sip:a@b>\\r\\n", "From missing")]
    [InlineData("From: <sip:a@b>\\r\\n", "To missing")]
    [InlineData("From: <sip:a@b>\\r\\nTo: <sip:c@d>\\r\\nCSeq: x OPTIONS\\r\\n", "Bad CSeq number")]
    [InlineData("From: <sip:a@b>\\r\\nTo: <sip:c@d>\\r\\nCSeq: 3 INVITE\\r\\n", "CSeq method mismatch")]
    [InlineData("garbage\\r\\n", "Bad headers")]
    public async Task MiTUacDlg_BadHeaders_400(string headers, string message)
    {
        var tm = new TmHarness(Script);
        var response = await tm.MiAsync("t_uac_dlg", $$"""{"method":"OPTIONS","ruri":"sip:x@127.0.0.1:5070","headers":"{{headers}}"}""");
        Assert.Equal(400, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(message, response.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(tm.Sender.Sent);
    }

    [Fact]
    public async Task MiTUacDlg_Options_StatusAndMessageOfTheReply()
    {
        var tm = new TmHarness(Script);
        var call = tm.MiAsync("t_uac_dlg", """{"method":"OPTIONS","ruri":"sip:x@127.0.0.1:5070","headers":"From: <sip:mi@127.0.0.1>\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: mi-call-1\r\nCSeq: 5 OPTIONS\r\n"}""");
        var sent = Assert.Single(tm.SentTo(5070));
        Assert.Contains("Call-ID: mi-call-1\r\n", sent, StringComparison.Ordinal);
        Assert.Contains("CSeq: 5 OPTIONS\r\n", sent, StringComparison.Ordinal);
        tm.Reply(TmHarness.ReplyTo(sent, 200, "OK", extra: "Contact: <sip:x@127.0.0.1:5070>\r\n"));
        var result = (await call.WaitAsync(TimeSpan.FromSeconds(5))).GetProperty("result");
        Assert.Equal("200 OK", result.GetProperty("Status").GetString());
        Assert.Equal("sip:x@127.0.0.1:5070", result.GetProperty("RURI").GetString());
        Assert.StartsWith("Via: ", result.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Call-ID: mi-call-1\r\n", result.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MiTUacCancel_PendingLocalInvite_CancelSentThen487()
    {
        var tm = new TmHarness(Script);
        var call = tm.MiAsync("t_uac_dlg", """{"method":"INVITE","ruri":"sip:x@127.0.0.1:5070","headers":"From: <sip:mi@127.0.0.1>\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: mi-inv-1\r\nContact: <sip:mi@127.0.0.1:5060>\r\n"}""");
        var invite = Assert.Single(tm.SentTo(5070));
        tm.Reply(TmHarness.ReplyTo(invite, 180, "Ringing"));
        Assert.Equal("No such transaction", (await tm.MiAsync("t_uac_cancel", """{"callid":"mi-inv-1","cseq":"2 INVITE"}""")).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("OK", (await tm.MiAsync("t_uac_cancel", """{"callid":"mi-inv-1","cseq":"1 INVITE"}""")).GetProperty("result").GetString());
        var cancel = tm.SentTo(5070)[^1];
        Assert.StartsWith("CANCEL sip:x@127.0.0.1:5070 SIP/2.0\r\n", cancel, StringComparison.Ordinal);
        tm.Reply(TmHarness.ReplyTo(invite, 487, "Request Terminated"));
        var result = (await call.WaitAsync(TimeSpan.FromSeconds(5))).GetProperty("result");
        Assert.Equal("487 Request Terminated", result.GetProperty("Status").GetString());
        Assert.False(result.TryGetProperty("RURI", out _));
    }

    private const string InviteOverMi = """{"jsonrpc":"2.0","method":"t_uac_dlg","params":{"method":"INVITE","ruri":"sip:x@127.0.0.1:5070","headers":"From: <sip:mi@127.0.0.1>\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: mi-prov-1\r\nContact: <sip:mi@127.0.0.1:5060>\r\n"},"id":7}""";

    [Fact]
    public async Task MiTUacDlg_PassProvisionalReplies_Reports180ThenFinal()
    {
        var tm = new TmHarness(Script.Replace("modparam(\"tm\", \"fr_timeout\", 4)", "modparam(\"tm\", \"pass_provisional_replies\", 1)", StringComparison.Ordinal));
        var intermediates = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var call = tm.Management.Dispatcher.HandleAsync(Encoding.UTF8.GetBytes(InviteOverMi), b => intermediates.Enqueue(Encoding.UTF8.GetString(b))).AsTask();
        var invite = Assert.Single(tm.SentTo(5070));
        tm.Reply(TmHarness.ReplyTo(invite, 180, "Ringing"));
        Assert.False(call.IsCompleted);
        tm.Reply(TmHarness.ReplyTo(invite, 200, "OK", extra: "Contact: <sip:x@127.0.0.1:5070>\r\n"));
        var (_, body) = await call.WaitAsync(TimeSpan.FromSeconds(5));

        using var ringing = System.Text.Json.JsonDocument.Parse(Assert.Single(intermediates));
        Assert.Equal(7, ringing.RootElement.GetProperty("id").GetInt32());
        var provisional = ringing.RootElement.GetProperty("result");
        Assert.Equal("180 Ringing", provisional.GetProperty("Status").GetString());
        Assert.Contains("Call-ID: mi-prov-1\r\n", provisional.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.False(provisional.TryGetProperty("RURI", out _)); // dialog fields come with a 2xx only
        using var final = System.Text.Json.JsonDocument.Parse(body!);
        Assert.Equal("200 OK", final.RootElement.GetProperty("result").GetProperty("Status").GetString());
        Assert.Equal(7, final.RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task MiTUacDlg_PassProvisionalRepliesOff_ReportsNone()
    {
        var tm = new TmHarness(Script);
        var intermediates = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        var call = tm.Management.Dispatcher.HandleAsync(Encoding.UTF8.GetBytes(InviteOverMi), intermediates.Enqueue).AsTask();
        var invite = Assert.Single(tm.SentTo(5070));
        tm.Reply(TmHarness.ReplyTo(invite, 180, "Ringing"));
        tm.Reply(TmHarness.ReplyTo(invite, 486, "Busy Here"));
        var (_, body) = await call.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(intermediates);
        using var final = System.Text.Json.JsonDocument.Parse(body!);
        Assert.Equal("486 Busy Here", final.RootElement.GetProperty("result").GetProperty("Status").GetString());
    }

    [Fact]
    public void ParseHeaders_SplitsWhatTmFillsIn()
    {
        var h = TmMiCommands.ParseHeaders("From: <sip:a@b>;tag=1\\r\\nt: <sip:c@d>\r\nX-A: 1\r\n  folded\r\nContent-Type: text/plain\r\n")!;
        Assert.Equal("<sip:a@b>;tag=1", h.From);
        Assert.Equal("<sip:c@d>", h.To);
        Assert.True(h.HasContentType);
        Assert.Equal("X-A: 1 folded\r\nContent-Type: text/plain\r\n", h.Rest);
    }
}

public sealed class UacMessagesTests
{
    [Theory]
    [InlineData("<sip:a@b>", "<sip:a@b>;tag=t1")]
    [InlineData("Bob <sip:a@b>;tag=mine", "Bob <sip:a@b>;tag=mine")]
    [InlineData("sip:a@b", "sip:a@b;tag=t1")]
    [InlineData("sip:a@b;transport=tcp", "<sip:a@b;transport=tcp>;tag=t1")]
    [InlineData("<sip:a@b;tag=uri-param>", "<sip:a@b;tag=uri-param>;tag=t1")]
    public void EnsureFromTag_AddsOnlyWhenMissing(string from, string expected) =>
        Assert.Equal(expected, Parley.Transactions.Proxy.UacMessages.EnsureFromTag(from, "t1"));

    [Theory]
    [InlineData("sip:a@b", "<sip:a@b>")]
    [InlineData("BOB sip:userB@mydomain.net", "BOB <sip:userB@mydomain.net>")]
    [InlineData("\"Bob B\" <sip:b@c>", "\"Bob B\" <sip:b@c>")]
    public void NameAddr_DisplayAndUri(string text, string expected) =>
        Assert.Equal(expected, Parley.Transactions.Proxy.UacMessages.NameAddr(text));

    [Fact]
    public void WithBody_ReplacesEmptyBody()
    {
        var reply = Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 3\r\n\r\nabc",
            Encoding.ASCII.GetString(Parley.Transactions.Proxy.UacMessages.WithBody(reply, "abc"u8.ToArray())));
        Assert.Same(reply, Parley.Transactions.Proxy.UacMessages.WithBody(reply, null));
    }
}
