using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transactions.Proxy;
using Parley.Transactions.Tests.Timers;
using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>One packet tm sent: where to, and its text.</summary>
internal sealed record Sent(SipEndPoint Destination, string Text)
{
    public bool IsRequest(string method) => Text.StartsWith(method + " ", StringComparison.Ordinal);

    public bool IsReply(int code) => Text.StartsWith($"SIP/2.0 {code} ", StringComparison.Ordinal);

    public override string ToString() => $"→ {Destination}\n{Text}";
}

/// <summary>Captures what tm sends.</summary>
internal sealed class ScriptCapturingSender : ISipSender
{
    private readonly Lock _lock = new();
    private readonly List<Sent> _sent = [];

    public IReadOnlyList<Sent> All
    {
        get
        {
            lock (_lock)
            {
                return _sent.ToArray();
            }
        }
    }

    public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        lock (_lock)
        {
            _sent.Add(new Sent(destination, Encoding.UTF8.GetString(pooledBuffer, 0, length)));
        }

        ArrayPool<byte>.Shared.Return(pooledBuffer);
    }

    public void Clear()
    {
        lock (_lock)
        {
            _sent.Clear();
        }
    }
}

/// <summary>
/// A compiled script with tm behind a real <see cref="ScriptPipeline"/>, a capturing sender and a clock that moves only
/// when told (tm's timer wheel is advanced by hand): requests from the caller and replies from the callees go in, what
/// tm sends comes out.
/// </summary>
internal sealed class TmScriptHarness : IDisposable
{
    public static readonly SipEndPoint Caller = SipEndPoint.Parse("192.0.2.10:5062");

    private readonly SipListener _udp;
    private int _calls;

    public TmScriptHarness(string script, string? secondListen = null)
    {
        Time = new ManualTimeProvider();
        var management = new ManagementServices(time: Time);
        var catalog = new ModuleCatalog();
        TmModule? tm = null;
        catalog.Add("tm", () => tm = new TmModule(management));
        var result = ScriptCompiler.CompileText("loadmodule \"tm.so\"\n" + script, "tm.cfg", catalog);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Registry = result.Script!.Registry;
        Script = result.Script;
        Tm = tm!;
        Assert.True(ListenAddress.TryParse("udp:127.0.0.1:5060", out var address, out var error), error);
        _udp = new SipListener(0, address, address.EndPoint);
        Sender = new ScriptCapturingSender();
        SipListener[] listeners = [_udp];
        if (secondListen is not null)
        {
            Assert.True(ListenAddress.TryParse(secondListen, out var second, out var secondError), secondError);
            listeners = [_udp, new SipListener(1, second, second.EndPoint)];
        }

        Host = new ProxyHost(listeners, Sender, NullLoggerFactory.Instance);
        Pipeline = new ScriptPipeline(result.Script, Host, Time);
        Tm.Core.Attach(Host, Registry);
    }

    public ManualTimeProvider Time { get; }

    public TmModule Tm { get; }

    public ScriptRegistry Registry { get; }

    public CompiledScript Script { get; }

    public ScriptCapturingSender Sender { get; }

    public ProxyHost Host { get; }

    public ScriptPipeline Pipeline { get; }

    public IReadOnlyList<Sent> SentTo(SipEndPoint destination)
    {
        var list = new List<Sent>();
        foreach (var s in Sender.All)
        {
            if (s.Destination == destination)
            {
                list.Add(s);
            }
        }

        return list;
    }

    /// <summary>What went to the caller (replies), in order.</summary>
    public IReadOnlyList<Sent> ToCaller => SentTo(Caller);

    /// <summary>The requests of <paramref name="method"/> sent to <paramref name="callee"/>.</summary>
    public IReadOnlyList<Sent> Requests(SipEndPoint callee, string method)
    {
        var list = new List<Sent>();
        foreach (var s in SentTo(callee))
        {
            if (s.IsRequest(method))
            {
                list.Add(s);
            }
        }

        return list;
    }

