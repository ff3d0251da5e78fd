using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Scripting.Tests.Compilation;

/// <summary>Captures what the script sends.</summary>
internal sealed class CapturingSender : ISipSender
{
    public List<(SipListener? From, SipTransport Transport, SipEndPoint Destination, string Text)> Sent { get; } = [];

    public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        Sent.Add((from, transport, destination, Encoding.UTF8.GetString(pooledBuffer, 0, length)));
        ArrayPool<byte>.Shared.Return(pooledBuffer);
    }
}

/// <summary>Collects log lines (xlog output).</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public List<(LogLevel Level, string Message)> Lines { get; } = [];

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Lines)
            {
                owner.Lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}

/// <summary>A test module: $t(name) reads/writes a dictionary; ret(n) returns n; count() counts calls; replyonly() is onreply-only.</summary>
internal sealed class TestModule : ScriptModule
{
    public Dictionary<string, ScriptValue> Values { get; } = [];

    public int Calls { get; set; }

    public List<string> Seen { get; } = [];

    public long IntParam { get; private set; }

    public List<string> ListParam { get; } = [];

    public override string Name => "testmod";

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.Int("int_param", v => IntParam = v, 0, 100),
        ModuleParameter.String("list_param", ListParam.Add, multi: true),
    ];

    public override void Register(ScriptRegistry registry)
    {
        registry.AddFunction(new("ret", 1, 1, RouteMask.All, b =>
        {
            var n = b.IntArgument(0);
            return n is null ? null : c => (int)n(c).AsInt();
        }) { Module = Name });
        registry.AddFunction(new("count", 0, 0, RouteMask.All, _ => _ => ++Calls) { Module = Name });
        registry.AddFunction(new("see", 1, 1, RouteMask.All, b =>
        {
            var a = b.Argument(0)!.Evaluate;
            return c =>
            {
                Seen.Add(a(c).ToString());
                return 1;
            };
        }) { Module = Name });
        registry.AddFunction(new("replyonly", 0, 0, RouteMask.OnReply, _ => _ => 1) { Module = Name });
        registry.AddFunction(new("needs_failure", 1, 1, RouteMask.All, b =>
        {
            var route = b.RouteReference(0, Syntax.RouteType.Failure);
            return route is null ? null : _ => 1;
        }) { Module = Name });
        registry.AddFunction(new("setvar", 2, 2, RouteMask.All, b =>
        {
            var target = b.WritableVariable(0);
            var value = b.Argument(1)?.Evaluate;
            return target is null || value is null ? null : c =>
            {
                target.Set!(c, value(c));
                return 1;
            };
        }) { Module = Name });
        registry.AddFunction(new("re", 1, 1, RouteMask.All, b =>
        {
            var regex = b.ConstantRegex(0);
            return regex is null ? null : _ => 1;
        }) { Module = Name });
        registry.AddPseudoVariable("t", request =>
        {
            var key = request.Argument ?? "";
            return new PvAccessor(request.Text, _ => Values.GetValueOrDefault(key), (_, v) => Values[key] = v.Materialize());
        });
        registry.AddTransformation("t.upper", _ => (c, v) => ScriptValue.FromString(v.AsString().ToUpperInvariant()));
    }
}

/// <summary>Compiles a script with the core and <see cref="TestModule"/> and runs it on a message.</summary>
internal sealed class ScriptHarness
{
    public const string Invite =
        "INVITE sip:bob@example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: Bob <sip:bob@example.com>\r\n" +
        "From: Alice <sip:alice@example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@10.0.0.1:5062>\r\n" +
        "Content-Length: 0\r\n\r\n";

    public ScriptHarness(string script)
    {
        Module = new TestModule();
        var catalog = new ModuleCatalog();
        var module = Module;
        catalog.Add("testmod", () => module);
        Result = ScriptCompiler.CompileText(script, "test.cfg", catalog);
        Assert.True(ListenAddress.TryParse("udp:127.0.0.1:5060", out var address, out _));
        Listener = new SipListener(0, address!, address!.EndPoint);
        Assert.True(ListenAddress.TryParse("tcp:127.0.0.1:5060", out var tcpAddress, out _));
        TcpListener = new SipListener(1, tcpAddress!, tcpAddress!.EndPoint);
        Logs = new ListLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        Host = new ProxyHost([Listener, TcpListener], Sender, factory);
    }

    public TestModule Module { get; }

    public CompileResult Result { get; }

    public SipListener Listener { get; }

    public SipListener TcpListener { get; }

    public CapturingSender Sender { get; } = new();

    public ListLoggerProvider Logs { get; }

    public ProxyHost Host { get; }

    public IEnumerable<string> Errors
    {
        get
        {
            foreach (var d in Result.Diagnostics)
            {
                yield return d.ToString();
            }
        }
    }

    public CompiledScript Script => Result.Script ?? throw new InvalidOperationException(string.Join("\n", Errors));

    public static SipMessage Parse(string text)
    {
        var message = new SipMessage();
        var bytes = Encoding.UTF8.GetBytes(text);
        var result = SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true);
        Assert.Equal(ParseStatus.Complete, result.Status);
        return message;
    }

    /// <summary>Runs the request route on <paramref name="text"/>; returns the worker's pipeline (its context holds the outcome).</summary>
    public ScriptPipeline RunRequest(string text = Invite, ScriptPipeline? pipeline = null)
    {
        pipeline ??= new ScriptPipeline(Script, Host);
        var message = Parse(text);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        pipeline.HandleRequest(message, editor, new MessageSource(SipEndPoint.Parse("10.0.0.1:5062"), SipTransport.Udp, Listener, 0));
        return pipeline;
    }

    public ScriptPipeline RunReply(string text, ScriptPipeline? pipeline = null)
    {
        pipeline ??= new ScriptPipeline(Script, Host);
        pipeline.HandleReply(Parse(text), new MessageSource(SipEndPoint.Parse("10.0.0.2:5060"), SipTransport.Udp, Listener, 0));
        return pipeline;
    }
}
