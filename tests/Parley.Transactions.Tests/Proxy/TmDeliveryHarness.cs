using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Parley.Management;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transactions.Tests.Timers;
using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>One message the proxy sent (or tried to).</summary>
internal sealed record SentMessage(SipTransport Transport, SipEndPoint Destination, string Text)
{
    public bool IsRequest(string method) => Text.StartsWith(method + " ", StringComparison.Ordinal);

    public int Status => Text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(Text.AsSpan(8, 3), provider: System.Globalization.CultureInfo.InvariantCulture) : 0;

    public string StatusLine => Text[..Text.IndexOf("\r\n", StringComparison.Ordinal)];

    /// <summary>The branch of the top Via.</summary>
    public string TopBranch
    {
        get
        {
            var via = Text.IndexOf("\r\nVia: ", StringComparison.Ordinal);
            var branch = Text.IndexOf(";branch=", via, StringComparison.Ordinal) + 8;
            var end = Text.IndexOfAny([';', '\r', ','], branch);
            return Text[branch..end];
        }
    }
}

/// <summary>Records sends; <see cref="Outcome"/> decides what a reporting send returns (default: sent at once).</summary>
internal sealed class FakeSender : ISipSender
{
    private readonly List<SentMessage> _sent = [];

    /// <summary>Per destination: the result of a reporting send (a pending one with a TaskCompletionSource), or null for "sent".</summary>
    public Func<SipEndPoint, SipTransport, Task<SendResult>?>? Outcome { get; set; }

    /// <summary>Everything sent successfully or handed to the transport (failed sends are in <see cref="Failed"/>).</summary>
    public List<SentMessage> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public List<SentMessage> Failed { get; } = [];

    public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        Record(transport, destination, pooledBuffer, length);
    }

    public ValueTask<SendResult> SendReportingAsync(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        if (Outcome?.Invoke(destination, transport) is { } outcome)
        {
            if (outcome.IsCompletedSuccessfully && outcome.Result != SendResult.Sent)
            {
                // failed at once: not sent
                lock (_sent)
                {
                    Failed.Add(new SentMessage(transport, destination, Encoding.UTF8.GetString(pooledBuffer, 0, length)));
                }

                ArrayPool<byte>.Shared.Return(pooledBuffer);
                return new ValueTask<SendResult>(outcome);
            }

            Record(transport, destination, pooledBuffer, length);
            return new ValueTask<SendResult>(outcome);
        }

        Record(transport, destination, pooledBuffer, length);
        return ValueTask.FromResult(SendResult.Sent);
    }

    public List<SentMessage> Requests(string method) => Sent.FindAll(m => m.IsRequest(method));

    public List<SentMessage> Responses() => Sent.FindAll(m => m.Status > 0);

    public void Clear()
    {
        lock (_sent)
        {
            _sent.Clear();
            Failed.Clear();
        }
    }

    private void Record(SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length)
    {
        lock (_sent)
        {
            _sent.Add(new SentMessage(transport, destination, Encoding.UTF8.GetString(pooledBuffer, 0, length)));
        }

        ArrayPool<byte>.Shared.Return(pooledBuffer);
    }
}

/// <summary>Answers names from tables: at once, later (a TaskCompletionSource the test completes), or not at all.</summary>
internal sealed class FakeResolver : IHostResolver
{
    public Dictionary<string, IPAddress[]> Immediate { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, TaskCompletionSource<IPAddress[]>> Pending { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ValueTask<IPAddress[]> ResolveAsync(string hostName, CancellationToken cancellationToken)
    {
        if (Immediate.TryGetValue(hostName, out var addresses))
        {
            return ValueTask.FromResult(addresses);
        }

        if (Pending.TryGetValue(hostName, out var later))
        {
            return new ValueTask<IPAddress[]>(later.Task);
        }

        return ValueTask.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }

    public TaskCompletionSource<IPAddress[]> Later(string name)
    {
        var tcs = new TaskCompletionSource<IPAddress[]>();
        Pending[name] = tcs;
        return tcs;
    }
}

/// <summary>Collects log lines (xlog).</summary>
internal sealed class DeliveryLoggerFactory : ILoggerFactory
{
    private readonly List<string> _lines = [];

    public List<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new DeliveryLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class DeliveryLogger(DeliveryLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                owner._lines.Add(formatter(state, exception));
            }
        }
    }
}

/// <summary>
/// tm driven end to end in memory: a script with tm compiled and run on a pipeline, a fake clock the timer wheels follow,
/// a sender that records (and can fail) sends and a resolver the test controls. Continuations of resolutions and send
/// reports run inline when the test completes them (the test's synchronization context is removed).
/// </summary>
internal sealed class DeliveryHarness : IDisposable
{
    public const string CallerAddress = "192.0.2.10:5062";

    private readonly SynchronizationContext? _savedContext;
    private readonly ScriptPipeline _pipeline;
    private int _cseq = 1;

