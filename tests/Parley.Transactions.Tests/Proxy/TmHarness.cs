using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
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

/// <summary>Captures what tm sends.</summary>
internal sealed class CapturingSender : ISipSender
{
    private readonly List<(SipTransport Transport, SipEndPoint Destination, string Text)> _sent = [];

    public IReadOnlyList<(SipTransport Transport, SipEndPoint Destination, string Text)> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        lock (_sent)
        {
            _sent.Add((transport, destination, Encoding.UTF8.GetString(pooledBuffer, 0, length)));
        }

        ArrayPool<byte>.Shared.Return(pooledBuffer);
    }

    public void Clear()
    {
        lock (_sent)
        {
            _sent.Clear();
        }
    }
}

/// <summary>Collects log lines (xlog output and tm's errors).</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                owner._lines.Add(formatter(state, exception) + (exception is null ? string.Empty : " | " + exception.Message));
            }
        }
    }
}

/// <summary>
/// A compiled script with tm over a capturing sender and a manual clock: requests and replies go through the same
/// <see cref="ScriptPipeline"/> the workers use; the clock and tm's timer wheel move only when told.
/// </summary>
internal sealed class TmHarness
{
    public static readonly MessageSource Caller = new(SipEndPoint.Parse("127.0.0.1:5062"), SipTransport.Udp, null, 0);
    public static readonly MessageSource Callee = new(SipEndPoint.Parse("127.0.0.1:5070"), SipTransport.Udp, null, 0);

    public TmHarness(string script)
    {
        Logs = new ListLoggerFactory();
        Management = new ManagementServices(loggers: Logs, time: Clock);
        var management = Management;
        Module = new TmModule(management);
        var module = Module;
        var catalog = new ModuleCatalog();
        catalog.Add("tm", () => module);
        var result = ScriptCompiler.CompileText(script, "tm.cfg", catalog);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Script = result.Script!;
        Assert.True(ListenAddress.TryParse("udp:127.0.0.1:5060", out var address, out _));
        Listener = new SipListener(0, address!, address!.EndPoint);
        Host = new ProxyHost([Listener], Sender, Logs);
        Module.Core.Attach(Host, Script.Registry);
        Pipeline = new ScriptPipeline(Script, Host, Clock);
    }

    public ManualTimeProvider Clock { get; } = new();

    public ListLoggerFactory Logs { get; }

    public ManagementServices Management { get; }

    public TmModule Module { get; }

    internal TmCore Core => Module.Core;

    public CompiledScript Script { get; }

    public SipListener Listener { get; }

    public CapturingSender Sender { get; } = new();

    public ProxyHost Host { get; }

    public ScriptPipeline Pipeline { get; }

    public static SipMessage Parse(string text)
    {
        var message = new SipMessage();
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        return message;
    }

    public void Request(string text, MessageSource? source = null)
    {
        var message = Parse(text);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        Pipeline.HandleRequest(message, editor, source ?? Caller);
    }

    public void Reply(string text) => Pipeline.HandleReply(Parse(text), Callee);

    /// <summary>Moves the clock and fires tm's due timers.</summary>
    public void Advance(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var t = TimeSpan.Zero; t < by; t += step)
        {
            Clock.Advance(step);
            Core.Wheel.Advance();
        }
    }

    /// <summary>The messages sent to <paramref name="port"/> on 127.0.0.1.</summary>
    public List<string> SentTo(int port)
    {
        var list = new List<string>();
        foreach (var (_, destination, text) in Sender.Sent)
        {
            if (destination.Port == port)
            {
                list.Add(text);
            }
        }

        return list;
    }

    /// <summary>The top Via branch of the last request sent to <paramref name="port"/>.</summary>
    public string LastBranchTo(int port)
    {
        var sent = SentTo(port);
        Assert.NotEmpty(sent);
        var message = Parse(sent[^1]);
        Assert.True(message.TryGetTopVia(out var via));
        return message.GetString(via.Branch);
    }

    /// <summary>A reply to the request sent downstream (its Via, From, To, Call-ID, CSeq), as the callee would send.</summary>
    public static string ReplyTo(string request, int code, string reason, string? toTag = "callee1", string extra = "")
    {
        var m = Parse(request);
        var text = new StringBuilder();
        text.Append("SIP/2.0 ").Append(code).Append(' ').Append(reason).Append("\r\n");
        foreach (var h in m.Headers)
        {
            if (h.Kind == HeaderKind.Via)
            {
                text.Append("Via: ").Append(m.GetString(h.Value)).Append("\r\n");
            }
        }

        text.Append("From: ").Append(m.GetString(m.From.Value)).Append("\r\n");
        text.Append("To: ").Append(m.GetString(m.To.Value)).Append(toTag is null || m.To.HasTag ? "" : ";tag=" + toTag).Append("\r\n");
        text.Append("Call-ID: ").Append(m.GetString(m.CallId)).Append("\r\n");
        text.Append("CSeq: ").Append(m.CSeq.Number).Append(' ').Append(m.GetString(m.MethodName)).Append("\r\n");
        text.Append(extra);
        text.Append("Content-Length: 0\r\n\r\n");
        return text.ToString();
    }

    /// <summary>Runs an MI command (parameters a JSON object/array, or null for none); the JSON-RPC result or error object.</summary>
    public async Task<JsonElement> MiAsync(string method, string? parameters)
    {
        var arguments = default(JsonElement);
        if (parameters is not null)
        {
            using var doc = JsonDocument.Parse(parameters);
            arguments = doc.RootElement.Clone();
        }

        var result = await Management.Dispatcher.ExecuteAsync(method, arguments);
        var json = result.IsError
            ? $"{{\"error\":{{\"code\":{result.ErrorCode},\"message\":{JsonSerializer.Serialize(result.ErrorMessage)}}}}}"
            : $"{{\"result\":{result.Value?.ToJsonString() ?? "null"}}}";
        using var parsed = JsonDocument.Parse(json);
        return parsed.RootElement.Clone();
    }

    public const string Invite =
        "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKcaller1\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: Alice <sip:alice@example.com>;tag=fromtag1\r\n" +
        "To: Bob <sip:bob@example.com>\r\n" +
        "Call-ID: call-1@example.com\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:alice@127.0.0.1:5062>\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>The caller's INVITE with another Call-ID/branch.</summary>
    public static string InviteWith(string callId, string branch = "z9hG4bKcaller1", string user = "bob") =>
        Invite.Replace("call-1@example.com", callId, StringComparison.Ordinal)
            .Replace("z9hG4bKcaller1", branch, StringComparison.Ordinal)
            .Replace("sip:bob@127.0.0.1:5070", $"sip:{user}@127.0.0.1:5070", StringComparison.Ordinal);
}
