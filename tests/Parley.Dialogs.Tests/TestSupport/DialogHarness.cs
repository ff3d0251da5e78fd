using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Dialogs.Core;
using Parley.Dialogs.Management;
using Parley.Dialogs.Profiles;
using Parley.Management;
using Parley.Management.Events;
using Parley.Management.Statistics;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transactions.Api;
using Parley.Transport;

namespace Parley.Dialogs.Tests.TestSupport;

/// <summary>
/// A dialog manager on a manual clock with a fake tm, one worker context and the messages of a call: drive a call
/// through its SIP steps and look at the dialog, the statistics and the requests the proxy sent.
/// </summary>
internal sealed class DialogHarness : IDisposable
{
    public const string CallId = "2-21431@127.0.0.1";
    public const string CallerTag = "21431SIPpTag002";
    public const string CalleeTag = "21426SIPpTag012";
    public const string Sdp = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    public DialogHarness(Action<DialogOptions>? configure = null, string? profilesWithValue = null, string? profilesNoValue = null, bool withTm = true)
    {
        configure?.Invoke(Options);
        Profiles.Define(profilesNoValue ?? string.Empty, hasValue: false, Options.LogProfileHashSize);
        Profiles.Define(profilesWithValue ?? string.Empty, hasValue: true, Options.LogProfileHashSize);
        Management = new ManagementServices(time: Time);
        Manager = new DialogManager(Options, Profiles, Statistics, Events, Time, NullLogger.Instance, new Random(7));
        DialogMiCommands.Register(Management.Commands, Manager);
        if (withTm)
        {
            Manager.AttachTm(Tm);
        }

        Udp = Listener(0, "udp:127.0.0.1:35060");
        Host = new ProxyHost([Udp], new DiscardingSender(), NullLoggerFactory.Instance);
        Context = ScriptContext.CreateStandalone(Host, Time);
    }

    public ManualTimeProvider Time { get; } = new();

    public DialogOptions Options { get; } = new();

    public ProfileRegistry Profiles { get; } = new();

    public ManagementServices Management { get; }

    public StatisticsRegistry Statistics => Management.Statistics;

    public EventBus Events => Management.Events;

    public DialogManager Manager { get; }

    public FakeTm Tm { get; } = new();

    public SipListener Udp { get; }

    public ProxyHost Host { get; }

    /// <summary>The worker context every message is processed on (reused, as a worker's is).</summary>
    public ScriptContext Context { get; }

    public SipMessageEditor Editor { get; } = new();

    public long Stat(string name) => Statistics.Find("dialog:" + name)!.Value;

    /// <summary>Begins processing <paramref name="text"/> (LF becomes CRLF, Content-Length is computed) on the worker context.</summary>
    public ScriptContext Begin(string text, string source = "127.0.0.1:35080")
    {
        var message = Parse(text);
        Tm.Forget(Context);
        Editor.Reset(message);
        Context.Begin(message, Editor, new MessageSource(SipEndPoint.Parse(source), SipTransport.Udp, Udp, 0), RouteType.Request);
        return Context;
    }

    public static SipMessage Parse(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        var split = normalized.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = normalized[..split];
        var body = normalized[(split + 4)..];
        var bytes = Encoding.UTF8.GetBytes(head + "\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\n\r\n" + body);
        var message = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        return message;
    }

    public static string Invite(string callId = CallId, string fromTag = CallerTag, string fromUser = "sipp", uint cseq = 1, string? recordRoute = null, string body = Sdp) =>
        $"""
        INVITE sip:service@127.0.0.1:35060 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:35080;branch=z9hG4bK-{callId}-{cseq}
        Max-Forwards: 70
        From: sipp <sip:{fromUser}@127.0.0.1:35080>;tag={fromTag}
        To: <sip:service@127.0.0.1:35060>
        Call-ID: {callId}
        CSeq: {cseq} INVITE
        Contact: <sip:sipp@127.0.0.1:35080;transport=UDP>
        {(recordRoute is null ? string.Empty : "Record-Route: " + recordRoute + "\n")}Content-Type: application/sdp

        {body}
        """;

    public static string Reply(int code, string? toTag = CalleeTag, string callId = CallId, string fromTag = CallerTag, uint cseq = 1, string method = "INVITE",
        string contact = "<sip:127.0.0.1:35070;transport=UDP>", string? recordRoute = null, string body = "") =>
        $"""
        SIP/2.0 {code} Reason
        Via: SIP/2.0/UDP 127.0.0.1:35080;branch=z9hG4bK-{callId}-{cseq}
        From: sipp <sip:sipp@127.0.0.1:35080>;tag={fromTag}
        To: <sip:service@127.0.0.1:35060>{(toTag is null ? string.Empty : ";tag=" + toTag)}
        Call-ID: {callId}
        CSeq: {cseq} {method}
        {(contact.Length == 0 ? string.Empty : "Contact: " + contact + "\n")}{(recordRoute is null ? string.Empty : "Record-Route: " + recordRoute + "\n")}Content-Type: application/sdp

        {body}
        """;

