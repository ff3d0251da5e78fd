using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests.Runtime;

public sealed class ScriptVariableTests
{
    private readonly PvTestHost _host = new();

    private List<string?> All(string pv)
    {
        var list = new List<ScriptValue>();
        _host.Bind(pv).GetAll!(_host.Context, list);
        return [.. list.Select(PvTestHost.Text)];
    }

    [Fact]
    public void Var_Assign_ReadsBack()
    {
        _host.Begin();
        _host.Set("$var(x)", ScriptValue.FromInt(19));
        Assert.Equal(19, _host.Get("$var(x)").Int);
        _host.Set("$var(x)", ScriptValue.FromString("wdd"));
        Assert.Equal("wdd", _host.Read("$var(x)"));
    }

    [Fact]
    public void Var_NextMessage_KeepsValue()
    {
        _host.Begin();
        _host.Set("$var(x)", ScriptValue.FromString("kept"));
        _host.Begin(PvTestHost.Ringing, RouteType.OnReply);
        Assert.Equal("kept", _host.Read("$var(x)"));
    }

    [Fact]
    public void Var_AssignByteView_OutlivesMessage()
    {
        _host.Begin();
        _host.Set("$var(callid)", _host.Get("$ci"));
        _host.Begin(PvTestHost.Invite.Replace("a84b4c76e66710@pc33", "zzzzzzzzzzzzzz@pc33", StringComparison.Ordinal));
        Assert.Equal("a84b4c76e66710@pc33.example.com", _host.Read("$var(callid)"));
    }

    [Fact]
    public void Var_AssignNull_ReadsNull()
    {
        _host.Begin();
        _host.Set("$var(x)", ScriptValue.FromInt(1));
        _host.Set("$var(x)", ScriptValue.Null);
        Assert.True(_host.Get("$var(x)").IsNull);
    }

    [Fact]
    public void Var_TwoNames_AreIndependent()
    {
        _host.Begin();
        _host.Set("$var(a)", ScriptValue.FromInt(1));
        _host.Set("$var(b)", ScriptValue.FromInt(2));
        Assert.Equal(1, _host.Get("$var(a)").Int);
        Assert.Equal(2, _host.Get("$var(b)").Int);
    }