    /// <summary>Whether the caller got a reply with this code.</summary>
    public bool CallerGot(int code)
    {
        foreach (var s in ToCaller)
        {
            if (s.IsReply(code))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The (last) reply with this code sent to the caller.</summary>
    public Sent ReplyToCaller(int code)
    {
        Sent? found = null;
        foreach (var s in ToCaller)
        {
            if (s.IsReply(code))
            {
                found = s;
            }
        }

        Assert.True(found is not null, $"no {code} to the caller; sent:\n{string.Join("\n", Sender.All)}");
        return found;
    }

    /// <summary>A new INVITE (or <paramref name="method"/>) from the caller to <paramref name="ruri"/>; returns its Call-ID.</summary>
    public string SendRequest(string ruri = "sip:bob@example.com", string method = "INVITE", string extraHeaders = "")
    {
        var callId = $"call-{++_calls}@192.0.2.10";
        Request($"""
            {method} {ruri} SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKcaller{_calls}
            Max-Forwards: 70
            From: <sip:alice@example.com>;tag=a{_calls}
            To: <sip:bob@example.com>
            Call-ID: {callId}
            CSeq: 1 {method}
            {extraHeaders}Content-Length: 0


            """);
        return callId;
    }

    /// <summary>The caller's CANCEL for the INVITE <see cref="SendRequest"/> sent last.</summary>
    public void SendCancel(string ruri = "sip:bob@example.com")
    {
        Request($"""
            CANCEL {ruri} SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKcaller{_calls}
            Max-Forwards: 70
            From: <sip:alice@example.com>;tag=a{_calls}
            To: <sip:bob@example.com>
            Call-ID: call-{_calls}@192.0.2.10
            CSeq: 1 CANCEL
            Content-Length: 0


            """);
    }

    public void Request(string text)
    {
        var message = Parse(text);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        Pipeline.HandleRequest(message, editor, new MessageSource(Caller, SipTransport.Udp, _udp, 0));
    }

    /// <summary>A callee's reply to the request it received (<paramref name="request"/>): same Vias, From, Call-ID, CSeq.</summary>
    public void Reply(Sent request, int code, string reason, string toTag = "callee", string extraHeaders = "")
    {
        var sent = Parse(request.Text);
        var text = new StringBuilder();
        text.Append("SIP/2.0 ").Append(code).Append(' ').Append(reason).Append("\r\n");
        foreach (var h in sent.Headers)
        {
            if (h.Kind is HeaderKind.Via or HeaderKind.From or HeaderKind.CallId or HeaderKind.CSeq)
            {
                text.Append(Encoding.UTF8.GetString(sent[h.Line]));
                if (!Encoding.UTF8.GetString(sent[h.Line]).EndsWith('\n'))
                {
                    text.Append("\r\n");
                }
            }
            else if (h.Kind == HeaderKind.To)
            {
                text.Append("To: ").Append(Encoding.UTF8.GetString(sent[h.Value])).Append(";tag=").Append(toTag).Append("\r\n");
            }
        }

        text.Append(extraHeaders).Append("Content-Length: 0\r\n\r\n");
        var reply = Parse(text.ToString());
        Pipeline.HandleReply(reply, new MessageSource(request.Destination, SipTransport.Udp, _udp, 0));
    }

    /// <summary>Moves the clock in 100 ms steps, firing tm's timers on the way.</summary>
    public void Advance(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var done = TimeSpan.Zero; done < by; done += step)
        {
            Time.Advance(step < by - done ? step : by - done);
            Tm.Core.Wheel.Advance();
        }
    }

    /// <summary>Script variable <c>$var(name)</c> as the worker left it.</summary>
    public ScriptValue Var(string name) => Pipeline.Context.GetVar(Registry.VariableSlot(name));

    /// <summary>The transaction the worker's last request created or matched.</summary>
    public TmTransaction? Transaction => Pipeline.Context.GetState(TmCore.StateSlot).Transaction;

    public static SipMessage Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        var message = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        return message;
    }

    public void Dispose() => Tm.Dispose();
}