    /// <summary>An in-dialog request; <paramref name="upstream"/> sends it from the callee (tags swapped).</summary>
    public static string InDialog(string method, uint cseq, bool upstream = false, string callId = CallId, string callerTag = CallerTag,
        string calleeTag = CalleeTag, string? route = null, string contact = "<sip:sipp@127.0.0.1:35080;transport=UDP>")
    {
        var from = upstream ? $"<sip:service@127.0.0.1:35060>;tag={calleeTag}" : $"sipp <sip:sipp@127.0.0.1:35080>;tag={callerTag}";
        var to = upstream ? $"sipp <sip:sipp@127.0.0.1:35080>;tag={callerTag}" : $"<sip:service@127.0.0.1:35060>;tag={calleeTag}";
        return $"""
            {method} sip:127.0.0.1:35070;transport=UDP SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:35080;branch=z9hG4bK-{method}-{cseq}
            Max-Forwards: 70
            {(route is null ? string.Empty : "Route: " + route + "\n")}From: {from}
            To: {to}
            Call-ID: {callId}
            CSeq: {cseq} {method}
            Contact: {contact}


            """;
    }

    /// <summary>INVITE → create_dialog → t_relay (the transaction attaches) → branch 0 built. Returns the dialog and its transaction.</summary>
    public (Dialog Dialog, FakeTransaction Transaction) StartCall(string callId = CallId, string fromTag = CallerTag, string fromUser = "sipp",
        DialogCreateFlags flags = DialogCreateFlags.None, Action<ScriptContext>? beforeCreate = null, Action<ScriptContext, Dialog>? afterCreate = null)
    {
        var ctx = Begin(Invite(callId, fromTag, fromUser));
        beforeCreate?.Invoke(ctx);
        Assert.Equal(1, Manager.CreateDialog(ctx, flags, flags != DialogCreateFlags.None));
        var dialog = Manager.Current(ctx)!;
        afterCreate?.Invoke(ctx, dialog);
        var tx = Tm.NewTransaction(ctx);
        tx.Fire(TmCallbackType.RequestBuilt, request: ctx.Msg, branch: 0);
        return (dialog, tx);
    }

    /// <summary>A reply relayed upstream on <paramref name="branch"/> (processed on the worker context, as tm does).</summary>
    public SipMessage Relay(FakeTransaction tx, int code, string? toTag = CalleeTag, int branch = 0, string callId = CallId, string fromTag = CallerTag,
        string? recordRoute = null, string contact = "<sip:127.0.0.1:35070;transport=UDP>", string body = "")
    {
        var reply = Parse(Reply(code, toTag, callId, fromTag, recordRoute: recordRoute, contact: contact, body: body));
        Editor.Reset(reply);
        Tm.Forget(Context);
        Context.Begin(reply, Editor, new MessageSource(SipEndPoint.Parse("127.0.0.1:35070"), SipTransport.Udp, Udp, 0), RouteType.OnReply);
        tx.Fire(TmCallbackType.ResponseIn, reply: reply, code: code, branch: branch, context: Context);
        tx.Fire(TmCallbackType.ResponsePreOut, reply: reply, code: code, branch: branch, context: Context);
        return reply;
    }

    /// <summary>A whole answered call: 180, 200 (with SDP) and the ACK matched through loose_route's DID cookie.</summary>
    public (Dialog Dialog, FakeTransaction Transaction) ConfirmedCall(string callId = CallId, string fromTag = CallerTag, string fromUser = "sipp",
        DialogCreateFlags flags = DialogCreateFlags.None, Action<ScriptContext, Dialog>? afterCreate = null)
    {
        var (dialog, tx) = StartCall(callId, fromTag, fromUser, flags, afterCreate: afterCreate);
        Relay(tx, 180, callId: callId, fromTag: fromTag);
        Relay(tx, 200, callId: callId, fromTag: fromTag, body: Sdp.Replace("6004", "6000", StringComparison.Ordinal));
        var ack = Begin(InDialog("ACK", 1, callId: callId, callerTag: fromTag));
        Manager.OnLooseRoute(ack, Encoding.ASCII.GetBytes("lr;did=" + dialog.Did));
        Assert.Equal(DialogState.Confirmed, dialog.State);
        return (dialog, tx);
    }

    /// <summary>An in-dialog request through loose_route with our cookie; returns its context (with the dialog, if matched).</summary>
    public ScriptContext Sequential(Dialog dialog, string method, uint cseq, bool upstream = false, string? did = null, string callId = CallId,
        string callerTag = CallerTag, string calleeTag = CalleeTag)
    {
        var ctx = Begin(InDialog(method, cseq, upstream, callId, callerTag, calleeTag));
        Manager.OnLooseRoute(ctx, Encoding.ASCII.GetBytes("lr;did=" + (did ?? dialog.Did)));
        return ctx;
    }

    /// <summary>Runs a JSON-RPC request through the MI dispatcher; the parsed response.</summary>
    public System.Text.Json.Nodes.JsonNode Mi(string request)
    {
        var (status, body) = Management.Dispatcher.HandleAsync(Encoding.UTF8.GetBytes(request)).AsTask().GetAwaiter().GetResult();
        Assert.Equal(200, status);
        return System.Text.Json.Nodes.JsonNode.Parse(body!)!;
    }

    /// <summary>Runs the request the golden MANIFEST recorded for <paramref name="golden"/>.</summary>
    public System.Text.Json.Nodes.JsonNode MiGolden(string golden) => Mi(Golden.Request(golden));

    /// <summary>Moves the clock and fires the dialog timers that fall due.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Manager.Wheel.Advance();
    }

    public void Dispose()
    {
        Manager.Dispose();
        Management.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static SipListener Listener(int id, string text)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out var error), error);
        return new SipListener(id, address, address.EndPoint);
    }

    private sealed class DiscardingSender : ISipSender
    {
        public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId) =>
            ArrayPool<byte>.Shared.Return(pooledBuffer);
    }
}
