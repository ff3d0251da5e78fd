using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Parley.Transactions.Matching;
using Parley.Transactions.Proxy;
using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>t_replicate, t_write_req/t_write_unix with tw_append, syn_branch=0 and timer_partitions.</summary>
public sealed class TmReplicateWriteTests
{
    private static bool Logged(DeliveryHarness h, string text) => h.Logs.Lines.Exists(l => l.Contains(text, StringComparison.Ordinal));

    private static TmTransaction LastTransaction(DeliveryHarness h) => h.Context.GetState(TmCore.StateSlot).Transaction!;

    // ------------------------------------------------------------------ t_replicate

    private const string ReplicateRoutes = """
        route {
            append_branch("sip:10.0.0.7:5060");
            t_replicate("sip:10.0.0.9:5070");
            xlog("L_INFO", "replicate rc=$rc du=$du\n");
            if ($rU == "reply") {
                t_reply(202, "Accepted");
            }
            exit;
        }
        """;

    [Fact]
    public void Replicate_CopiesToUriAndBranches_RequestUriKept_RepliesAbsorbed()
    {
        using var h = new DeliveryHarness(ReplicateRoutes);
        h.RunRequest(h.Request("MESSAGE", "sip:reply@example.com"));

        Assert.True(Logged(h, "replicate rc=1 du=sip:10.0.0.9:5070"), string.Join("\n", h.Logs.Lines));
        var copies = h.Sender.Requests("MESSAGE");
        Assert.Equal(2, copies.Count);
        Assert.Contains(copies, m => m.Destination == SipEndPoint.Parse("10.0.0.9:5070"));
        Assert.Contains(copies, m => m.Destination == SipEndPoint.Parse("10.0.0.7:5060"));
        Assert.All(copies, m => Assert.StartsWith("MESSAGE sip:reply@example.com SIP/2.0\r\n", m.Text, StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 202 Accepted", Assert.Single(h.FinalsUpstream()).StatusLine);

        h.RunReply(DeliveryHarness.ReplyTo(copies[0], 404, "Not Found"));
        h.RunReply(DeliveryHarness.ReplyTo(copies[1], 200, "OK"), "10.0.0.7:5060");
        Assert.Equal("SIP/2.0 202 Accepted", Assert.Single(h.FinalsUpstream()).StatusLine);
    }

    [Fact]
    public void Replicate_NoScriptReply_FinalReplyNotRelayedAndTransactionEnds()
    {
        using var h = new DeliveryHarness(ReplicateRoutes);
        h.RunRequest(h.Request("MESSAGE", "sip:quiet@example.com"));
        foreach (var copy in h.Sender.Requests("MESSAGE"))
        {
            h.RunReply(DeliveryHarness.ReplyTo(copy, 200, "OK"), copy.Destination.ToString());
        }

        Assert.Empty(h.Upstream());
        Assert.Equal(1, h.Tm.Core.Table.Count);
        h.Advance(TimeSpan.FromSeconds(6)); // wt_timer on both sides
        Assert.Equal(0, h.Tm.Core.Table.Count);
    }

    [Fact]
    public void Replicate_Invite_ProvisionalAndNegativeAbsorbedButAcknowledged()
    {
        using var h = new DeliveryHarness("""
            route {
                t_replicate("sip:10.0.0.9:5070");
                exit;
            }
            """);
        h.RunRequest(h.Request());
        var copy = Assert.Single(h.Sender.Requests("INVITE"));
        h.RunReply(DeliveryHarness.ReplyTo(copy, 180, "Ringing"));
        h.RunReply(DeliveryHarness.ReplyTo(copy, 486, "Busy Here"));

        Assert.Equal([100], h.Upstream().ConvertAll(m => m.Status)); // only tm's own 100 Trying
        Assert.Single(h.Sender.Requests("ACK"));
    }

    [Fact]
    public void Replicate_OnlyNoDnsFailoverApplies()
    {
        using var h = new DeliveryHarness("route { t_replicate(\"sip:10.0.0.9\", \"no-auto-477,no-dns-failover\"); exit; }");
        h.RunRequest(h.Request("MESSAGE"));
        var tx = LastTransaction(h);
        Assert.Equal(RelayFlags.NoDnsFailover | RelayFlags.Replicate, tx.RelayFlags);
    }

    [Fact]
    public void Replicate_AllowedInRequestRouteOnly()
    {
        var management = new Parley.Management.ManagementServices();
        var catalog = new Parley.Scripting.Runtime.ModuleCatalog();
        catalog.Add("tm", () => new TmModule(management));
        var result = Parley.Scripting.Compilation.ScriptCompiler.CompileText(
            "loadmodule \"tm.so\"\nroute { t_on_failure(\"f\"); t_relay(); }\nfailure_route[f] { t_replicate(\"sip:10.0.0.9\"); }\n", "t.cfg", catalog);
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("t_replicate", StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ tw_append

    [Fact]
    public void TwAppend_ManualExample_Parsed()
    {
        using var h = new DeliveryHarness("route { exit; }");
        var append = TwAppend.Parse("test: ua=$hdr(User-Agent) ;avp=$avp(avp);$rb;uri=$ru", h.Script.Registry, out var error);
        Assert.Null(error);
        Assert.Equal("test", append!.Name);
        Assert.True(append.AddBody);
        Assert.Equal(["ua", "avp", "uri"], append.Elements.Select(e => e.Name));
    }

    [Theory]
    [InlineData("noColon", "append_name:element")]
    [InlineData(" :a=$ru", "append_name:element")]
    [InlineData("x:a=$ru; ", "missing after ';'")]
    [InlineData("x:$ru", "only $rb")]
    [InlineData("x:a=$nosuch", "unknown pseudo-variable")]
    [InlineData("x:a=ru", "expected a pseudo-variable")]
    [InlineData("x:a=$ru b=$rm", "expected ';'")]
    public void TwAppend_BadDefinition_Refused(string text, string expected)
    {
        using var h = new DeliveryHarness("route { exit; }");
        Assert.Null(TwAppend.Parse(text, h.Script.Registry, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("modparam(\"tm\", \"tw_append\", \"a:x=$ru\")\nmodparam(\"tm\", \"tw_append\", \"A:y=$rm\")", "duplicated")]
    [InlineData("route { t_newtran(); t_write_unix(\"vm/none\", \"/tmp/x\"); }", "unknown append name 'none'")]
    [InlineData("route { t_write_req(\"/x\", \"/tmp/x\"); }", "empty action name")]
    public void TWrite_BadConfiguration_Refused(string text, string expected)
    {
        var management = new Parley.Management.ManagementServices();
        var catalog = new Parley.Scripting.Runtime.ModuleCatalog();
        catalog.Add("tm", () => new TmModule(management));
        var result = Parley.Scripting.Compilation.ScriptCompiler.CompileText("loadmodule \"tm.so\"\n" + text + "\n", "t.cfg", catalog);
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ t_write_unix / t_write_req

    private const string WriteRequest =
        "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKw1\r\n" +
        "Record-Route: <sip:10.0.0.1;lr>, <sip:10.0.0.2;lr>\r\n" +
        "Record-Route: <sip:10.0.0.3;lr>\r\n" +
        "From: Alice <sip:alice@example.com>;tag=alice1\r\n" +
        "To: Bob <sip:bob@example.com>\r\n" +
        "Call-ID: write-1@test\r\n" +
        "CSeq: 42 MESSAGE\r\n" +
        "Contact: <sip:alice@192.0.2.10:5062>\r\n" +
        "User-Agent: test-ua\r\n" +
        "Content-Type: text/plain\r\n" +
        "Content-Length: 5\r\n\r\nhello";

    private static string Expected(TmTransaction tx) =>
        "0.3\nsip_request.voicemail\nMESSAGE\nbob\nexample.com\n127.0.0.1\n.\nsip:bob@example.com\nsip:alice@192.0.2.10:5062\n" +
        "Alice <sip:alice@example.com>;tag=alice1\nBob <sip:bob@example.com>\nwrite-1@test\nalice1\n\n42\n" +
        $"{tx.Bucket}:{tx.Label}\n<sip:10.0.0.1;lr>,<sip:10.0.0.3;lr>\nsip:10.0.0.1;lr\n" +
        "P-MsgFlags: 0\nua: test-ua\nrm: MESSAGE\n.\nhello\n";

    private static string Routes(string write) => $$"""
        modparam("tm", "fr_timeout", 2)
        modparam("tm", "tw_append", "extra: ua=$hdr(User-Agent);none=$hdr(X-None);$rb;rm=$rm")
        route {
            t_newtran();
            if (!{{write}}) {
                xlog("L_INFO", "write failed\n");
            }
            exit;
        }
        """;

    [Fact]
    public void TWriteUnix_DatagramHasOpenSipsLines_ThenBlindBranchTimesOutWith408()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tw-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var h = new DeliveryHarness(Routes($"t_write_unix(\"voicemail/extra\", \"{path}\")"));
            h.RunRequest(WriteRequest);
            Assert.False(Logged(h, "write failed"), string.Join("\n", h.Logs.Lines));

            var buffer = new byte[8192];
            socket.ReceiveTimeout = 5000;
            var n = socket.Receive(buffer);
            Assert.Equal(Expected(LastTransaction(h)), Encoding.UTF8.GetString(buffer, 0, n));

            Assert.Empty(h.FinalsUpstream());
            h.Advance(TimeSpan.FromSeconds(2.2)); // nobody answered through the MI: the blind branch's FR timer
            Assert.Equal("SIP/2.0 408 Request Timeout", Assert.Single(h.FinalsUpstream()).StatusLine);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TWriteUnix_InBranchRoute_BlindBranchTakesAnIndexAndTheRealOneTheNext()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tw-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var h = new DeliveryHarness($$"""
                route { $du = "sip:10.0.0.9:5070"; t_on_branch("b"); t_relay(); exit; }
                branch_route[b] { t_write_unix("logger", "{{path}}"); }
                """);
            h.RunRequest(h.Request());
            var invite = Assert.Single(h.Sender.Requests("INVITE"));
            Assert.EndsWith(".1", invite.TopBranch, StringComparison.Ordinal);
            Assert.True(LastTransaction(h).Branches[0].Blind);

            h.RunReply(DeliveryHarness.ReplyTo(invite, 200, "OK"));
            Assert.Equal(200, Assert.Single(h.FinalsUpstream()).Status);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TWriteUnix_NoSocket_FalseAndNoBlindBranch()
    {
        using var h = new DeliveryHarness(Routes($"t_write_unix(\"voicemail/extra\", \"/tmp/no-such-{Guid.NewGuid():N}.sock\")"));
        h.RunRequest(WriteRequest);
        Assert.True(Logged(h, "write failed"));
        Assert.Empty(LastTransaction(h).Branches);
    }

    [Fact]
    public void TWrite_WithoutTransaction_False()
    {
        using var h = new DeliveryHarness("route { if (!t_write_unix(\"vm\", \"/tmp/x.sock\")) { xlog(\"L_INFO\", \"write failed\\n\"); } exit; }");
        h.RunRequest(WriteRequest);
        Assert.True(Logged(h, "write failed"));
    }

    [Fact]
    public void TWriteReq_Fifo_ReaderGetsTheLines_InviteBodyIncluded()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tw-{Guid.NewGuid():N}.fifo");
        using (var mkfifo = Process.Start("mkfifo", path))
        {
            mkfifo!.WaitForExit();
        }

        try
        {
            // Opened read-write: never blocks, and is a reader for the writer's non-blocking-style open.
            using var reader = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            using var h = new DeliveryHarness(Routes($"t_write_req(\"vm\", \"{path}\")"));
            h.RunRequest(h.Request(body: "v=0\n"));
            Assert.False(Logged(h, "write failed"), string.Join("\n", h.Logs.Lines));

            var buffer = new byte[8192];
            var n = reader.Read(buffer);
            var lines = Encoding.UTF8.GetString(buffer, 0, n).Split('\n');
            Assert.Equal(["0.3", "sip_request.vm", "INVITE", "bob", "example.com"], lines[..5]);
            Assert.Equal("P-MsgFlags: 0", lines[18]);
            Assert.Equal(".", lines[19]);
            Assert.Equal("v=0", lines[20]); // INVITE: the body is always written
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TWriteReq_NobodyReads_False()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tw-{Guid.NewGuid():N}.fifo");
        using (var mkfifo = Process.Start("mkfifo", path))
        {
            mkfifo!.WaitForExit();
        }

        try
        {
            using var h = new DeliveryHarness(Routes($"t_write_req(\"vm\", \"{path}\")"));
            h.RunRequest(WriteRequest);
            Assert.True(Logged(h, "write failed"));
            Assert.Empty(LastTransaction(h).Branches);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ------------------------------------------------------------------ syn_branch=0

    [Fact]
    public void SynBranchOff_BranchCarriesRequestMd5_RepliesMatched()
    {
        using var h = new DeliveryHarness("route { $du = \"sip:10.0.0.9:5070\"; t_relay(); exit; }", "modparam(\"tm\", \"syn_branch\", 0)");
        h.RunRequest(h.Request(callId: "md5-call@test"));
        var tx = LastTransaction(h);
        var invite = Assert.Single(h.Sender.Requests("INVITE"));

        // OpenSIPS char_msg_val: From, To, Call-ID, R-URI, CSeq number, top Via host, port and branch.
#pragma warning disable CA5351 // the branch OpenSIPS makes is an MD5
        var key = Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(
            "Alice <sip:alice@example.com>;tag=alice1" + "Bob <sip:bob@example.com>" + "md5-call@test" + "sip:bob@example.com" + "1"
            + "192.0.2.10" + "5062" + "z9hG4bKcaller1")));
#pragma warning restore CA5351
        Span<byte> bucket = stackalloc byte[8];
        var b = Encoding.ASCII.GetString(bucket[..BranchId.WriteReverseHex(bucket, (uint)tx.Bucket)]);
        Assert.Equal($"z9hG4bK{b}.{key}.0", invite.TopBranch);

        h.RunReply(DeliveryHarness.ReplyTo(invite, 200, "OK"));
        Assert.Equal(200, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void BranchId_Keyed_RoundTrip()
    {
        var key = "0123456789abcdef0123456789abcdef"u8;
        Span<byte> branch = stackalloc byte[BranchId.MaxKeyedLength];
        var n = BranchId.Write(branch, 0xABC, key, 3);
        Assert.Equal("z9hG4bKcba.0123456789abcdef0123456789abcdef.3", Encoding.ASCII.GetString(branch[..n]));
        Assert.True(BranchId.TryParseKeyed(branch[..n], out var bucket, out var parsed, out var index));
        Assert.Equal(0xABC, bucket);
        Assert.True(parsed.SequenceEqual(key));
        Assert.Equal(3, index);
        Assert.False(BranchId.TryParse(branch[..n], out _, out _, out _));
        Assert.False(BranchId.TryParseKeyed("z9hG4bKcba.12.3"u8, out _, out _, out _));
    }

    // ------------------------------------------------------------------ timer_partitions

    [Fact]
    public void TimerPartitions_TransactionsSpreadByBucket_EachTimesOutOnItsWheel()
    {
        using var h = new DeliveryHarness("route { $du = \"sip:10.0.0.9:5070\"; t_relay(); exit; }", "modparam(\"tm\", \"timer_partitions\", 4)\nmodparam(\"tm\", \"fr_timeout\", 2)");
        Assert.Equal(4, h.Tm.Wheels.Count);
        var used = new HashSet<int>();
        for (var i = 0; i < 12 && used.Count < 2; i++)
        {
            var before = new int[4];
            for (var w = 0; w < 4; w++)
            {
                before[w] = h.Tm.Wheels[w].Count;
            }

            h.RunRequest(h.Request("MESSAGE"));
            var partition = LastTransaction(h).Bucket % 4;
            used.Add(partition);
            for (var w = 0; w < 4; w++)
            {
                Assert.True(w == partition ? h.Tm.Wheels[w].Count > before[w] : h.Tm.Wheels[w].Count == before[w], $"wheel {w} for partition {partition}");
            }
        }

        Assert.Equal(2, used.Count);
        h.Advance(TimeSpan.FromSeconds(2.2));
        Assert.All(h.FinalsUpstream(), m => Assert.Equal(408, m.Status));
        Assert.NotEmpty(h.FinalsUpstream());
    }
}
