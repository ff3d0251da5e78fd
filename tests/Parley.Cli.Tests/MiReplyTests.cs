namespace Parley.Cli.Tests;

public class MiReplyTests
{
    [Fact]
    public void Parse_Result_IsResult()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","result":{"Server":"Parley"},"id":1}""");
        Assert.Equal(MiReplyKind.Result, reply.Kind);
        Assert.Equal("Parley", reply.Result.GetProperty("Server").GetString());
    }

    [Fact]
    public void Parse_NullResult_IsResult()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","result":null,"id":1}""");
        Assert.Equal(MiReplyKind.Result, reply.Kind);
    }

    [Fact]
    public void Parse_ErrorWithData_KeepsCodeMessageData()
    {
        // golden/opensips-mi/error_bad_param_name.json
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Named parameters do not match"},"id":1}""");
        Assert.Equal(MiReplyKind.Error, reply.Kind);
        Assert.Equal("-32602", reply.ErrorCode);
        Assert.Equal("Invalid params", reply.ErrorMessage);
        Assert.Equal("Named parameters do not match", reply.ErrorData);
    }

    [Fact]
    public void Parse_ErrorWithoutCode_Defaults500()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":{"message":"boom"},"id":1}""");
        Assert.Equal("500", reply.ErrorCode);
        Assert.Null(reply.ErrorData);
    }

    [Fact]
    public void Parse_ErrorWithEmptyData_DropsData()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":{"code":404,"message":"Not found","data":""},"id":1}""");
        Assert.Null(reply.ErrorData);
    }

    [Fact]
    public void Parse_NeitherResultNorError_InternalError()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","id":1}""");
        Assert.Equal(MiReplyKind.Error, reply.Kind);
        Assert.Equal("-32603", reply.ErrorCode);
        Assert.Equal("Internal error", reply.ErrorMessage);
    }

    [Fact]
    public void Parse_ErrorNotObject_FallsBackToResultCheck()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":"x","result":"OK","id":1}""");
        Assert.Equal(MiReplyKind.Result, reply.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>nope</html>")]
    [InlineData("{\"jsonrpc\":")]
    public void Parse_NotJson_IsFailure(string body)
    {
        var reply = MiReply.Parse(body);
        Assert.Equal(MiReplyKind.Failure, reply.Kind);
        Assert.StartsWith("could not decode json: '", reply.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_JsonNotObject_IsFailure()
    {
        Assert.Equal(MiReplyKind.Failure, MiReply.Parse("[1,2]").Kind);
    }
}