    [Theory]
    [InlineData("$var", "needs a name")]
    [InlineData("$var()", "needs a name")]
    [InlineData("$(var(x)[0])", "takes no index")]
    [InlineData("$avp", "needs a name")]
    [InlineData("$(avp(x)[a])", "bad index")]
    public void Bind_BadScriptVariable_ReportsError(string pv, string message)
    {
        Assert.Null(_host.TryBind(pv));
        Assert.Contains(_host.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Avp_AssignTwice_PushesNewestFirst()
    {
        _host.Begin();
        _host.Add("$avp(trunk)", ScriptValue.FromString("hello"));
        _host.Add("$avp(trunk)", ScriptValue.FromString("duan"));
        _host.Add("$avp(trunk)", ScriptValue.FromString("hi"));

        Assert.Equal("hi", _host.Read("$avp(trunk)"));
        Assert.Equal("hi", _host.Read("$(avp(trunk)[0])"));
        Assert.Equal("duan", _host.Read("$(avp(trunk)[1])"));
        Assert.Equal("hello", _host.Read("$(avp(trunk)[2])"));
        Assert.Equal("hello", _host.Read("$(avp(trunk)[-1])"));
        Assert.True(_host.Get("$(avp(trunk)[3])").IsNull);
        Assert.Equal("hi, duan, hello", _host.Read("$(avp(trunk)[*])"));
        Assert.Equal(["hi", "duan", "hello"], All("$avp(trunk)"));
    }

    [Fact]
    public void Avp_AssignNull_DeletesNewestOnly()
    {
        _host.Begin();
        _host.Add("$avp(x)", ScriptValue.FromInt(1));
        _host.Add("$avp(x)", ScriptValue.FromInt(2));
        _host.Add("$avp(x)", ScriptValue.Null);
        Assert.Equal([ "1" ], All("$avp(x)"));
    }

    [Fact]
    public void Avp_ColonAssign_ReplacesAll()
    {
        _host.Begin();
        _host.Add("$avp(x)", ScriptValue.FromInt(1));
        _host.Add("$avp(x)", ScriptValue.FromInt(2));
        _host.Set("$avp(x)", ScriptValue.FromInt(3));
        Assert.Equal(["3"], All("$avp(x)"));
    }

    [Fact]
    public void Avp_AllAssignNull_DeletesAll()
    {
        _host.Begin();
        _host.Add("$avp(x)", ScriptValue.FromInt(1));
        _host.Add("$avp(x)", ScriptValue.FromInt(2));
        _host.Set("$(avp(x)[*])", ScriptValue.Null);
        Assert.Empty(All("$avp(x)"));
        Assert.True(_host.Get("$avp(x)").IsNull);
    }

    [Fact]
    public void Avp_IndexedAssign_OverwritesThatValue()
    {
        _host.Begin();
        _host.Add("$avp(x)", ScriptValue.FromString("a"));
        _host.Add("$avp(x)", ScriptValue.FromString("b"));
        _host.Add("$avp(x)", ScriptValue.FromString("c"));
        _host.Add("$(avp(x)[1])", ScriptValue.FromString("B"));
        Assert.Equal(["c", "B", "a"], All("$avp(x)"));
        _host.Set("$(avp(x)[-1])", ScriptValue.Null);
        Assert.Equal(["c", "B"], All("$avp(x)"));
    }

    [Fact]
    public void Avp_NextMessage_IsEmpty()
    {
        _host.Begin();
        _host.Add("$avp(x)", ScriptValue.FromInt(1));
        _host.Begin();
        Assert.True(_host.Get("$avp(x)").IsNull);
    }

    [Fact]
    public void Avp_AssignByteView_OutlivesMessageBuffer()
    {
        var message = _host.Begin();
        _host.Add("$avp(ci)", _host.Get("$ci"));
        message.Buffer.AsSpan().Fill((byte)'#');
        Assert.Equal("a84b4c76e66710@pc33.example.com", _host.Read("$avp(ci)"));
    }

    [Fact]
    public void Avp_UnindexedHasAdd_IndexedHasNot()
    {
        Assert.NotNull(_host.Bind("$avp(x)").Add);
        Assert.Null(_host.Bind("$(avp(x)[0])").Add);
        Assert.Null(_host.Bind("$(avp(x)[*])").Add);
    }

    [Fact]
    public void ReturnCode_AfterCall_ReadsContextValue()
    {
        _host.Begin();
        _host.Context.ReturnCode = -2;
        Assert.Equal(-2, _host.Get("$rc").Int);
        Assert.Equal(-2, _host.Get("$retcode").Int);
    }

    [Fact]
    public void MessageFlags_SetBits_ListsFlagNames()
    {
        _host.Begin();
        var nat = _host.Registry.FlagBit("NAT", branchFlag: false);
        _host.Context.Flags = (1UL << 3) | (1UL << nat);
        Assert.Equal("3 NAT", _host.Read("$mf"));
        _host.Context.Flags = 0;
        Assert.True(_host.Get("$mf").IsNull);
    }

    [Fact]
    public void BranchFlags_SetBits_ListsFlagNames()
    {
        _host.Begin();
        var bit = _host.Registry.FlagBit("B_RTP", branchFlag: true);
        _host.Context.BranchFlags = 1UL << bit;
        Assert.Equal("B_RTP", _host.Read("$bf"));
    }

    [Fact]
    public void Time_CachedPerMessage_UntilNextMessage()
    {
        var clock = new FixedTime(new DateTimeOffset(2024, 3, 5, 7, 8, 9, TimeSpan.Zero));
        var host = new PvTestHost(clock);
        host.Begin();
        Assert.Equal(clock.Now.ToUnixTimeSeconds(), host.Get("$Ts").Int);
        Assert.Equal("Tue Mar  5 07:08:09 2024", host.Read("$Tf"));

        clock.Now = clock.Now.AddSeconds(30);
        Assert.Equal(clock.Now.AddSeconds(-30).ToUnixTimeSeconds(), host.Get("$Ts").Int);
        Assert.Equal("Tue Mar  5 07:08:39 2024", host.Read("$TF"));

        host.Begin();
        Assert.Equal(clock.Now.ToUnixTimeSeconds(), host.Get("$Ts").Int);
    }

    [Fact]
    public void StartupTime_Read_IsNotInTheFuture()
    {
        _host.Begin();
        Assert.InRange(_host.Get("$TS").Int, 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(Environment.ProcessId, _host.Get("$pp").Int);
    }

    [Fact]
    public void Branch_Assign_AppendsBranches()
    {
        _host.Begin();
        _host.Set("$branch", ScriptValue.FromString("sip:a@example.com"));
        _host.Set("$branch", ScriptValue.FromString("sip:b@example.com"));

        Assert.Equal(2, _host.Context.Branches.Count);
        Assert.Equal("sip:a@example.com", _host.Read("$branch"));
        Assert.Equal("sip:b@example.com", _host.Read("$(branch[1])"));
        Assert.Equal("sip:b@example.com", _host.Read("$(branch(uri)[-1])"));
        Assert.Equal("sip:a@example.com, sip:b@example.com", _host.Read("$(branch[*])"));
    }

    [Fact]
    public void BranchFields_Assign_ChangesThatBranch()
    {
        _host.Begin();
        _host.Set("$branch", ScriptValue.FromString("sip:a@example.com"));
        _host.Set("$branch", ScriptValue.FromString("sip:b@example.com"));
        _host.Set("$(branch(duri)[1])", ScriptValue.FromString("sip:proxy.example.com"));
        _host.Set("$(branch.fields(q)[1])", ScriptValue.FromString("0.5"));
        _host.Set("$(branch(path)[1])", ScriptValue.FromString("<sip:edge.example.com;lr>"));
        _host.Set("$(branch(flags)[1])", ScriptValue.FromInt(6));
        _host.Set("$(branch(socket)[1])", ScriptValue.FromString("tcp:127.0.0.1:5060"));
        _host.Set("$(branch(uri)[1])", ScriptValue.FromString("sip:c@example.com"));

        var branch = _host.Context.Branches[1];
        Assert.Equal("sip:c@example.com", branch.Uri);
        Assert.Equal("sip:proxy.example.com", branch.DestinationUri);
        Assert.Equal(500, branch.Q);
        Assert.Equal("<sip:edge.example.com;lr>", branch.Path);
        Assert.Equal(6UL, branch.Flags);
        Assert.Same(_host.TcpListener, branch.Socket);
        Assert.Equal("0.5", _host.Read("$(branch(q)[1])"));
        Assert.Equal("sip:proxy.example.com", _host.Read("$(branch.fields(duri)[-1])"));
        Assert.Equal("tcp:127.0.0.1:5060", _host.Read("$(branch(socket)[1])"));
        Assert.True(_host.Get("$branch(q)").IsNull);
    }

    [Fact]
    public void Branch_AssignNullToUri_RemovesBranch()
    {
        _host.Begin();
        _host.Set("$branch", ScriptValue.FromString("sip:a@example.com"));
        _host.Set("$branch", ScriptValue.FromString("sip:b@example.com"));
        _host.Set("$(branch(uri)[0])", ScriptValue.Null);
        Assert.Equal("sip:b@example.com", Assert.Single(_host.Context.Branches).Uri);

        _host.Set("$(branch[*])", ScriptValue.Null);
        Assert.Empty(_host.Context.Branches);
        Assert.True(_host.Get("$branch").IsNull);
    }

    [Theory]
    [InlineData("$branch(nope)", "unknown branch field")]
    [InlineData("$branch.fields", "needs a field")]
    [InlineData("$(branch[x])", "bad index")]
    public void Bind_BadBranchForm_ReportsError(string pv, string message)
    {
        Assert.Null(_host.TryBind(pv));
        Assert.Contains(_host.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }
}
