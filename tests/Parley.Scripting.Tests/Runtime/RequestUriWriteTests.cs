using System.Text;
using Parley.Scripting.Runtime;

namespace Parley.Scripting.Tests.Runtime;

public sealed class RequestUriWriteTests
{
    private readonly PvTestHost _host = new();

    private string RequestLine()
    {
        _host.Context.ApplyRequestUri(_host.Editor);
        var text = Encoding.UTF8.GetString(_host.Editor.ToArray());
        return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
    }

    [Fact]
    public void RequestUri_Assign_ReadsNewUriAndRewritesRequestLine()
    {
        _host.Begin();
        _host.Set("$ru", ScriptValue.FromString("sip:carol@chicago.example.com"));

        Assert.Equal("sip:carol@chicago.example.com", _host.Read("$ru"));
        Assert.Equal("carol", _host.Read("$rU"));
        Assert.Equal("chicago.example.com", _host.Read("$rd"));
        Assert.Equal("INVITE sip:carol@chicago.example.com SIP/2.0", RequestLine());
    }

    [Fact]
    public void OriginalUri_AfterSetRequestUri_IsUnchanged()
    {
        _host.Begin();
        _host.Set("$ru", ScriptValue.FromString("sip:carol@chicago.example.com"));
        Assert.Equal("sip:alice@example.com:5070;transport=tcp", _host.Read("$ou"));
        Assert.Equal("alice", _host.Read("$oU"));
    }

    [Fact]
    public void RequestUriUser_AfterSetRequestUri_ReturnsNewUser()
    {
        _host.Begin();
        _host.Context.SetRequestUri("sip:dave@atlanta.example.com:5080");
        Assert.Equal("dave", _host.Read("$rU"));
        Assert.Equal(5080, _host.Get("$rp").Int);
    }

    [Fact]
    public void RequestUriUser_Assign_ReplacesUserOnly()
    {
        _host.Begin();
        _host.Set("$rU", ScriptValue.FromString("bob"));
        Assert.Equal("sip:bob@example.com:5070;transport=tcp", _host.Read("$ru"));
        Assert.Equal("INVITE sip:bob@example.com:5070;transport=tcp SIP/2.0", RequestLine());
    }

