using System.Text.Json.Nodes;
using Parley.Management.Mi;

namespace Parley.Management.Tests.Mi;

public sealed class JsonRpcDispatcherTests
{
    private static MiCommandRegistry PairRegistry(out List<string> seen)
    {
        var log = new List<string>();
        seen = log;
        var registry = new MiCommandRegistry();
        registry.Register(new MiCommand("pair", null,
            [new MiRecipe(MiParam.Str("a")), new MiRecipe(MiParam.Str("a"), MiParam.Int("b"))],
            r =>
            {
                log.Add(r.Has("b") ? $"{r.GetString("a")}/{r.GetInt("b")}" : r.GetString("a"));
                return MiResult.Ok();
            }));
        registry.Register(new MiCommand("twin", null,
            [new MiRecipe(MiParam.Str("x")), new MiRecipe(MiParam.Str("y"))], _ => MiResult.Ok()));
        registry.Register(new MiCommand("boom", null, [new MiRecipe()],
            (Func<MiRequest, MiResult>)(_ => throw new InvalidOperationException("secret stack detail"))));
        registry.Register(new MiCommand("badparam", null, [new MiRecipe(MiParam.Any("v"))],
            r => MiResult.Success(r.GetInt("v"))));
        registry.Register(new MiCommand("echo", null, [new MiRecipe()], _ => MiResult.Success(new JsonObject { ["k"] = "é+<" })));
        return registry;
    }

    [Fact]
    public void HandleAsync_PositionalParams_MappedByPosition()
    {
        var registry = PairRegistry(out var seen);

        var (status, body) = MiTestSupport.Run(registry, """{"jsonrpc":"2.0","method":"pair","params":["x",7],"id":1}""");

        Assert.Equal(200, status);
        Assert.Equal("""{"jsonrpc":"2.0","result":"OK","id":1}""", body);
        Assert.Equal(["x/7"], seen);
    }

    [Fact]
    public void HandleAsync_NamedParamsInAnyOrder_SelectMatchingRecipe()
    {
        var registry = PairRegistry(out var seen);

        MiTestSupport.Run(registry, """{"jsonrpc":"2.0","method":"pair","params":{"b":"5","a":"q"},"id":1}""");
        MiTestSupport.Run(registry, """{"jsonrpc":"2.0","method":"pair","params":{"a":"z"},"id":2}""");

        Assert.Equal(["q/5", "z"], seen);
    }

