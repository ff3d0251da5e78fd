using System.Text;
using Parley.Management;
using Parley.Protocol;
using Parley.Scripting.Compilation;
using Parley.Scripting.Runtime;
using Parley.Transactions.Proxy;

namespace Parley.Transactions.Tests.Proxy;

public sealed class TmPiecesTests
{
    [Theory]
    [InlineData(487, true, 0)]
    [InlineData(487, false, 687)]
    [InlineData(603, false, 303)]
    [InlineData(302, false, 402)]
    [InlineData(401, false, 500)]
    [InlineData(407, false, 501)]
    [InlineData(415, false, 502)]
    [InlineData(420, false, 503)]
    [InlineData(484, false, 504)]
    [InlineData(486, false, 686)]
    [InlineData(500, false, 700)]
    [InlineData(408, false, 800)]
    [InlineData(503, false, 801)]
    public void ReplyPriority_OpenSipsTable(int code, bool cancelled, int expected) =>
        Assert.Equal(expected, ReplyPriority.Of(code, cancelled));

    [Fact]
    public void ReplyPriority_Order_6xxThen3xxThenAuthThen4xx5xxThenTimeouts()
    {
        int[] codes = [503, 408, 500, 486, 404, 407, 401, 302, 603];
        Array.Sort(codes, (a, b) => ReplyPriority.Of(a, false).CompareTo(ReplyPriority.Of(b, false)));
        Assert.Equal([603, 302, 401, 407, 404, 486, 500, 408, 503], codes);
    }

    private const string SentInvite = "INVITE sip:bob@10.0.0.2:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1a.2b.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKcaller;rport=5062;received=192.0.2.1\r\n" +
        "Route: <sip:10.0.0.9;lr>\r\nRecord-Route: <sip:10.0.0.1;lr>\r\nMax-Forwards: 69\r\n" +
        "From: <sip:alice@a.example>;tag=f1\r\nTo: <sip:bob@b.example>\r\nCall-ID: c1@x\r\nCSeq: 7 INVITE\r\n" +
        "Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n";

    private static SipMessage Parse(byte[] bytes)
    {
        var m = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, m, datagram: true).Status);
        return m;
    }

    [Fact]
    public void LocalRequests_Cancel_Rfc3261Section9_1()
    {
        var cancel = Encoding.ASCII.GetString(LocalRequests.Cancel(Encoding.ASCII.GetBytes(SentInvite), "SIP;cause=487"u8.ToArray())!);
        Assert.StartsWith("CANCEL sip:bob@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1a.2b.0\r\n", cancel, StringComparison.Ordinal);
        Assert.DoesNotContain("z9hG4bKcaller", cancel, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: <sip:bob@b.example>\r\n", cancel, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 7 CANCEL\r\n", cancel, StringComparison.Ordinal);
        Assert.Contains("\r\nRoute: <sip:10.0.0.9;lr>\r\n", cancel, StringComparison.Ordinal);
        Assert.DoesNotContain("Record-Route", cancel, StringComparison.Ordinal);
        Assert.Contains("\r\nReason: SIP;cause=487\r\n", cancel, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 0\r\n\r\n", cancel, StringComparison.Ordinal);
        Parse(Encoding.ASCII.GetBytes(cancel));
    }

    [Fact]
    public void LocalRequests_Ack_TakesToFromResponse()
    {
        var reply = Parse(Encoding.ASCII.GetBytes("SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1a.2b.0\r\n" +
            "From: <sip:alice@a.example>;tag=f1\r\nTo: <sip:bob@b.example>;tag=t9\r\nCall-ID: c1@x\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n"));
        var ack = Encoding.ASCII.GetString(LocalRequests.Ack(Encoding.ASCII.GetBytes(SentInvite), reply)!);
        Assert.StartsWith("ACK sip:bob@10.0.0.2:5060 SIP/2.0\r\n", ack, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: <sip:bob@b.example>;tag=t9\r\n", ack, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 7 ACK\r\n", ack, StringComparison.Ordinal);
        Assert.DoesNotContain("Reason", ack, StringComparison.Ordinal);
        Assert.Null(LocalRequests.Cancel("garbage"u8, default));
    }

    [Theory]
    [InlineData("no-auto-477", 0x2)]
    [InlineData("no-dns-failover, pass-reason-hdr", 0x4 | 0x8)]
    [InlineData("allow-no-cancel", 0x10)]
    [InlineData("6", 0x2 | 0x4)]
    [InlineData("", 0)]
    public void ParseFlags_NamesAndLegacyNumbers(string text, int expected)
    {
        Assert.Equal(expected, (int)TmModule.ParseFlags(text, out var error)!);
        Assert.Null(error);
    }

    [Fact]
    public void ParseFlags_Unknown_ErrorNamesIt()
    {
        Assert.Null(TmModule.ParseFlags("no-auto-477,fast", out var error));
        Assert.Contains("'fast'", error, StringComparison.Ordinal);
    }

    private static CompileResult Compile(string text)
    {
        var management = new ManagementServices();
        var catalog = new ModuleCatalog();
        catalog.Add("tm", () => new TmModule(management));
        return ScriptCompiler.CompileText(text, "tm.cfg", catalog);
    }

    [Fact]
    public void Script_EveryFunctionAndVariable_Compiles()
    {
        var result = Compile("""
            loadmodule "tm.so"
            modparam("tm", "fr_timeout", 5)
            modparam("tm", "fr_inv_timeout", 30)
            modparam("tm", "minor_branch_flag", "MINOR")
            route {
                t_on_failure("f");
                t_on_reply("r");
                t_on_branch("b");
                t_add_cancel_reason("SIP;cause=600");
                if (!t_newtran()) { exit; }
                t_check_trans();
                if (!t_relay("no-auto-477,pass-reason-hdr", "udp:127.0.0.1:5080")) { t_reply(500, "Relay failed"); }
                xlog("$T_id $T_reply_code $T_ruri\n");
            }
            branch_route[b] { xlog("branch $T_branch_idx\n"); }
            onreply_route[r] { if (t_check_status("18[0-3]")) { xlog("ringing\n"); } }
            failure_route[f] { if (t_was_cancelled()) { exit; } t_relay(); }
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Theory]
    [InlineData("modparam(\"tm\", \"wt_timer\", 1)", "wt_timer")]
    [InlineData("modparam(\"tm\", \"T2_timer\", 400)", "T2_timer")]
    [InlineData("route { t_relay(\"fast\"); }", "unknown t_relay flag 'fast'")]
    [InlineData("route { t_relay(\"\", \"nowhere at all\"); }", "outbound proxy")]
    [InlineData("route { t_on_failure(\"missing\"); }", "missing")]
    [InlineData("onreply_route { t_relay(); }", "t_relay")]
    public void Script_Misuse_RefusedWithMessage(string line, string expected)
    {
        var result = Compile("loadmodule \"tm.so\"\n" + line + "\n");
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal));
    }
}
