namespace Parley.Cli.Tests;

public class MiParamsTests
{
    private static string Params(string command, params string[] args) => MiParams.Build(command, args).ToJsonString();

    [Fact]
    public void Build_NoArgs_SendsEmptyObject()
    {
        // opensips-cli: no argument is "all named" (an empty set), so params is {}.
        Assert.Equal("{}", Params("version"));
    }

    [Fact]
    public void Build_NamedArgs_MakesObjectOfStringsInOrder()
    {
        Assert.Equal("""{"profile":"caller","value":"alice"}""", Params("profile_get_size", "profile=caller", "value=alice"));
    }

    [Fact]
    public void Build_PositionalArgs_MakesArrayOfStrings()
    {
        Assert.Equal("""["caller","alice"]""", Params("profile_get_size", "caller", "alice"));
    }

    [Fact]
    public void Build_NumberValues_StayStrings()
    {
        Assert.Equal("""{"index":"0","counter":"2"}""", Params("dlg_list", "index=0", "counter=2"));
        Assert.Equal("""["-1"]""", Params("log_level", "-1"));
    }

    [Fact]
    public void Build_MixedNamedAndPositional_ThrowsUsage()
    {
        var ex = Assert.Throws<CliUsageException>(() => MiParams.Build("profile_get_size", ["profile=caller", "alice"]));
        Assert.Contains("cannot mix named and positional", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'profile=caller'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'alice'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ValueContainingEquals_SplitsOnFirstEquals()
    {
        Assert.Equal("""{"callid":"a=b=c","from_tag":""}""", Params("dlg_list", "callid=a=b=c", "from_tag="));
    }

    [Theory]
    [InlineData("sip:alice@example.com;transport=udp")]
    [InlineData("key1=x")]
    [InlineData("=x")]
    [InlineData("a b=c")]
    public void Build_ArgNotMatchingNamePattern_IsPositional(string arg)
    {
        // Names are opensips-cli's [a-zA-Z.-_]+ followed by '='; anything else is a value.
        Assert.Equal(0, MiParams.NameLength(arg));
        Assert.Single(MiParams.Build("x", [arg]).AsArray());
    }

    [Fact]
    public void Build_NameWithDotsDashesUnderscores_IsNamed()
    {
        Assert.Equal("""{"a.b-c_d":"v"}""", Params("x", "a.b-c_d=v"));
    }

    [Fact]
    public void Build_RepeatedName_KeepsPositionTakesLastValue()
    {
        Assert.Equal("""{"a":"3","b":"2"}""", Params("x", "a=1", "b=2", "a=3"));
    }

    [Fact]
    public void Build_GetStatisticsPositional_GathersAllIntoOneArray()
    {
        Assert.Equal("""[["dialog:","tm:","core:"]]""", Params("get_statistics", "dialog:", "tm:", "core:"));
        Assert.Equal("""[["all"]]""", Params("get_statistics", "all"));
    }

    [Theory]
    [InlineData("list_statistics")]
    [InlineData("reset_statistics")]
    [InlineData("trace_start")]
    public void Build_OtherIndexZeroArrayCommands_GatherAllIntoOneArray(string command)
    {
        Assert.Equal("""[["a","b"]]""", Params(command, "a", "b"));
    }

    [Fact]
    public void Build_GetStatisticsNamed_SplitsValueShellStyle()
    {
        Assert.Equal("""{"statistics":["dialog:","tm:"]}""", Params("get_statistics", "statistics=dialog: tm:"));
        Assert.Equal("""{"statistics":["a b","c"]}""", Params("get_statistics", "statistics='a b' c"));
    }

    [Fact]
    public void Build_GetStatisticsNamedEmptyValue_SendsEmptyArray()
    {
        Assert.Equal("""{"statistics":[]}""", Params("get_statistics", "statistics="));
    }

    [Fact]
    public void Build_GetStatisticsNoArgs_SendsEmptyObject()
    {
        Assert.Equal("{}", Params("get_statistics"));
    }

    [Fact]
    public void Build_DlgPushVarPositional_KeepsLeadingValuesThenArray()
    {
        Assert.Equal("""["name","value",["d1","d2"]]""", Params("dlg_push_var", "name", "value", "d1", "d2"));
    }

    [Fact]
    public void Build_ArrayCommandTooFewPositional_SendsNoArray()
    {
        Assert.Equal("""["name","value"]""", Params("dlg_push_var", "name", "value"));
        Assert.Equal("""["name"]""", Params("dlg_push_var", "name"));
    }

    [Fact]
    public void Build_ArrayCommandOtherNamedParam_StaysString()
    {
        Assert.Equal("""{"dlg_val_name":"x y","DID":["1","2"]}""", Params("dlg_push_var", "dlg_val_name=x y", "DID=1 2"));
    }

    [Fact]
    public void Build_RaiseEventPositional_ArrayFromSecond()
    {
        Assert.Equal("""["E_MY",["a","b"]]""", Params("raise_event", "E_MY", "a", "b"));
    }

    [Fact]
    public void Build_UnclosedQuoteInArrayValue_ThrowsUsage()
    {
        Assert.Throws<CliUsageException>(() => MiParams.Build("get_statistics", ["statistics='dialog:"]));
    }

    [Fact]
    public void RequestBody_NonAsciiValue_SentUnescaped()
    {
        Assert.Equal("""{"jsonrpc":"2.0","method":"x","params":["José"],"id":7}""",
            MiClient.RequestBody("x", MiParams.Build("x", ["José"]), 7));
    }
}