    public DeliveryHarness(string routes, string? parameters = null, bool tcpListener = true, bool disableDnsFailover = false)
    {
        _savedContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        Management = new ManagementServices(loggers: Logs, time: Clock);
        var catalog = new ModuleCatalog();
        catalog.Add("tm", () => new TmModule(Management));
        var text = "loadmodule \"tm.so\"\n" + (parameters ?? "") + "\n" + routes;
        var result = ScriptCompiler.CompileText(text, "tm-test.cfg", catalog);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Script = result.Script!;
        Tm = Script.Registry.GetModule<TmModule>()!;
        Assert.True(ListenAddress.TryParse("udp:127.0.0.1:5060", out var udp, out _));
        Udp = new SipListener(0, udp!, udp!.EndPoint);
        var listeners = new List<SipListener> { Udp };
        if (tcpListener)
        {
            Assert.True(ListenAddress.TryParse("tcp:127.0.0.1:5060", out var tcp, out _));
            listeners.Add(new SipListener(1, tcp!, tcp!.EndPoint));
        }

        Host = new ProxyHost(listeners, Sender, Logs, Resolver) { DisableDnsFailover = disableDnsFailover };
        _pipeline = new ScriptPipeline(Script, Host, Clock); // tm attaches to the host on first use; its wheels are advanced by hand
    }

    public ManualTimeProvider Clock { get; } = new();

    public DeliveryLoggerFactory Logs { get; } = new();

    public ManagementServices Management { get; }

    public CompiledScript Script { get; }

    public TmModule Tm { get; }

    public SipListener Udp { get; }

    public FakeSender Sender { get; } = new();

    public FakeResolver Resolver { get; } = new();

    public ProxyHost Host { get; }

    public ScriptContext Context => _pipeline.Context;

    /// <summary>An INVITE (or <paramref name="method"/>) from the caller; a new Call-ID each time unless given.</summary>
    public string Request(string method = "INVITE", string ruri = "sip:bob@example.com", string? callId = null, string extraHeaders = "", string body = "")
    {
        var cseq = _cseq++;
        callId ??= $"call-{cseq}@test";
        return $"{method} {ruri} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP {CallerAddress};branch=z9hG4bKcaller{cseq}\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: Alice <sip:alice@example.com>;tag=alice1\r\n" +
            "To: Bob <sip:bob@example.com>\r\n" +
            $"Call-ID: {callId}\r\n" +
            $"CSeq: {cseq} {method}\r\n" +
            "Contact: <sip:alice@192.0.2.10:5062>\r\n" +
            extraHeaders +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n" + body;
    }

    public void RunRequest(string text)
    {
        var message = Parse(text);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        _pipeline.HandleRequest(message, editor, new MessageSource(SipEndPoint.Parse(CallerAddress), SipTransport.Udp, Udp, 0));
    }

    /// <summary>The callee's reply to a request tm sent: its Vias, From, To (tagged unless 100), Call-ID, CSeq.</summary>
    public static string ReplyTo(SentMessage request, int code, string reason, string toTag = "callee1")
    {
        var lines = request.Text[..request.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var reply = new StringBuilder($"SIP/2.0 {code} {reason}\r\n");
        foreach (var line in lines[1..])
        {
            if (line.StartsWith("Via:", StringComparison.Ordinal) || line.StartsWith("From:", StringComparison.Ordinal)
                || line.StartsWith("Call-ID:", StringComparison.Ordinal) || line.StartsWith("CSeq:", StringComparison.Ordinal))
            {
                reply.Append(line).Append("\r\n");
            }
            else if (line.StartsWith("To:", StringComparison.Ordinal))
            {
                reply.Append(line).Append(code > 100 ? ";tag=" + toTag : "").Append("\r\n");
            }
        }

        reply.Append("Content-Length: 0\r\n\r\n");
        return reply.ToString();
    }

    public void RunReply(string text, string from = "10.0.0.9:5060") =>
        _pipeline.HandleReply(Parse(text), new MessageSource(SipEndPoint.Parse(from), SipTransport.Udp, Udp, 0));

    /// <summary>Moves the clock and fires what fell due on every timer partition.</summary>
    public void Advance(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var done = TimeSpan.Zero; done < by; done += step)
        {
            Clock.Advance(step);
            foreach (var wheel in Tm.Wheels)
            {
                wheel.Advance();
            }
        }
    }

    /// <summary>Responses sent to the caller (100 included).</summary>
    public List<SentMessage> Upstream() => Sender.Sent.FindAll(m => m.Status > 0 && m.Destination == SipEndPoint.Parse(CallerAddress));

    public List<SentMessage> FinalsUpstream() => Upstream().FindAll(m => m.Status >= 200);

    public static SipMessage Parse(string text)
    {
        var message = new SipMessage();
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        return message;
    }

    public void Dispose()
    {
        Tm.Dispose();
        SynchronizationContext.SetSynchronizationContext(_savedContext);
    }
}
