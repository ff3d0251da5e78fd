using Parley.Modules.Tests.TestSupport;
using Parley.Modules.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests.Uri;

public sealed class UriModuleTests
{
    private const string Request = """
        INVITE {0} SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1
        From: <sip:alice@example.com>;tag=1
        To: <sip:bob@example.com>
        Call-ID: u1@10.0.0.1
        CSeq: 1 INVITE
        Content-Length: 0


        """;

    private readonly UriModule _uri = new();
    private readonly ScriptRegistry _registry = new();

    public UriModuleTests() => _uri.Register(_registry);

    private static ScriptContext Begin(TestHost host, string requestUri) =>
        host.Begin(Request.Replace("{0}", requestUri, StringComparison.Ordinal));

    [Theory]
    [InlineData("sip:bob@127.0.0.1", 1)]
    [InlineData("sip:bob@127.0.0.1:5060;transport=tcp", 1)]
    [InlineData("sip:127.0.0.1", 1)]
    [InlineData("sip:bob@127.0.0.1:5080", -1)]
    [InlineData("sip:bob@192.0.2.1", -1)]
    [InlineData("sip:bob@example.com", -1)]
    [InlineData("tel:+15551234", -1)]
    public void IsUriHostLocal_ListeningAddresses(string requestUri, int expected)
    {
        Assert.Equal(expected, _uri.IsUriHostLocal(Begin(new TestHost(), requestUri)));
    }

    [Theory]
    [InlineData("sip:bob@example.com", 1)]
    [InlineData("sip:bob@EXAMPLE.com:5060", 1)]
    [InlineData("sip:bob@example.net", -1)]
    public void IsUriHostLocal_Aliases(string requestUri, int expected)
    {
        var host = new TestHost([new HostAlias("example.com", 0)]);

        Assert.Equal(expected, _uri.IsUriHostLocal(Begin(host, requestUri)));
    }

    [Fact]
    public void IsUriHostLocal_RewrittenUri_IsTheOneChecked()
    {
        var context = Begin(new TestHost(), "sip:bob@127.0.0.1");
        context.SetRequestUri("sip:bob@192.0.2.50");

        Assert.Equal(-1, _uri.IsUriHostLocal(context));
    }

    [Fact]
    public void BindIsUriHostLocal_Works()
    {
        var body = FakeBinder.BindOk(_registry, "is_uri_host_local");

        Assert.Equal(1, body(Begin(new TestHost(), "sip:bob@127.0.0.1")));
    }

    [Fact]
    public void LegacyNames_BehaveAsTheSipMsgOpsFunctions()
    {
        var host = new TestHost();
        var context = Begin(host, "sip:bob@example.com;user=phone");

        Assert.Equal(1, FakeBinder.BindOk(_registry, "uri_param", "user", "phone")(context));
        Assert.Equal(-1, FakeBinder.BindOk(_registry, "uri_param", "user")(context));
        Assert.Equal(1, FakeBinder.BindOk(_registry, "add_uri_param", "nat=yes")(context));
        Assert.Equal(1, FakeBinder.BindOk(_registry, "del_uri_param", "user")(context));
        Assert.Equal("sip:bob@example.com;nat=yes", System.Text.Encoding.UTF8.GetString(context.RequestUriText));

        var tel = Begin(host, "tel:+15551234");
        Assert.Equal(1, FakeBinder.BindOk(_registry, "tel2sip")(tel));
        Assert.Equal("sip:+15551234@example.com;user=phone", System.Text.Encoding.UTF8.GetString(tel.RequestUriText));
    }

    [Fact]
    public void TypedApi_MatchesTheScriptFunctions()
    {
        var context = Begin(new TestHost(), "sip:bob@example.com;lr");

        Assert.Equal(1, _uri.UriParam(context, "lr"));
        Assert.Equal(1, _uri.AddUriParam(context, "x=1"));
        Assert.Equal(1, _uri.DelUriParam(context, "lr"));
        Assert.Equal(-1, _uri.DelUriParam(context, "lr"));
        Assert.Equal(1, _uri.Tel2Sip(context));
        Assert.Equal("sip:bob@example.com;x=1", System.Text.Encoding.UTF8.GetString(context.RequestUriText));
    }

    [Theory]
    [InlineData("is_uri_host_local", 0, 0, RouteMask.Request | RouteMask.Failure | RouteMask.Branch | RouteMask.Local)]
    [InlineData("uri_param", 1, 2, RouteMask.Request | RouteMask.Local)]
    [InlineData("add_uri_param", 1, 1, RouteMask.Request)]
    [InlineData("del_uri_param", 1, 1, RouteMask.Request)]
    [InlineData("tel2sip", 0, 0, RouteMask.Request)]
    public void Register_Functions_HaveOpenSipsArityAndRoutes(string name, int min, int max, RouteMask routes)
    {
        Assert.True(_registry.TryGetFunction(name, out var definition));
        Assert.Equal((min, max, routes, "uri"), (definition.MinArgs, definition.MaxArgs, definition.AllowedIn, definition.Module));
    }
}