    [Fact]
    public void HandleAsync_PositionalMatchingTwoRecipes_Ambiguous()
    {
        var (_, body) = MiTestSupport.Run(PairRegistry(out _), """{"jsonrpc":"2.0","method":"twin","params":["v"],"id":1}""");

        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Ambiguous call, use named parameters instead"},"id":1}""", body);
    }

    [Theory]
    [InlineData("""["a","b","c"]""", "Too few or too many parameters")]
    [InlineData("""{"a":"1","b":2,"c":3}""", "Too few or too many parameters")]
    [InlineData("""{"a":"1","c":2}""", "Named parameters do not match")]
    [InlineData("""{"a":"1","b":"notanint"}""", "Bad type for parameter 'b'")]
    [InlineData("""{}""", "Too few or too many parameters")]
    public void HandleAsync_ParamsNotMatchingRecipes_InvalidParamsWithOpenSipsDetail(string parameters, string data)
    {
        var (_, body) = MiTestSupport.Run(PairRegistry(out _), "{\"jsonrpc\":\"2.0\",\"method\":\"pair\",\"params\":" + parameters + ",\"id\":1}");

        Assert.Equal("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"Invalid params\",\"data\":\"" + data + "\"},\"id\":1}", body);
    }

    [Fact]
    public void HandleAsync_EmptyParamsObject_TreatedAsNoParams()
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), """{"jsonrpc":"2.0","method":"dlg_list","params":{},"id":3}""");

        Assert.Equal("""{"jsonrpc":"2.0","result":{"Dialogs":[]},"id":3}""", body);
    }

    [Fact]
    public void HandleAsync_HandlerThrows_InternalErrorWithoutDetails()
    {
        var (status, body) = MiTestSupport.Run(PairRegistry(out _), """{"jsonrpc":"2.0","method":"boom","id":1}""");

        Assert.Equal(200, status);
        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":1}""", body);
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
    }

    [Fact]
    public void HandleAsync_HandlerReadsParamWithWrongType_InvalidParams()
    {
        var (_, body) = MiTestSupport.Run(PairRegistry(out _), """{"jsonrpc":"2.0","method":"badparam","params":{"v":[1]},"id":1}""");

        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'v'"},"id":1}""", body);
    }

    [Theory]
    [InlineData("\"abc\"", "\"abc\"")]
    [InlineData("null", "null")]
    [InlineData("42", "42")]
    [InlineData("4.7", "4")]
    public void HandleAsync_Id_EchoedAsOpenSipsDoes(string id, string expected)
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), "{\"jsonrpc\":\"2.0\",\"method\":\"version\",\"id\":" + id + "}");

        Assert.Equal("{\"jsonrpc\":\"2.0\",\"result\":{\"Server\":\"Parley test\"},\"id\":" + expected + "}", body);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"1.0","method":"version","id":1}""", "1")]
    [InlineData("""{"jsonrpc":"2.0","method":5,"id":1}""", "1")]
    [InlineData("""{"jsonrpc":"2.0","method":"version","params":"x","id":1}""", "1")]
    [InlineData("""{"jsonrpc":"2.0","method":"version","id":[1]}""", "null")]
    [InlineData("""[1]""", "null")]
    public void HandleAsync_MalformedRequest_InvalidRequest(string request, string id)
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), request);

        var expected = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid Request\"},\"id\":" + id + "}";
        Assert.Equal(request.StartsWith('[') ? "[" + expected + "]" : expected, body);
    }

    [Fact]
    public void HandleAsync_InvalidNotification_StillAnsweredWithNullId()
    {
        var (status, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), """{"jsonrpc":"2.0"}""");

        Assert.Equal(200, status);
        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}""", body);
    }

    [Fact]
    public void HandleAsync_NotificationForUnknownMethod_NoBody()
    {
        var (status, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), """{"jsonrpc":"2.0","method":"nope"}""");

        Assert.Equal(202, status);
        Assert.Null(body);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"jsonrpc\":")]
    [InlineData("{'a':1}")]
    public void HandleAsync_NotJson_ParseError(string request)
    {
        var (status, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), request);

        Assert.Equal(200, status);
        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}""", body);
    }

    [Fact]
    public void HandleAsync_TrailingBytesAfterRequest_Ignored()
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), """{"jsonrpc":"2.0","method":"version","id":1} trailing""");

        Assert.Equal("""{"jsonrpc":"2.0","result":{"Server":"Parley test"},"id":1}""", body);
    }

    [Fact]
    public void HandleAsync_EnvelopeMemberNamesCaseInsensitive_Accepted()
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), """{"JSONRPC":"2.0","Method":"version","ID":9}""");

        Assert.Equal("""{"jsonrpc":"2.0","result":{"Server":"Parley test"},"id":9}""", body);
    }

    [Fact]
    public void HandleAsync_NonAsciiResult_WrittenUnescaped()
    {
        var (_, body) = MiTestSupport.Run(PairRegistry(out _), """{"jsonrpc":"2.0","method":"echo","id":1}""");

        Assert.Equal("{\"jsonrpc\":\"2.0\",\"result\":{\"k\":\"é+<\"},\"id\":1}", body);
    }

    [Fact]
    public void HandleAsync_BatchMixingGoodBadAndNotifications_AnswersNonNotificationsInOrder()
    {
        const string request = """
            [
              {"jsonrpc":"2.0","method":"version","id":1},
              {"jsonrpc":"2.0","method":"nope","id":2},
              {"jsonrpc":"2.0","method":"version"},
              {"jsonrpc":"2.0","method":"dlg_list","params":["x"],"id":"s"},
              {"jsonrpc":"2.0","id":5},
              7
            ]
            """;

        var (status, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), request);

        Assert.Equal(200, status);
        Assert.Equal(
            "[" +
            """{"jsonrpc":"2.0","result":{"Server":"Parley test"},"id":1},""" +
            """{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2},""" +
            """{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Command only supports named parameters"},"id":"s"},""" +
            """{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":5},""" +
            """{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}""" +
            "]",
            body);
    }

    [Fact]
    public void HandleAsync_BatchOfNotificationsOnly_202NoBody()
    {
        var (status, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(),
            """[{"jsonrpc":"2.0","method":"version"},{"jsonrpc":"2.0","method":"nope"}]""");

        Assert.Equal(202, status);
        Assert.Null(body);
    }

    [Fact]
    public void HandleAsync_EmptyBatch_InvalidRequest()
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), "[]");

        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}""", body);
    }

    [Fact]
    public void HandleAsync_CommandErrorWithKnownCallid_ResultReturned()
    {
        var (_, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(),
            """{"jsonrpc":"2.0","method":"dlg_list","params":{"callid":"known"},"id":1}""");

        Assert.Equal("""{"jsonrpc":"2.0","result":{"Dialog":{"callid":"known"}},"id":1}""", body);
    }
}
