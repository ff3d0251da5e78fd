using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Runtime.PseudoVariables;
using Parley.Scripting.Runtime.Transformations;
using Parley.Scripting.Syntax;
using Parley.Transport;

namespace Parley.Scripting.Tests.Runtime;

/// <summary>A registry with the core pseudo-variables and transformations, a standalone context and helpers to bind and read.</summary>
internal sealed class PvTestHost
{
    public const string Invite =
        "INVITE sip:alice@example.com:5070;transport=tcp SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: \"Alice A\" <sip:alice@example.com>\r\n" +
        "From: Bob <sip:bob@biloxi.example.com;user=phone>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:bob@10.0.0.1:5062>;expires=3600;q=0.7, \"Second\" <sip:bob2@10.0.0.2>\r\n" +
        "m: <sip:bob3@10.0.0.3>\r\n" +
        "X-Custom: one\r\n" +
        "X-Custom: two\r\n" +
        "x-custom: three\r\n" +
        "User-Agent: TestUA/1.0\r\n" +
        "P-Asserted-Identity: \"Bob\" <sip:+15551234@biloxi.example.com>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "test";

    public const string Ringing =
        "SIP/2.0 180 Ringing\r\n" +
        "Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776asdhds;rport=5062\r\n" +
        "To: <sip:alice@example.com>;tag=a6c85cf\r\n" +
        "From: Bob <sip:bob@biloxi.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n";

    public PvTestHost(TimeProvider? time = null)
    {
        Assert.True(ListenAddress.TryParse("udp:127.0.0.1:5060", out var udp, out _));
        Assert.True(ListenAddress.TryParse("tcp:127.0.0.1:5060", out var tcp, out _));
        Listener = new SipListener(0, udp, SipEndPoint.Parse("127.0.0.1:5060"));
        TcpListener = new SipListener(1, tcp, SipEndPoint.Parse("127.0.0.1:5060"));
        Host = new ProxyHost([Listener, TcpListener], new NullSender(), NullLoggerFactory.Instance);
        Context = ScriptContext.CreateStandalone(Host, time);
        CorePseudoVariables.Register(Registry);
        CoreTransformations.Register(Registry);
    }

    public ScriptRegistry Registry { get; } = new();

    public ProxyHost Host { get; }

    public ScriptContext Context { get; }

    public SipListener Listener { get; }

    public SipListener TcpListener { get; }

    public SipMessageEditor Editor { get; } = new();

    public List<string> Errors { get; } = [];

    public static SipMessage Parse(string raw)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        var message = new SipMessage();
        var result = SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true);
        Assert.Equal(ParseStatus.Complete, result.Status);
        return message;
    }

    /// <summary>Starts handling <paramref name="raw"/> as if it came from 10.0.0.1:5062 over UDP.</summary>
    public SipMessage Begin(string raw = Invite, RouteType route = RouteType.Request, string source = "10.0.0.1:5062")
    {
        var message = Parse(raw);
        Editor.Reset(message);
        Context.Begin(message, Editor, new MessageSource(SipEndPoint.Parse(source), SipTransport.Udp, Listener, 0), route);
        return message;
    }

    /// <summary>Binds a pseudo-variable as the compiler would; null after an error (see <see cref="Errors"/>).</summary>
    public PvAccessor? TryBind(string text)
    {
        var reference = PvRef.Parse(text);
        Assert.True(Registry.TryGetPseudoVariable(reference.Name, out var factory), $"no pseudo-variable named {reference.Name}");
        return factory(new PvBindRequest(reference, Registry, Errors.Add));
    }

    public PvAccessor Bind(string text)
    {
        var accessor = TryBind(text);
        Assert.True(accessor is not null, $"{text} did not bind: {string.Join("; ", Errors)}");
        Assert.Empty(Errors);
        return accessor;
    }

    public ScriptValue Get(string text) => Bind(text).Get(Context);

    /// <summary>The value as text; null for NULL.</summary>
    public string? Read(string text) => Text(Get(text));

    public void Set(string text, ScriptValue value)
    {
        var accessor = Bind(text);
        Assert.NotNull(accessor.Set);
        accessor.Set(Context, value);
    }

    public void Add(string text, ScriptValue value)
    {
        var accessor = Bind(text);
        (accessor.Add ?? accessor.Set)!(Context, value);
    }

    public static string? Text(ScriptValue value) => value.IsNull ? null : value.ToString();

    /// <summary>Binds a transformation written as inside braces (<c>s.substr,1,2</c>), splitting it as the compiler does.</summary>
    public TransformFunc? TryBindTransform(string text)
    {
        var comma = text.IndexOf(',', StringComparison.Ordinal);
        var name = comma < 0 ? text : text[..comma];
        var arguments = comma < 0 ? [] : text[(comma + 1)..].Split(',');
        Assert.True(Registry.TryGetTransformation(name, out var factory), $"no transformation named {name}");
        return factory(new TransformBindRequest(name, arguments, text, Registry, Errors.Add, CompileArgument));
    }

    public TransformFunc BindTransform(string text)
    {
        var func = TryBindTransform(text);
        Assert.True(func is not null, $"{{{text}}} did not bind: {string.Join("; ", Errors)}");
        Assert.Empty(Errors);
        return func;
    }

    public ScriptValue Transform(string text, ScriptValue input) => BindTransform(text)(Context, input);

    public string? Transform(string text, string? input) => Text(Transform(text, ScriptValue.FromString(input)));

    /// <summary>A string input given as a byte view (as a header read gives it).</summary>
    public string? TransformView(string text, string input)
    {
        var bytes = Encoding.UTF8.GetBytes("<<" + input + ">>");
        return Text(Transform(text, ScriptValue.FromBytes(bytes, 2, bytes.Length - 4)));
    }

    private ScriptEvaluator? CompileArgument(string text)
    {
        text = text.Trim();
        if (!text.StartsWith('$'))
        {
            var constant = ScriptValue.FromString(text);
            return _ => constant;
        }

        var accessor = TryBind(text);
        return accessor is null ? null : ctx => accessor.Get(ctx);
    }

    private sealed class NullSender : ISipSender
    {
        public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
        {
        }
    }
}

/// <summary>A clock that stands still (UTC), for the time variables.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
