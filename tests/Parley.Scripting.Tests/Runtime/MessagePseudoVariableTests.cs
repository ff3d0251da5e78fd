using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests.Runtime;

public sealed class MessagePseudoVariableTests
{
    private readonly PvTestHost _host = new();

    [Theory]
    [InlineData("$ru", "sip:alice@example.com:5070;transport=tcp")]
    [InlineData("$rU", "alice")]
    [InlineData("$rd", "example.com")]
    [InlineData("$rp", "5070")]
    [InlineData("$rP", "tcp")]
    [InlineData("$ou", "sip:alice@example.com:5070;transport=tcp")]
    [InlineData("$oU", "alice")]
    [InlineData("$od", "example.com")]
    [InlineData("$op", "5070")]
    [InlineData("$fu", "sip:bob@biloxi.example.com;user=phone")]
    [InlineData("$fU", "bob")]
    [InlineData("$fd", "biloxi.example.com")]
    [InlineData("$fn", "Bob")]
    [InlineData("$ft", "1928301774")]
    [InlineData("$tu", "sip:alice@example.com")]
    [InlineData("$tU", "alice")]
    [InlineData("$td", "example.com")]
    [InlineData("$tn", "\"Alice A\"")]
    [InlineData("$ci", "a84b4c76e66710@pc33.example.com")]
    [InlineData("$cs", "314159")]
    [InlineData("$cl", "4")]
    [InlineData("$rm", "INVITE")]
    [InlineData("$rv", "SIP/2.0")]
    [InlineData("$rb", "test")]
    [InlineData("$ua", "TestUA/1.0")]
    [InlineData("$cT", "application/sdp")]
    [InlineData("$ai", "sip:+15551234@biloxi.example.com")]
    [InlineData("$si", "10.0.0.1")]
    [InlineData("$sp", "5062")]
    [InlineData("$Ri", "127.0.0.1")]
    [InlineData("$Rp", "5060")]
    [InlineData("$pr", "udp")]
    [InlineData("$proto", "udp")]
    [InlineData("$hdr(Call-ID)", "a84b4c76e66710@pc33.example.com")]
    [InlineData("$hdr(i)", "a84b4c76e66710@pc33.example.com")]
    [InlineData("$hdr(x-CUSTOM)", "one")]
    [InlineData("$(hdr(X-Custom)[1])", "two")]
    [InlineData("$(hdr(X-Custom)[-1])", "three")]
    [InlineData("$(hdr(X-Custom)[-3])", "one")]
    [InlineData("$(hdr(X-Custom)[*])", "one,two,three")]
    [InlineData("$(hdr(Contact)[1])", "<sip:bob3@10.0.0.3>")]
    [InlineData("$hdrcnt(X-Custom)", "3")]
    [InlineData("$hdrcnt(Contact)", "2")]
    [InlineData("$hdrcnt(Route)", "0")]
    [InlineData("$ct", "<sip:bob@10.0.0.1:5062>;expires=3600;q=0.7")]
    [InlineData("$(ct[1])", "\"Second\" <sip:bob2@10.0.0.2>")]
    [InlineData("$(ct[-1])", "<sip:bob3@10.0.0.3>")]
    [InlineData("$(ct[*])", "<sip:bob@10.0.0.1:5062>;expires=3600;q=0.7, \"Second\" <sip:bob2@10.0.0.2>, <sip:bob3@10.0.0.3>")]
    [InlineData("$ct.fields(uri)", "sip:bob@10.0.0.1:5062")]
    [InlineData("$ct.fields(expires)", "3600")]
    [InlineData("$ct.fields(q)", "0.7")]
    [InlineData("$ct.fields(params)", "expires=3600;q=0.7")]
    [InlineData("$(ct.fields(name)[1])", "\"Second\"")]
    public void Read_Invite_ReturnsOpenSipsValue(string pv, string expected)
    {
        _host.Begin();
        Assert.Equal(expected, _host.Read(pv));
    }