    [Fact]
    public void RequestUriUser_AssignWithoutUserPart_AddsUserAt()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com:5070;transport=tcp", "sip:example.com", StringComparison.Ordinal));
        _host.Set("$rU", ScriptValue.FromString("bob"));
        Assert.Equal("sip:bob@example.com", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUriUser_AssignNull_RemovesUserInfo()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com", "sip:alice:secret@example.com", StringComparison.Ordinal));
        _host.Set("$rU", ScriptValue.Null);
        Assert.Equal("sip:example.com:5070;transport=tcp", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUriUser_AssignKeepsPassword()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com", "sip:alice:secret@example.com", StringComparison.Ordinal));
        _host.Set("$rU", ScriptValue.FromString("bob"));
        Assert.Equal("sip:bob:secret@example.com:5070;transport=tcp", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUriUser_AssignTwice_UsesLatest()
    {
        _host.Begin();
        _host.Set("$rU", ScriptValue.FromString("bob"));
        _host.Set("$rU", ScriptValue.FromString("carol"));
        Assert.Equal("sip:carol@example.com:5070;transport=tcp", _host.Read("$ru"));
        Assert.Equal("INVITE sip:carol@example.com:5070;transport=tcp SIP/2.0", RequestLine());
    }

    [Fact]
    public void RequestUriUser_AssignFromOwnHost_CopiesBeforeOverwriting()
    {
        _host.Begin();
        _host.Set("$rU", ScriptValue.FromString("bob"));
        _host.Set("$rU", _host.Get("$rd"));
        Assert.Equal("sip:example.com@example.com:5070;transport=tcp", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUriUser_TelUri_ReplacesNumber()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com:5070;transport=tcp", "tel:+15551234;phone-context=example.com", StringComparison.Ordinal));
        _host.Set("$rU", ScriptValue.FromString("+15559876"));
        Assert.Equal("tel:+15559876;phone-context=example.com", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUriHost_Assign_ReplacesHostKeepingPortAndParams()
    {
        _host.Begin();
        _host.Set("$rd", ScriptValue.FromString("10.1.2.3"));
        Assert.Equal("sip:alice@10.1.2.3:5070;transport=tcp", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUriHost_AssignEmpty_IsIgnored()
    {
        _host.Begin();
        _host.Set("$rd", ScriptValue.Empty);
        Assert.False(_host.Context.RequestUriChanged);
    }

    [Fact]
    public void RequestUriPort_AssignInteger_ReplacesPort()
    {
        _host.Begin();
        _host.Set("$rp", ScriptValue.FromInt(5080));
        Assert.Equal("sip:alice@example.com:5080;transport=tcp", _host.Read("$ru"));
        Assert.Equal(5080, _host.Get("$rp").Int);
    }

    [Fact]
    public void RequestUriPort_AssignWhenAbsent_AddsPort()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com:5070;transport=tcp", "sip:alice@example.com;lr", StringComparison.Ordinal));
        _host.Set("$rp", ScriptValue.FromString("5090"));
        Assert.Equal("sip:alice@example.com:5090;lr", _host.Read("$ru"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void RequestUriPort_AssignZeroOrNull_RemovesPort(int value)
    {
        _host.Begin();
        _host.Set("$rp", value == 0 ? ScriptValue.Zero : ScriptValue.Null);
        Assert.Equal("sip:alice@example.com;transport=tcp", _host.Read("$ru"));
        Assert.Equal(5060, _host.Get("$rp").Int);
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("abc")]
    public void RequestUriPort_AssignInvalid_IsIgnored(string value)
    {
        _host.Begin();
        _host.Set("$rp", ScriptValue.FromString(value));
        Assert.False(_host.Context.RequestUriChanged);
    }

    [Fact]
    public void RequestUri_AssignNull_IsIgnored()
    {
        _host.Begin();
        _host.Set("$ru", ScriptValue.Null);
        Assert.False(_host.Context.RequestUriChanged);
        Assert.Equal("sip:alice@example.com:5070;transport=tcp", _host.Read("$ru"));
    }

    [Fact]
    public void RequestUri_AssignByteView_IsCopied()
    {
        _host.Begin();
        _host.Set("$ru", _host.Get("$fu"));
        Assert.Equal("sip:bob@biloxi.example.com;user=phone", _host.Read("$ru"));
        Assert.Equal("bob", _host.Read("$rU"));
    }

    [Fact]
    public void RequestUri_NextMessage_IsTheNewRequestsUri()
    {
        _host.Begin();
        _host.Set("$rU", ScriptValue.FromString("bob"));
        _host.Begin();
        Assert.Equal("alice", _host.Read("$rU"));
    }

    [Fact]
    public void DestinationUri_Assign_ReadsBackWithParts()
    {
        _host.Begin();
        _host.Set("$du", ScriptValue.FromString("sip:proxy.example.net:5071;transport=tcp"));
        Assert.Equal("sip:proxy.example.net:5071;transport=tcp", _host.Context.DestinationUri);
        Assert.Equal("proxy.example.net", _host.Read("$dd"));
        Assert.Equal(5071, _host.Get("$dp").Int);
        Assert.Equal("tcp", _host.Read("$dP"));

        _host.Set("$du", ScriptValue.FromString("sip:other.example.net"));
        Assert.Equal("other.example.net", _host.Read("$dd"));
        Assert.Equal(5060, _host.Get("$dp").Int);
    }

    [Fact]
    public void DestinationUri_AssignNull_ResetsIt()
    {
        _host.Begin();
        _host.Set("$du", ScriptValue.FromString("sip:proxy.example.net"));
        _host.Set("$du", ScriptValue.Null);
        Assert.Null(_host.Context.DestinationUri);
        Assert.True(_host.Get("$du").IsNull);
        Assert.True(_host.Get("$dd").IsNull);
    }

    [Fact]
    public void ForcedSocket_AssignKnownSocket_SetsListener()
    {
        _host.Begin();
        _host.Set("$fs", ScriptValue.FromString("tcp:127.0.0.1:5060"));
        Assert.Same(_host.TcpListener, _host.Context.ForcedSocket);
        Assert.Equal("tcp:127.0.0.1:5060", _host.Read("$fs"));
    }

    [Fact]
    public void ForcedSocket_AssignWithoutProtoAndPort_MatchesFirstListener()
    {
        _host.Begin();
        _host.Set("$fs", ScriptValue.FromString("127.0.0.1"));
        Assert.Same(_host.Listener, _host.Context.ForcedSocket);
    }

    [Fact]
    public void ForcedSocket_AssignUnknownSocket_IsIgnored()
    {
        _host.Begin();
        _host.Set("$fs", ScriptValue.FromString("udp:10.9.9.9:5060"));
        Assert.Null(_host.Context.ForcedSocket);
        _host.Set("$fs", ScriptValue.FromString("udp:127.0.0.1:5060"));
        _host.Set("$fs", ScriptValue.Null);
        Assert.Null(_host.Context.ForcedSocket);
    }

    [Theory]
    [InlineData("$rU")]
    [InlineData("$rd")]
    [InlineData("$rp")]
    [InlineData("$ru")]
    [InlineData("$du")]
    [InlineData("$fs")]
    public void Writable_CoreVariable_HasSetter(string pv)
    {
        Assert.NotNull(_host.Bind(pv).Set);
    }

    [Theory]
    [InlineData("$rP")]
    [InlineData("$ou")]
    [InlineData("$fu")]
    [InlineData("$hdr(From)")]
    [InlineData("$si")]
    [InlineData("$rc")]
    [InlineData("$retcode")]
    [InlineData("$ci")]
    public void ReadOnly_CoreVariable_HasNoSetter(string pv)
    {
        Assert.Null(_host.Bind(pv).Set);
    }
}
