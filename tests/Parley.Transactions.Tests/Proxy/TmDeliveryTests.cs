using System.Net;
using System.Net.Sockets;
using Parley.Protocol;
using Parley.Transactions.Proxy;
using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>
/// tm's delivery of branches: host-name destinations resolved without holding the worker, RFC 3263 failover (transport
/// and transaction level), the local reply of a t_relay that sends nothing, and allow-no-cancel.
/// </summary>
public sealed class TmDeliveryTests
{
    private static readonly IPAddress First = IPAddress.Parse("10.0.0.8");
    private static readonly IPAddress Second = IPAddress.Parse("10.0.0.9");

    private static string Routes(string du, string relay = "t_relay()", string extra = "") => $$"""
        route {
            if ($rm == "CANCEL") { t_relay(); exit; }
            $du = "{{du}}";
            {{extra}}
            t_on_failure("fail");
            {{relay}};
            xlog("L_INFO", "relay rc=$rc\n");
        }
        failure_route[fail] {
            xlog("L_INFO", "failure_route $T_reply_code\n");
        }
        """;

    private static bool Logged(DeliveryHarness h, string text) => h.Logs.Lines.Exists(l => l.Contains(text, StringComparison.Ordinal));

    private static string CancelOf(string invite)
    {
        var head = invite[..invite.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var lines = head.Split("\r\n");
        lines[0] = "CANCEL" + lines[0][6..];
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("CSeq:", StringComparison.Ordinal))
            {
                lines[i] = lines[i].Replace("INVITE", "CANCEL", StringComparison.Ordinal);
            }

            if (lines[i].StartsWith("Content-Length:", StringComparison.Ordinal))
            {
                lines[i] = "Content-Length: 0";
            }
        }

