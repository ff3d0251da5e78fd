using Parley.Modules.Signaling;
using Parley.Modules.Sl;
using Parley.Modules.Tests.TestSupport;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.Signaling;

public sealed class SignalingModuleTests
{
    private const string Options = """
        OPTIONS sip:proxy@127.0.0.1 SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKopt1
        Max-Forwards: 70
        To: <sip:proxy@127.0.0.1>
        From: <sip:alice@example.com>;tag=77
        Call-ID: opt-1@10.0.0.1
        CSeq: 1 OPTIONS
        Content-Length: 0


        """;

    private readonly TestHost _host = new();
    private readonly SlModule _sl = new();

    [Fact]
    public void SendReply_NoTransactionModule_RepliesStatelessly()
    {
        var signaling = new SignalingModule(_sl);

        Assert.Equal(1, signaling.SendReply(_host.Begin(Options), 200, "OK"));

        Assert.StartsWith("SIP/2.0 200 OK\r\n", Assert.Single(_host.Sender.Sent).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendReply_TransactionAnswers_NoStatelessReply()
    {
        var (signaling, replier) = WithReplier(answers: true);
        var context = _host.Begin(Options);

        Assert.Equal(1, signaling.SendReply(context, 486, "Busy Here"));

        Assert.Empty(_host.Sender.Sent);
        Assert.Equal((486, "Busy Here"), Assert.Single(replier.Calls));
        Assert.True(context.Replied);
    }

    [Fact]
    public void SendReply_NoTransactionForTheRequest_FallsBackToSl()
    {
        var (signaling, replier) = WithReplier(answers: false);

        Assert.Equal(1, signaling.SendReply(_host.Begin(Options), 404, "Not Found"));

        Assert.Single(replier.Calls);
        Assert.StartsWith("SIP/2.0 404 Not Found\r\n", Assert.Single(_host.Sender.Sent).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_SlLoaded_FindsIt()
    {
        var registry = new ScriptRegistry();
        var signaling = new SignalingModule();
        registry.AddModule(_sl);
        registry.AddModule(signaling);
        _sl.Register(registry);
        signaling.Register(registry);

        Assert.Null(signaling.Initialize(registry));
        var body = FakeBinder.BindOk(registry, "send_reply", 403L, "Forbidden");
        Assert.Equal(1, body(_host.Begin(Options)));
        Assert.StartsWith("SIP/2.0 403 Forbidden\r\n", Assert.Single(_host.Sender.Sent).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_SlMissing_ReportsIt()
    {
        var registry = new ScriptRegistry();
        var signaling = new SignalingModule();
        signaling.Register(registry);

        Assert.Contains("sl", signaling.Initialize(registry), StringComparison.Ordinal);
        Assert.Equal(["sl"], signaling.Dependencies);
    }

    [Fact]
    public void Register_SendReply_HasOpenSipsArityAndRoutes()
    {
        var registry = new ScriptRegistry();
        new SignalingModule(_sl).Register(registry);

        Assert.True(registry.TryGetFunction("send_reply", out var send));
        Assert.Equal((2, 2, RouteMask.Request | RouteMask.Error | RouteMask.Failure, "signaling"), (send.MinArgs, send.MaxArgs, send.AllowedIn, send.Module));
    }

    [Fact]
    public void BindSendReply_VariableReasonWithTransaction_PassesTheText()
    {
        var registry = new ScriptRegistry();
        var replier = new FakeReplier(answers: true);
        registry.StatefulReplier = replier;
        new SignalingModule(_sl).Register(registry);
        var body = FakeBinder.BindOk(registry, "send_reply", FakeBinder.Variable(_ => ScriptValue.FromInt(480)), FakeBinder.Variable(_ => ScriptValue.FromString("Gone Fishing")));

        Assert.Equal(1, body(_host.Begin(Options)));

        Assert.Equal((480, "Gone Fishing"), Assert.Single(replier.Calls));
    }

    [Fact]
    public void BindSendReply_BadConstantCode_IsReported()
    {
        var registry = new ScriptRegistry();
        new SignalingModule(_sl).Register(registry);

        var (body, binder) = FakeBinder.Bind(registry, "send_reply", 1000L, "Nope");

        Assert.Null(body);
        Assert.NotEmpty(binder.Errors);
    }

    private (SignalingModule Signaling, FakeReplier Replier) WithReplier(bool answers)
    {
        var registry = new ScriptRegistry();
        var replier = new FakeReplier(answers);
        registry.StatefulReplier = replier;
        var signaling = new SignalingModule(_sl);
        signaling.Register(registry);
        return (signaling, replier);
    }

    private sealed class FakeReplier(bool answers) : IStatefulReplier
    {
        public List<(int, string)> Calls { get; } = [];

        public bool TryReply(ScriptContext context, int code, string reason)
        {
            Calls.Add((code, reason));
            return answers;
        }
    }
}
