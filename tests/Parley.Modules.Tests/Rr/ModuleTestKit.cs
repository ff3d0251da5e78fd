using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transport;

namespace Parley.Modules.Tests.Rr;

/// <summary>A proxy with listeners, one worker context and an editor: parse a request, run module code, read the output.</summary>
internal sealed class ModuleTestKit
{
    public const string ProxyIp = "10.0.0.10";

    private bool _requestUriApplied;

    public ModuleTestKit(params SipListener[] listeners)
    {
        Listeners = listeners.Length > 0 ? listeners : [Udp, Tcp, UdpOther];
        Host = new ProxyHost(Listeners, new DiscardingSender(), NullLoggerFactory.Instance);
        Context = ScriptContext.CreateStandalone(Host);
    }

    public static SipListener Udp { get; } = Listener(0, $"udp:{ProxyIp}:5060");

    public static SipListener Tcp { get; } = Listener(1, $"tcp:{ProxyIp}:5060");

    public static SipListener UdpOther { get; } = Listener(2, "udp:192.168.1.10:5070");

    public IReadOnlyList<SipListener> Listeners { get; }

    public ProxyHost Host { get; }

    public ScriptContext Context { get; }

    public SipMessageEditor Editor { get; } = new();

    public SipMessage Message { get; private set; } = new();

    public static SipListener Listener(int id, string spec)
    {
        Assert.True(ListenAddress.TryParse(spec, out var address, out var error), error);
        return new SipListener(id, address, address.EndPoint);
    }

    /// <summary>Parses <paramref name="text"/> (LF line ends become CRLF) and begins a request route for it.</summary>
    public ScriptContext Begin(string text, SipListener? inbound = null, RouteType routeType = RouteType.Request)
    {
        var bytes = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
        Message = new SipMessage();
        var result = SipParser.Parse(bytes, 0, bytes.Length, Message, datagram: true);
        Assert.Equal(ParseStatus.Complete, result.Status);
        Editor.Reset(Message);
        _requestUriApplied = false;
        var source = new MessageSource(SipEndPoint.Parse("10.0.0.1:5062"), (inbound ?? Udp).Transport, inbound ?? Udp, 0);
        Context.Begin(Message, Editor, source, routeType);
        return Context;
    }

    /// <summary>The request as it would be sent: pending edits plus the new Request-URI.</summary>
    public string Output()
    {
        if (!_requestUriApplied)
        {
            // Once per message, as the core does when it writes the request: the editor takes one R-URI replacement.
            Context.ApplyRequestUri(Editor);
            _requestUriApplied = true;
        }

        return Encoding.UTF8.GetString(Editor.ToArray());
    }

    /// <summary>The header lines named <paramref name="name"/> of <see cref="Output"/>, values only, in order.</summary>
    public List<string> OutputHeaders(string name)
    {
        var values = new List<string>();
        foreach (var line in Output().Split("\r\n"))
        {
            if (line.StartsWith(name + ": ", StringComparison.OrdinalIgnoreCase))
            {
                values.Add(line[(name.Length + 2)..]);
            }
        }

        return values;
    }

    /// <summary>The first line of <see cref="Output"/>.</summary>
    public string OutputRequestLine() => Output().Split("\r\n")[0];

    /// <summary>Registers <paramref name="module"/> in a fresh registry, as loading the script would.</summary>
    public static ScriptRegistry Register(ScriptModule module)
    {
        var registry = new ScriptRegistry();
        module.Register(registry);
        Assert.Null(module.Initialize(registry));
        return registry;
    }

    /// <summary>Sets a <c>modparam</c> of <paramref name="module"/>.</summary>
    public static void SetParameter(ScriptModule module, string name, ScriptValue value)
    {
        foreach (var p in module.Parameters)
        {
            if (p.Name == name)
            {
                Assert.Null(p.Set(value));
                return;
            }
        }

        Assert.Fail($"{module.Name} has no parameter {name}");
    }

    private sealed class DiscardingSender : ISipSender
    {
        public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId) =>
            ArrayPool<byte>.Shared.Return(pooledBuffer);
    }
}

/// <summary>A call site for a module function, as the compiler would present it.</summary>
internal sealed class FakeBinder : FunctionBinder
{
    private readonly CompiledArgument?[] _arguments;

    public FakeBinder(string name, ScriptRegistry registry, params CompiledArgument?[] arguments)
    {
        FunctionName = name;
        Registry = registry;
        _arguments = arguments;
    }

    public List<string> Errors { get; } = [];

    public override string FunctionName { get; }

    public override int Count => _arguments.Length;

    public override ScriptRegistry Registry { get; }

    public static CompiledArgument Const(string text) =>
        new(_ => ScriptValue.FromString(text), true, ScriptValue.FromString(text), $"\"{text}\"", 1, 1);

    public static CompiledArgument Const(long value) =>
        new(_ => ScriptValue.FromInt(value), true, ScriptValue.FromInt(value), value.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, 1);

    public static CompiledArgument Dynamic(Func<ScriptContext, ScriptValue> evaluate) =>
        new(ctx => evaluate(ctx), false, default, "$var(x)", 1, 1);

    /// <summary>Binds function <paramref name="name"/> of <paramref name="registry"/>; the body, or null with <see cref="Errors"/>.</summary>
    public static (ScriptFunctionBody? Body, List<string> Errors) Bind(ScriptRegistry registry, string name, params CompiledArgument?[] arguments)
    {
        Assert.True(registry.TryGetFunction(name, out var definition), $"{name} is not registered");
        Assert.InRange(arguments.Length, definition.MinArgs, definition.MaxArgs);
        var binder = new FakeBinder(name, registry, arguments);
        var body = definition.Bind(binder);
        Assert.True(body is null == binder.Errors.Count > 0, string.Join("; ", binder.Errors));
        return (body, binder.Errors);
    }

    public override bool IsMissing(int index) => index >= _arguments.Length || _arguments[index] is null;

    public override CompiledArgument? Argument(int index) => index < _arguments.Length ? _arguments[index] : null;

    public override void Error(int index, string message) => Errors.Add(message);

    public override void Error(string message) => Errors.Add(message);

    public override RouteHandle? RouteReference(int index, RouteType type) => null;

    public override int Flag(int index, bool branchFlag = false) => -1;

    public override PvAccessor? WritableVariable(int index) => null;
}