        return string.Join("\r\n", lines) + "\r\n\r\n";
    }

    // ------------------------------------------------------------------ host names

    [Fact]
    public void Relay_HostNameResolvesLater_NothingSentUntilThenRequestGoesToTheAddress()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"));
        var dns = h.Resolver.Later("gw.test");
        h.RunRequest(h.Request());
        Assert.Empty(h.Sender.Requests("INVITE"));
        Assert.True(Logged(h, "relay rc=1"), string.Join("\n", h.Logs.Lines));

        dns.SetResult([Second]);
        var invite = Assert.Single(h.Sender.Requests("INVITE"));
        Assert.Equal(new SipEndPoint(Second, 5070), invite.Destination);
        Assert.EndsWith(".0", invite.TopBranch, StringComparison.Ordinal);
        Assert.Contains("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=", invite.Text, StringComparison.Ordinal);

        h.RunReply(DeliveryHarness.ReplyTo(invite, 200, "OK"));
        Assert.Equal(200, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void Relay_ResolvingBranchIsPending_NegativeOfOtherBranchWaitsForIt()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070", extra: "append_branch(\"sip:carol@10.0.0.7:5060\");"));
        var dns = h.Resolver.Later("gw.test");
        h.RunRequest(h.Request());
        var carol = Assert.Single(h.Sender.Requests("INVITE"));
        h.RunReply(DeliveryHarness.ReplyTo(carol, 486, "Busy Here"), "10.0.0.7:5060");
        Assert.Empty(h.FinalsUpstream()); // the resolving branch has not answered

        dns.SetResult([Second]);
        var gw = Assert.Single(h.Sender.Requests("INVITE"), m => m.Destination.Port == 5070);
        Assert.EndsWith(".0", gw.TopBranch, StringComparison.Ordinal);
        h.RunReply(DeliveryHarness.ReplyTo(gw, 200, "OK"));
        Assert.Equal(200, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void Relay_HostNameDoesNotResolve_BranchFailsWith476AndFailureRouteRuns()
    {
        using var h = new DeliveryHarness(Routes("sip:nowhere.test"));
        var dns = h.Resolver.Later("nowhere.test");
        h.RunRequest(h.Request());
        dns.SetException(new SocketException((int)SocketError.HostNotFound));

        Assert.True(Logged(h, "failure_route 476"), string.Join("\n", h.Logs.Lines));
        Assert.Equal("SIP/2.0 476 Unresolvable destination (476/TM)", Assert.Single(h.FinalsUpstream()).StatusLine);
        Assert.Empty(h.Sender.Requests("INVITE"));
        Assert.Equal(1, h.Management.Statistics.Find("tm:4xx_transactions")!.Value); // a faked final counts once
    }

    [Fact]
    public void Relay_CancelWhileResolving_NothingSentAnd487()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"));
        var dns = h.Resolver.Later("gw.test");
        var invite = h.Request();
        h.RunRequest(invite);
        h.RunRequest(CancelOf(invite));
        dns.SetResult([Second]);

        Assert.Empty(h.Sender.Requests("INVITE"));
        Assert.Contains(h.FinalsUpstream(), m => m.StatusLine == "SIP/2.0 487 Request Terminated");
    }

    [Fact]
    public void Relay_NumericHost_SentSynchronously()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.9:5070"));
        h.RunRequest(h.Request());
        Assert.Equal(new SipEndPoint(Second, 5070), Assert.Single(h.Sender.Requests("INVITE")).Destination);
        Assert.True(Logged(h, "relay rc=1"));
    }

    // ------------------------------------------------------------------ DNS failover, transaction level

    [Fact]
    public void DnsFailover_503_CloneGoesToNextAddressWithNewBranch_FailureRouteNotRun()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"));
        h.Resolver.Immediate["gw.test"] = [First, Second];
        h.RunRequest(h.Request());
        var first = Assert.Single(h.Sender.Requests("INVITE"));
        Assert.Equal(new SipEndPoint(First, 5070), first.Destination);

        h.RunReply(DeliveryHarness.ReplyTo(first, 503, "Service Unavailable"), "10.0.0.8:5070");
        var second = Assert.Single(h.Sender.Requests("INVITE"), m => m.Destination.Address().Equals(Second));
        Assert.Equal(new SipEndPoint(Second, 5070), second.Destination);
        Assert.EndsWith(".1", second.TopBranch, StringComparison.Ordinal);
        Assert.Equal(first.Text.Replace(first.TopBranch, second.TopBranch, StringComparison.Ordinal), second.Text);
        Assert.Single(h.Sender.Requests("ACK")); // the 503 is acknowledged hop by hop
        Assert.False(Logged(h, "failure_route"));
        Assert.Empty(h.FinalsUpstream());

        h.RunReply(DeliveryHarness.ReplyTo(second, 200, "OK"));
        Assert.Equal(200, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void DnsFailover_TimeoutWithoutReply_NextAddressTried()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"), "modparam(\"tm\", \"fr_timeout\", 2)");
        h.Resolver.Immediate["gw.test"] = [First, Second];
        h.RunRequest(h.Request());
        h.Advance(TimeSpan.FromSeconds(2.2));

        var second = Assert.Single(h.Sender.Requests("INVITE"), m => m.Destination.Address().Equals(Second));
        Assert.EndsWith(".1", second.TopBranch, StringComparison.Ordinal);
        Assert.False(Logged(h, "failure_route"));
        Assert.Empty(h.FinalsUpstream());

        h.Advance(TimeSpan.FromSeconds(2.2)); // the last address times out too: now failure_route and the 408
        Assert.True(Logged(h, "failure_route 408"));
        Assert.Equal(408, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void DnsFailover_TimeoutAfterProvisional_NoFailover()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"), "modparam(\"tm\", \"fr_inv_timeout\", 3)");
        h.Resolver.Immediate["gw.test"] = [First, Second];
        h.RunRequest(h.Request());
        var first = Assert.Single(h.Sender.Requests("INVITE"));
        h.RunReply(DeliveryHarness.ReplyTo(first, 180, "Ringing"), "10.0.0.8:5070");
        h.Advance(TimeSpan.FromSeconds(3.2));

        Assert.DoesNotContain(h.Sender.Requests("INVITE"), m => m.Destination.Address().Equals(Second));
        Assert.Single(h.Sender.Requests("CANCEL"));
        Assert.True(Logged(h, "failure_route 408"));
    }

    [Theory]
    [InlineData(false, "t_relay(\"no-dns-failover\")")]
    [InlineData(true, "t_relay()")]
    public void DnsFailover_DisabledByFlagOrCoreParameter_FailureRouteGetsThe503(bool disableDnsFailover, string relay)
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070", relay), disableDnsFailover: disableDnsFailover);
        h.Resolver.Immediate["gw.test"] = [First, Second];
        h.RunRequest(h.Request());
        var first = Assert.Single(h.Sender.Requests("INVITE"));
        h.RunReply(DeliveryHarness.ReplyTo(first, 503, "Service Unavailable"), "10.0.0.8:5070");

        Assert.Single(h.Sender.Requests("INVITE"));
        Assert.True(Logged(h, "failure_route 503"));
        Assert.Equal(503, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void DnsFailover_486_NotAFailoverCase_FailureRouteRuns()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"));
        h.Resolver.Immediate["gw.test"] = [First, Second];
        h.RunRequest(h.Request());
        var first = Assert.Single(h.Sender.Requests("INVITE"));
        h.RunReply(DeliveryHarness.ReplyTo(first, 486, "Busy Here"), "10.0.0.8:5070");

        Assert.Single(h.Sender.Requests("INVITE"));
        Assert.True(Logged(h, "failure_route 486"));
    }

    // ------------------------------------------------------------------ transport-level failover

    [Fact]
    public void TransportFailover_SendFailsAtOnce_SameBranchToNextAddress()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070"));
        h.Resolver.Immediate["gw.test"] = [First, Second];
        h.Sender.Outcome = (to, _) => to.Address().Equals(First) ? Task.FromResult(SendResult.NetworkError) : null;
        h.RunRequest(h.Request());

        var failed = Assert.Single(h.Sender.Failed);
        var sent = Assert.Single(h.Sender.Requests("INVITE"));
        Assert.Equal(new SipEndPoint(Second, 5070), sent.Destination);
        Assert.Equal(failed.TopBranch, sent.TopBranch); // transport level: the same branch, another address
        Assert.True(Logged(h, "relay rc=1"));
    }

    [Fact]
    public void TransportFailover_ConnectRefusedLater_NextAddressThenFaked477()
    {
        using var h = new DeliveryHarness(Routes("sip:gw.test:5070;transport=tcp"));
        h.Resolver.Immediate["gw.test"] = [First, Second];
        var connects = new Dictionary<SipEndPoint, TaskCompletionSource<SendResult>>();
        h.Sender.Outcome = (to, transport) =>
        {
            var tcs = new TaskCompletionSource<SendResult>();
            connects[to] = tcs;
            return tcs.Task;
        };
        h.RunRequest(h.Request());
        Assert.True(Logged(h, "relay rc=1"));
        Assert.Single(h.Sender.Requests("INVITE"));

        connects[new SipEndPoint(First, 5070)].SetResult(SendResult.ConnectFailed);
        var retry = Assert.Single(h.Sender.Requests("INVITE"), m => m.Destination.Address().Equals(Second));
        Assert.Equal(SipTransport.Tcp, retry.Transport);
        Assert.Empty(h.FinalsUpstream());

        connects[new SipEndPoint(Second, 5070)].SetResult(SendResult.ConnectFailed);
        Assert.True(Logged(h, "failure_route 477"), string.Join("\n", h.Logs.Lines));
        Assert.Equal("SIP/2.0 477 Send failed (477/TM)", Assert.Single(h.FinalsUpstream()).StatusLine);
    }

    // ------------------------------------------------------------------ nothing sent: the local reply and return codes

    [Fact]
    public void Relay_EverySendFails_477SendFailed_ScriptSeesItHandled()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.9:5070"));
        h.Sender.Outcome = (_, _) => Task.FromResult(SendResult.NetworkError);
        h.RunRequest(h.Request());

        Assert.Equal("SIP/2.0 477 Send failed (477/TM)", Assert.Single(h.FinalsUpstream()).StatusLine);
        Assert.True(Logged(h, "relay rc=1")); // OpenSIPS: answered by tm, "do nothing in script"
        Assert.False(Logged(h, "failure_route"));
        Assert.True(h.Context.Replied);
    }

    [Fact]
    public void Relay_NoAuto477_NoLocalReplyAndMinus6()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.9:5070", "t_relay(\"no-auto-477\")"));
        h.Sender.Outcome = (_, _) => Task.FromResult(SendResult.NetworkError);
        h.RunRequest(h.Request());

        Assert.Empty(h.FinalsUpstream());
        Assert.True(Logged(h, "relay rc=-6"));
        Assert.Equal(477, h.Context.LastErrorCode); // for sl_reply_error
    }

    [Fact]
    public void Relay_TransactionFromTNewtran_NoLocalReplyAndMinus6()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.9:5070", "t_newtran(); t_relay()"));
        h.Sender.Outcome = (_, _) => Task.FromResult(SendResult.NetworkError);
        h.RunRequest(h.Request());

        Assert.Empty(h.FinalsUpstream());
        Assert.True(Logged(h, "relay rc=-6"));
    }

    [Theory]
    [InlineData(true, "t_relay()", "relay rc=1")]
    [InlineData(false, "t_relay(\"no-auto-477\")", "relay rc=-6")]
    public void Relay_NoSocketForTransport_500ServerError7OrMinus6(bool expectReply, string relay, string logged)
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.9:5070;transport=tcp", relay), tcpListener: false);
        h.RunRequest(h.Request());

        string[] expected = expectReply ? ["SIP/2.0 500 Server error occurred (7/TM)"] : [];
        Assert.Equal(expected, h.FinalsUpstream().ConvertAll(m => m.StatusLine));
        Assert.True(Logged(h, logged));
    }

    [Theory]
    [InlineData(true, "t_relay()", "relay rc=1")]
    [InlineData(false, "t_relay(\"no-auto-477\")", "relay rc=-4")]
    public void Relay_BadDestination_476OrMinus4(bool expectReply, string relay, string logged)
    {
        using var h = new DeliveryHarness(Routes("garbage here", relay));
        h.RunRequest(h.Request());

        string[] expected = expectReply ? ["SIP/2.0 476 Unresolvable destination (476/TM)"] : [];
        Assert.Equal(expected, h.FinalsUpstream().ConvertAll(m => m.StatusLine));
        Assert.True(Logged(h, logged));
    }

    [Fact]
    public void Relay_OneOfTwoBranchesFails_OtherSentAndNoLocalReply()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.8:5070", extra: "append_branch(\"sip:carol@10.0.0.9:5060\");"));
        h.Sender.Outcome = (to, _) => to.Address().Equals(First) ? Task.FromResult(SendResult.NetworkError) : null;
        h.RunRequest(h.Request());

        var sent = Assert.Single(h.Sender.Requests("INVITE"));
        Assert.Equal(new SipEndPoint(Second, 5060), sent.Destination);
        Assert.Empty(h.FinalsUpstream());
        Assert.True(Logged(h, "relay rc=1"));
    }

    // ------------------------------------------------------------------ allow-no-cancel

    [Fact]
    public void AllowNoCancel_WithRequestDispositionNoCancel_OtherBranchKeptAndIts2xxRelayed()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.8:5070", "t_relay(\"allow-no-cancel\")", "append_branch(\"sip:carol@10.0.0.9:5060\");"));
        h.RunRequest(h.Request(extraHeaders: "Request-Disposition: proxy, no-cancel\r\n"));
        var invites = h.Sender.Requests("INVITE");
        Assert.Equal(2, invites.Count);
        h.RunReply(DeliveryHarness.ReplyTo(invites[1], 180, "Ringing"), "10.0.0.9:5060");
        h.RunReply(DeliveryHarness.ReplyTo(invites[0], 200, "OK"), "10.0.0.8:5070");

        Assert.Empty(h.Sender.Requests("CANCEL"));
        h.RunReply(DeliveryHarness.ReplyTo(invites[1], 200, "OK", "carol"), "10.0.0.9:5060");
        Assert.Equal(2, h.FinalsUpstream().FindAll(m => m.Status == 200).Count);
    }

    [Fact]
    public void AllowNoCancel_WithRequestDispositionNoCancel_NegativeAfter2xxNotRelayed()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.8:5070", "t_relay(\"allow-no-cancel\")", "append_branch(\"sip:carol@10.0.0.9:5060\");"));
        h.RunRequest(h.Request(extraHeaders: "Request-Disposition: no-cancel\r\n"));
        var invites = h.Sender.Requests("INVITE");
        h.RunReply(DeliveryHarness.ReplyTo(invites[0], 200, "OK"), "10.0.0.8:5070");
        h.RunReply(DeliveryHarness.ReplyTo(invites[1], 486, "Busy Here", "carol"), "10.0.0.9:5060");

        Assert.Equal(200, Assert.Single(h.FinalsUpstream()).Status);
    }

    [Fact]
    public void AllowNoCancel_WithoutTheHeader_PendingBranchCancelled()
    {
        using var h = new DeliveryHarness(Routes("sip:10.0.0.8:5070", "t_relay(\"allow-no-cancel\")", "append_branch(\"sip:carol@10.0.0.9:5060\");"));
        h.RunRequest(h.Request());
        var invites = h.Sender.Requests("INVITE");
        h.RunReply(DeliveryHarness.ReplyTo(invites[1], 180, "Ringing"), "10.0.0.9:5060");
        h.RunReply(DeliveryHarness.ReplyTo(invites[0], 200, "OK"), "10.0.0.8:5070");

        var cancel = Assert.Single(h.Sender.Requests("CANCEL"));
        Assert.Equal(new SipEndPoint(Second, 5060), cancel.Destination);
    }

    [Theory]
    [InlineData("Request-Disposition: no-cancel\r\n", true)]
    [InlineData("Request-Disposition: proxy, No-Cancel , parallel\r\n", true)]
    [InlineData("Request-Disposition: cancel\r\n", false)]
    [InlineData("Request-Disposition: proxy\r\nRequest-Disposition: no-cancel\r\n", false)]
    [InlineData("Content-Disposition: no-cancel\r\n", false)]
    [InlineData("", false)]
    public void RequestDisposition_NoCancel_FirstHeaderOnly(string headers, bool expected)
    {
        using var h = new DeliveryHarness("route { exit; }");
        Assert.Equal(expected, TmCore.HasRequestDispositionNoCancel(DeliveryHarness.Parse(h.Request(extraHeaders: headers))));
    }

    [Fact]
    public void WithBranchId_ReplacesOnlyTheExactTopViaBranch()
    {
        var request = "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa.b.0;rport\r\nVia: SIP/2.0/UDP 5.6.7.8;branch=z9hG4bKa.b.0x\r\n\r\n"u8.ToArray();
        var patched = TmCore.WithBranchId(request, "z9hG4bKa.b.0"u8, "z9hG4bKa.b.1a"u8);
        Assert.Equal("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa.b.1a;rport\r\nVia: SIP/2.0/UDP 5.6.7.8;branch=z9hG4bKa.b.0x\r\n\r\n", System.Text.Encoding.ASCII.GetString(patched!));
        Assert.Null(TmCore.WithBranchId("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa.b.01\r\n\r\n"u8.ToArray(), "z9hG4bKa.b.0"u8, "z9hG4bKa.b.1"u8));
    }
}

internal static class EndPointExtensions
{
    public static IPAddress Address(this SipEndPoint endPoint) => endPoint.GetAddress();
}
