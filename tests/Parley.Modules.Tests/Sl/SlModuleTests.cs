using System.Text.RegularExpressions;
using Parley.Modules.Sl;
using Parley.Modules.Tests.TestSupport;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Modules.Tests.Sl;

public sealed class SlModuleTests
{
    private const string Invite = """
        INVITE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds
        Max-Forwards: 70
        To: Bob <sip:bob@example.com>
        From: Alice <sip:alice@example.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.example.com
        CSeq: 314159 INVITE
        Contact: <sip:alice@10.0.0.1:5062>
        Content-Length: 0


        """;

    private readonly TestHost _host = new();
    private readonly SlModule _sl = new();

    [Fact]
    public void SendReply_Invite_SendsStatusLineAndCopiedHeadersWithContentLengthZero()
    {
        var context = _host.Begin(Invite);

        Assert.Equal(1, _sl.SendReply(context, 404, "Not Here"));

        var sent = Assert.Single(_host.Sender.Sent);
        Assert.StartsWith("SIP/2.0 404 Not Here\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains("\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains("\r\nFrom: Alice <sip:alice@example.com>;tag=1928301774\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains("\r\nCall-ID: a84b4c76e66710@pc33.example.com\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 314159 INVITE\r\n", sent.Text, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 0\r\n\r\n", sent.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Contact:", sent.Text, StringComparison.Ordinal);
        var reply = sent.Parse();
        Assert.Equal(404, reply.StatusCode);
        Assert.True(context.Replied);
    }

    [Fact]
    public void SendReply_ToWithoutTag_AddsStatelessTagStableAcrossRetransmissions()
    {
        _sl.SendReply(_host.Begin(Invite), 486, "Busy Here");
        _sl.SendReply(_host.Begin(Invite), 486, "Busy Here"); // the retransmission

        Span<byte> expected = stackalloc byte[StatelessTag.Length];
        StatelessTag.Write(_host.Message, expected);
        var tag = System.Text.Encoding.ASCII.GetString(expected);
        Assert.Equal(2, _host.Sender.Sent.Count);
        Assert.All(_host.Sender.Sent, s => Assert.Contains($"\r\nTo: Bob <sip:bob@example.com>;tag={tag}\r\n", s.Text, StringComparison.Ordinal));
        Assert.Equal(_host.Sender.Sent[0].Text, _host.Sender.Sent[1].Text);
    }

    [Fact]
    public void SendReply_DifferentBranch_GetsDifferentTag()
    {
        _sl.SendReply(_host.Begin(Invite), 486, "Busy Here");
        _sl.SendReply(_host.Begin(Invite.Replace("z9hG4bK776asdhds", "z9hG4bKother", StringComparison.Ordinal)), 486, "Busy Here");

        var first = _host.Sender.Sent[0].Parse();
        var second = _host.Sender.Sent[1].Parse();
        Assert.False(first[first.To.Tag].SequenceEqual(second[second.To.Tag]));
    }

    [Fact]
    public void SendReply_ToAlreadyTagged_KeepsTheTag()
    {
        var context = _host.Begin(Invite.Replace("To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag=abc", StringComparison.Ordinal));

        _sl.SendReply(context, 481, "Call/Transaction Does Not Exist");

        Assert.Contains("\r\nTo: Bob <sip:bob@example.com>;tag=abc\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_100Trying_HasNoToTag()
    {
        _sl.SendReply(_host.Begin(Invite), 100, "Trying");

        Assert.Contains("\r\nTo: Bob <sip:bob@example.com>\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_ServerHeaderConfigured_IsAppended()
    {
        _sl.SendReply(_host.Begin(Invite), 403, "Forbidden");

        Assert.Contains("\r\nServer: Parley\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_EmptyServerHeader_HasNoServerHeader()
    {
        var host = new TestHost(serverHeader: "");
        _sl.SendReply(host.Begin(Invite), 403, "Forbidden");

        Assert.DoesNotContain("Server:", host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_AppendToReplyHeaders_AreInTheReply()
    {
        var context = _host.Begin(Invite);
        context.ReplyHeaders.Append("Retry-After: 60\r\nWarning: 399 parley \"busy\"\r\n");

        _sl.SendReply(context, 503, "Service Unavailable");

        Assert.Contains("\r\nRetry-After: 60\r\nWarning: 399 parley \"busy\"\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
        _host.Sender.Sent[0].Parse();
    }

    [Fact]
    public void SendReply_UdpWithoutRport_GoesToSourceAddressAndViaPortFromTheReceivingSocket()
    {
        var context = _host.Begin(Invite.Replace("10.0.0.1:5062;branch", "10.0.0.1:5070;branch", StringComparison.Ordinal), source: "10.0.0.1:40000");

        _sl.SendReply(context, 404, "Not Found");

        var sent = _host.Sender.Sent[0];
        Assert.Equal(SipEndPoint.Parse("10.0.0.1:5070"), sent.Destination); // RFC 3261 §18.2.2: the sent-by port
        Assert.Same(_host.Udp, sent.From);
        Assert.Equal(SipTransport.Udp, sent.Transport);
    }

    [Fact]
    public void SendReply_ViaWithoutPort_GoesToPort5060()
    {
        var context = _host.Begin(Invite.Replace("10.0.0.1:5062;branch", "10.0.0.1;branch", StringComparison.Ordinal), source: "10.0.0.1:40000");

        _sl.SendReply(context, 404, "Not Found");

        Assert.Equal(SipEndPoint.Parse("10.0.0.1:5060"), _host.Sender.Sent[0].Destination);
    }

    [Fact]
    public void SendReply_UdpWithRport_GoesToSourcePortAndFillsRportAndReceived()
    {
        var context = _host.Begin(Invite.Replace(";branch=z9hG4bK776asdhds", ";rport;branch=z9hG4bK776asdhds", StringComparison.Ordinal), source: "192.0.2.7:40000");

        _sl.SendReply(context, 404, "Not Found");

        var sent = _host.Sender.Sent[0];
        Assert.Equal(SipEndPoint.Parse("192.0.2.7:40000"), sent.Destination); // RFC 3581 §4
        Assert.Contains("\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;rport=40000;branch=z9hG4bK776asdhds;received=192.0.2.7\r\n", sent.Text, StringComparison.Ordinal);
        sent.Parse();
    }

    [Fact]
    public void SendReply_RportSameAddress_StillAddsReceived()
    {
        var context = _host.Begin(Invite.Replace(";branch=z9hG4bK776asdhds", ";branch=z9hG4bK776asdhds;rport", StringComparison.Ordinal), source: "10.0.0.1:5062");

        _sl.SendReply(context, 404, "Not Found");

        Assert.Contains(";branch=z9hG4bK776asdhds;rport=5062;received=10.0.0.1\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_Ipv6SourceWithRport_AddsBareAddressAsReceived()
    {
        var context = _host.Begin(Invite.Replace(";branch=z9hG4bK776asdhds", ";branch=z9hG4bK776asdhds;rport", StringComparison.Ordinal), source: "[2001:db8::7]:5062");

        _sl.SendReply(context, 404, "Not Found");

        Assert.Contains(";rport=5062;received=2001:db8::7\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
        Assert.Equal(SipEndPoint.Parse("[2001:db8::7]:5062"), _host.Sender.Sent[0].Destination);
    }

    [Fact]
    public void SendReply_SentByIsAName_AddsReceivedAndKeepsOtherVias()
    {
        var text = Invite.Replace("Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds",
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;received=1.1.1.1, SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx\nVia: SIP/2.0/TCP 10.8.8.8;branch=z9hG4bKy", StringComparison.Ordinal);
        var context = _host.Begin(text, source: "10.0.0.1:5060");

        _sl.SendReply(context, 404, "Not Found");

        var sent = _host.Sender.Sent[0].Text;
        Assert.Contains("\r\nVia: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;received=10.0.0.1, SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKx\r\nVia: SIP/2.0/TCP 10.8.8.8;branch=z9hG4bKy\r\n", sent, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_Tcp_UsesTheConnectionAndTheSourceEndPoint()
    {
        var context = _host.Begin(Invite.Replace("SIP/2.0/UDP", "SIP/2.0/TCP", StringComparison.Ordinal), source: "10.0.0.1:33333", transport: SipTransport.Tcp, connectionId: 42);

        _sl.SendReply(context, 404, "Not Found");

        var sent = _host.Sender.Sent[0];
        Assert.Equal(SipTransport.Tcp, sent.Transport);
        Assert.Equal(42, sent.ConnectionId);
        Assert.Equal(SipEndPoint.Parse("10.0.0.1:33333"), sent.Destination);
        Assert.Same(_host.Tcp, sent.From);
    }

    [Fact]
    public void SendReply_Ack_IsNeverAnsweredButSucceeds()
    {
        var context = _host.Begin(Invite.Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal).Replace("314159 INVITE", "314159 ACK", StringComparison.Ordinal));

        Assert.Equal(1, _sl.SendReply(context, 404, "Not Found"));

        Assert.Empty(_host.Sender.Sent);
        Assert.False(context.Replied);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(700)]
    public void SendReply_CodeOutOfRange_FailsWithoutSending(int code)
    {
        Assert.Equal(-1, _sl.SendReply(_host.Begin(Invite), code, "Odd"));
        Assert.Empty(_host.Sender.Sent);
    }

    [Fact]
    public void SendReply_ReasonWithLineBreak_FailsWithoutSending()
    {
        Assert.Equal(-1, _sl.SendReply(_host.Begin(Invite), 404, "Not Found\r\nX-Injected: 1"));
        Assert.Empty(_host.Sender.Sent);
    }

    [Fact]
    public void SendReply_Reply_IsNotAnswered()
    {
        var context = _host.Begin("""
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1
            To: <sip:b@x>;tag=2
            From: <sip:a@x>;tag=1
            Call-ID: c
            CSeq: 1 INVITE
            Content-Length: 0


            """, route: Parley.Scripting.Syntax.RouteType.OnReply);

        Assert.Equal(-1, _sl.SendReply(context, 404, "Not Found"));
        Assert.Empty(_host.Sender.Sent);
    }

    [Fact]
    public void SendReply_Redirect_ListsNewRequestUriAndBranchesInContact()
    {
        var context = _host.Begin(Invite);
        context.SetRequestUri("sip:bob@192.0.2.10");
        context.Branches.Add(new ScriptBranch("sip:bob@192.0.2.11") { Q = 500 });
        context.Branches.Add(new ScriptBranch("sip:bob@192.0.2.12") { Q = 1000 });
        context.Branches.Add(new ScriptBranch("sip:bob@192.0.2.13") { Q = 5 });

        _sl.SendReply(context, 302, "Moved Temporarily");

        Assert.Contains("\r\nContact: <sip:bob@192.0.2.10>, <sip:bob@192.0.2.11>;q=0.5, <sip:bob@192.0.2.12>;q=1, <sip:bob@192.0.2.13>;q=0.005\r\n",
            _host.Sender.Sent[0].Text, StringComparison.Ordinal);
        var reply = _host.Sender.Sent[0].Parse();
        Assert.Equal(1, reply.CountOf(HeaderKind.Contact));
    }

    [Fact]
    public void SendReply_RedirectWithoutTargets_HasNoContact()
    {
        _sl.SendReply(_host.Begin(Invite), 302, "Moved Temporarily");

        Assert.DoesNotContain("Contact:", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplyError_NothingRecorded_Sends500ServerInternalError()
    {
        Assert.Equal(1, _sl.ReplyError(_host.Begin(Invite)));

        Assert.StartsWith("SIP/2.0 500 Server Internal Error\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplyError_LastErrorRecorded_SendsIt()
    {
        var context = _host.Begin(Invite);
        context.LastErrorCode = 400;
        context.LastErrorReason = "Bad Request - Invalid URI";

        _sl.ReplyError(context);

        Assert.StartsWith("SIP/2.0 400 Bad Request - Invalid URI\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void IsAckToLocalReply_AckCarryingTheLocalTag_IsTrue()
    {
        _sl.SendReply(_host.Begin(Invite), 486, "Busy Here");
        var reply = _host.Sender.Sent[0].Parse();
        var tag = System.Text.Encoding.ASCII.GetString(reply[reply.To.Tag]);
        var ack = TestHost.Parse(Invite
            .Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal)
            .Replace("314159 INVITE", "314159 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@example.com>", $"To: Bob <sip:bob@example.com>;tag={tag}", StringComparison.Ordinal));

        Assert.True(_sl.IsAckToLocalReply(ack));
    }

    [Theory]
    [InlineData("ACK", ";tag=0123456789abcdef")]
    [InlineData("ACK", "")]
    [InlineData("BYE", ";tag=LOCAL")]
    public void IsAckToLocalReply_OtherRequests_AreFalse(string method, string toTag)
    {
        var text = Invite
            .Replace("INVITE sip:", method + " sip:", StringComparison.Ordinal)
            .Replace("314159 INVITE", "314159 " + method, StringComparison.Ordinal);
        if (toTag == ";tag=LOCAL")
        {
            Span<byte> local = stackalloc byte[StatelessTag.Length];
            StatelessTag.Write(TestHost.Parse(text), local);
            toTag = ";tag=" + System.Text.Encoding.ASCII.GetString(local);
        }

        var request = TestHost.Parse(text.Replace("To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>" + toTag, StringComparison.Ordinal));

        Assert.False(_sl.IsAckToLocalReply(request));
    }

    [Fact]
    public void InterceptRequest_AckToLocalReply_AbsorbsOnlyThat()
    {
        _sl.SendReply(_host.Begin(Invite), 403, "Forbidden");
        var reply = _host.Sender.Sent[0].Parse();
        var tag = System.Text.Encoding.ASCII.GetString(reply[reply.To.Tag]);
        var ack = Invite
            .Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal)
            .Replace("314159 INVITE", "314159 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@example.com>", $"To: Bob <sip:bob@example.com>;tag={tag}", StringComparison.Ordinal);

        Assert.True(_sl.InterceptRequest(_host.Begin(ack)));
        Assert.False(_sl.InterceptRequest(_host.Begin(Invite)));
        Assert.False(_sl.InterceptReply(_host.Begin(ack)));
    }

    [Fact]
    public void Register_Functions_HaveOpenSipsArityAndRoutes()
    {
        var registry = new ScriptRegistry();
        _sl.Register(registry);

        Assert.True(registry.TryGetFunction("sl_send_reply", out var send));
        Assert.Equal((2, 2, RouteMask.Request | RouteMask.Error, "sl"), (send.MinArgs, send.MaxArgs, send.AllowedIn, send.Module));
        Assert.True(registry.TryGetFunction("sl_reply_error", out var error));
        Assert.Equal((0, 0, RouteMask.Request), (error.MinArgs, error.MaxArgs, error.AllowedIn));
    }

    [Fact]
    public void BindSendReply_ConstantArguments_SendsTheReply()
    {
        var registry = new ScriptRegistry();
        _sl.Register(registry);
        var body = FakeBinder.BindOk(registry, "sl_send_reply", 404L, "Not Found");

        Assert.Equal(1, body(_host.Begin(Invite)));
        Assert.StartsWith("SIP/2.0 404 Not Found\r\n", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99L)]
    [InlineData(700L)]
    [InlineData("abc")]
    public void BindSendReply_BadConstantCode_IsReportedAtBindTime(object code)
    {
        var registry = new ScriptRegistry();
        _sl.Register(registry);

        var (body, binder) = FakeBinder.Bind(registry, "sl_send_reply", code, "Odd");

        Assert.Null(body);
        Assert.Contains(binder.Errors, e => Regex.IsMatch(e, "1xx - 6xx"));
    }

    [Fact]
    public void BindSendReply_VariableCodeAndReason_AreEvaluatedPerCall()
    {
        var registry = new ScriptRegistry();
        _sl.Register(registry);
        var code = "488";
        var body = FakeBinder.BindOk(registry, "sl_send_reply",
            FakeBinder.Variable(_ => ScriptValue.FromString(code)),
            FakeBinder.Variable(c => ScriptValue.FromBytes(c.Msg.Buffer, c.Msg.CallId.Start, 14), "$ci"));

        Assert.Equal(1, body(_host.Begin(Invite)));
        code = "x";
        Assert.Equal(-1, body(_host.Begin(Invite)));

        Assert.StartsWith("SIP/2.0 488 a84b4c76e66710\r\n", Assert.Single(_host.Sender.Sent).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void BindReplyError_SendsLastError()
    {
        var registry = new ScriptRegistry();
        _sl.Register(registry);
        var body = FakeBinder.BindOk(registry, "sl_reply_error");

        Assert.Equal(1, body(_host.Begin(Invite)));
        Assert.StartsWith("SIP/2.0 500 ", _host.Sender.Sent[0].Text, StringComparison.Ordinal);
    }
}