    [Theory]
    [InlineData("$hdr(Route)")]
    [InlineData("$(hdr(X-Custom)[3])")]
    [InlineData("$(hdr(X-Custom)[-4])")]
    [InlineData("$(ct[3])")]
    [InlineData("$ct.fields(received)")]
    [InlineData("$(ct.fields(q)[1])")]
    [InlineData("$tt")]
    [InlineData("$rs")]
    [InlineData("$rr")]
    [InlineData("$re")]
    [InlineData("$du")]
    [InlineData("$dd")]
    [InlineData("$fs")]
    public void Read_AbsentInInvite_ReturnsNull(string pv)
    {
        _host.Begin();
        Assert.True(_host.Get(pv).IsNull, $"{pv} = {_host.Get(pv)}");
    }

    [Theory]
    [InlineData("$rs", "180")]
    [InlineData("$rr", "Ringing")]
    [InlineData("$rm", "INVITE")]
    [InlineData("$tt", "a6c85cf")]
    [InlineData("$cs", "314159")]
    [InlineData("$cl", "0")]
    public void Read_Reply_ReturnsOpenSipsValue(string pv, string expected)
    {
        _host.Begin(PvTestHost.Ringing, RouteType.OnReply);
        Assert.Equal(expected, _host.Read(pv));
    }

    [Theory]
    [InlineData("$ru")]
    [InlineData("$rU")]
    [InlineData("$rd")]
    [InlineData("$rp")]
    [InlineData("$ou")]
    [InlineData("$rb")]
    public void Read_ReplyWithoutRequestParts_ReturnsNull(string pv)
    {
        _host.Begin(PvTestHost.Ringing, RouteType.OnReply);
        Assert.True(_host.Get(pv).IsNull);
    }

    [Fact]
    public void StatusCode_Reply_IsInteger()
    {
        _host.Begin(PvTestHost.Ringing, RouteType.OnReply);
        Assert.Equal(180, _host.Get("$rs").Int);
    }

    [Fact]
    public void Method_RequestWithExtensionMethod_ReturnsItsName()
    {
        _host.Begin(PvTestHost.Invite.Replace("INVITE sip:", "FOO sip:", StringComparison.Ordinal).Replace("314159 INVITE", "314159 FOO", StringComparison.Ordinal));
        Assert.Equal("FOO", _host.Read("$rm"));
    }

    [Fact]
    public void RequestPort_NoPortInUri_IsDefault5060()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com:5070;transport=tcp", "sip:alice@example.com", StringComparison.Ordinal));
        Assert.Equal(5060, _host.Get("$rp").Int);
        Assert.Equal("UDP", _host.Read("$rP"));
    }

    [Fact]
    public void RequestPort_SipsWithoutPort_Is5061()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com:5070;transport=tcp", "sips:alice@example.com", StringComparison.Ordinal));
        Assert.Equal(5061, _host.Get("$rp").Int);
    }

    [Fact]
    public void RequestUser_TelUri_ReturnsNumber()
    {
        _host.Begin(PvTestHost.Invite.Replace("sip:alice@example.com:5070;transport=tcp", "tel:+15551234;phone-context=example.com", StringComparison.Ordinal));
        Assert.Equal("+15551234", _host.Read("$rU"));
        Assert.True(_host.Get("$rd").IsNull);
    }

    [Fact]
    public void RemotePartyId_Present_ReturnsUri()
    {
        _host.Begin(PvTestHost.Invite.Replace("User-Agent:", "Remote-Party-ID: <sip:rpid@example.com>;party=calling\r\nUser-Agent:", StringComparison.Ordinal));
        Assert.Equal("sip:rpid@example.com", _host.Read("$re"));
    }

    [Fact]
    public void Header_AllOccurrences_GetAllListsEachValue()
    {
        _host.Begin();
        var list = new List<ScriptValue>();
        _host.Bind("$(hdr(X-Custom)[*])").GetAll!(_host.Context, list);
        Assert.Equal(["one", "two", "three"], list.Select(v => v.ToString()));
    }

    [Fact]
    public void Header_Read_IsByteViewOfMessage()
    {
        var message = _host.Begin();
        var value = _host.Get("$hdr(X-Custom)");
        Assert.Equal(ScriptValueKind.Bytes, value.Kind);
        Assert.True(value.Utf8Bytes.Overlaps(message.Buffer));
    }

    [Fact]
    public void MessageLength_Invite_IsWholeMessage()
    {
        var message = _host.Begin();
        Assert.Equal(message.Length, _host.Get("$ml").Int);
        Assert.Equal(PvTestHost.Invite, _host.Read("$mb"));
    }

    [Fact]
    public void MessageId_EachMessage_Increases()
    {
        _host.Begin();
        var first = _host.Get("$mi").Int;
        _host.Begin();
        Assert.Equal(first + 1, _host.Get("$mi").Int);
    }

    [Fact]
    public void SourceAddress_IPv6Source_HasNoBrackets()
    {
        _host.Begin(source: "[2001:db8::1]:5080");
        Assert.Equal("2001:db8::1", _host.Read("$si"));
        Assert.Equal(5080, _host.Get("$sp").Int);
    }

    [Fact]
    public void SourceAddress_SameSourceTwice_ReusesString()
    {
        _host.Begin();
        var first = _host.Get("$si").StringOrNull;
        _host.Begin();
        Assert.Same(first, _host.Get("$si").StringOrNull);
        _host.Begin(source: "10.0.0.9:5062");
        Assert.Equal("10.0.0.9", _host.Read("$si"));
    }

    [Fact]
    public void Read_WithoutMessage_ReturnsNull()
    {
        _host.Context.BeginWithoutMessage(RouteType.Startup);
        Assert.True(_host.Get("$ru").IsNull);
        Assert.True(_host.Get("$hdr(From)").IsNull);
        Assert.True(_host.Get("$ci").IsNull);
        Assert.True(_host.Get("$si").IsNull);
    }

    [Fact]
    public void Read_HotPathVariables_AllocateNothing()
    {
        _host.Begin();
        _host.Get("$si"); // formats once per source
        var accessors = new[] { "$ru", "$rU", "$rd", "$rp", "$fU", "$fd", "$tu", "$ci", "$cs", "$rm", "$hdr(X-Custom)", "$(hdr(X-Custom)[-1])", "$hdr(From)", "$si", "$sp", "$pr", "$ct" }
            .Select(_host.Bind)
            .ToArray();
        var context = _host.Context;
        foreach (var a in accessors)
        {
            a.Get(context);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            foreach (var a in accessors)
            {
                a.Get(context);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("$ru(x)", "takes no argument")]
    [InlineData("$(ru[1])", "takes no index")]
    [InlineData("$hdr", "needs a header name")]
    [InlineData("$hdr(Bad Name)", "is not a header name")]
    [InlineData("$hdr($var(x))", "must be written out")]
    [InlineData("$(hdr(From)[x])", "bad index")]
    [InlineData("$(hdrcnt(From)[1])", "takes no index")]
    [InlineData("$ct(x)", "takes no argument")]
    [InlineData("$ct.fields(nope)", "unknown contact field")]
    [InlineData("$ct.fields", "needs a field")]
    public void Bind_BadArgumentForm_ReportsError(string pv, string message)
    {
        Assert.Null(_host.TryBind(pv));
        Assert.Contains(_host.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Register_CoreNames_AreAllPresent()
    {
        string[] names =
        [
            "var", "avp", "ru", "rU", "rd", "rp", "rP", "du", "fu", "fU", "fd", "fn", "ft", "tu", "tU", "td", "tn", "tt",
            "ci", "cs", "cl", "rm", "rs", "rr", "rv", "si", "sp", "Ri", "Rp", "pr", "proto", "hdr", "hdrcnt", "rb", "ua",
            "ml", "mb", "ct", "cT", "Ts", "Tf", "TS", "pp", "retcode", "rc", "ai", "re", "branch", "ou", "oU", "od", "op",
            "fs", "mi", "bf", "mf",
        ];
        Assert.All(names, n => Assert.True(_host.Registry.TryGetPseudoVariable(n, out _), n));
    }
}
