using System.Text.Json;

namespace Parley.Cli.Tests;

public class OutputFormatterTests
{
    private static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Pretty_Object_IndentsFourSpacesLikePythonJsonDumps()
    {
        string text = OutputFormatter.Pretty(Json("""{"Profile":{"name":"caller","value":null,"count":3},"list":[1,"a"],"empty":{},"none":[]}"""));
        Assert.Equal(
            "{\n" +
            "    \"Profile\": {\n" +
            "        \"name\": \"caller\",\n" +
            "        \"value\": null,\n" +
            "        \"count\": 3\n" +
            "    },\n" +
            "    \"list\": [\n" +
            "        1,\n" +
            "        \"a\"\n" +
            "    ],\n" +
            "    \"empty\": {},\n" +
            "    \"none\": []\n" +
            "}", text);
    }

    [Fact]
    public void Pretty_StringResult_IsQuoted()
    {
        Assert.Equal("\"OK\"", OutputFormatter.Pretty(Json("\"OK\"")));
    }

    [Fact]
    public void Pretty_Numbers_KeptAsWritten()
    {
        Assert.Equal("[\n    1.50,\n    -3\n]", OutputFormatter.Pretty(Json("[1.50,-3]")));
    }

    [Fact]
    public void StatisticsLines_FlatObject_NameEqualsValueInOrder()
    {
        var lines = OutputFormatter.StatisticsLines(Json("""{"dialog:active_dialogs":3,"core:rcv_requests":6,"shmem:x":"incremental"}"""));
        Assert.Equal(["dialog:active_dialogs = 3", "core:rcv_requests = 6", "shmem:x = incremental"], lines);
    }

    [Fact]
    public void StatisticsLines_NotAnObject_PrettyPrinted()
    {
        Assert.Equal(["\"OK\""], OutputFormatter.StatisticsLines(Json("\"OK\"")));
    }

    [Fact]
    public void MiErrorLine_WithData_OpensipsCliFormat()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Named parameters do not match"},"id":1}""");
        Assert.Equal("ERROR: command 'dlg_list' returned: -32602: Invalid params (Named parameters do not match)",
            OutputFormatter.MiErrorLine("dlg_list", reply));
    }

    [Fact]
    public void MiErrorLine_WithoutData_OpensipsCliFormat()
    {
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}""");
        Assert.Equal("ERROR: command 'no_such_command' returned: -32601: Method not found",
            OutputFormatter.MiErrorLine("no_such_command", reply));
    }

    [Fact]
    public async Task ReportAsync_Error_WritesLineReturnsMiError()
    {
        var error = new StringWriter { NewLine = "\n" };
        var reply = MiReply.Parse("""{"jsonrpc":"2.0","error":{"code":404,"message":"Statistics Not Found"},"id":1}""");
        int code = await OutputFormatter.ReportAsync(error, "get_statistics", reply, new Uri("http://127.0.0.1:8888/mi"));
        Assert.Equal(ExitCodes.MiError, code);
        Assert.Equal("ERROR: command 'get_statistics' returned: 404: Statistics Not Found\n", error.ToString());
    }

    [Fact]
    public async Task ReportAsync_Failure_WritesBothLinesReturnsCommunicationError()
    {
        var error = new StringWriter { NewLine = "\n" };
        int code = await OutputFormatter.ReportAsync(error, "version", MiReply.Failure("HTTP Error 405: Method Not Allowed"),
            new Uri("http://127.0.0.1:8888/mi"));
        Assert.Equal(ExitCodes.CommunicationError, code);
        Assert.Equal(
            "ERROR: communication exception for 'version' returned: HTTP Error 405: Method Not Allowed\n" +
            "ERROR: Is Parley running? (MI URL http://127.0.0.1:8888/mi)\n", error.ToString());
    }

    [Fact]
    public async Task ReportAsync_Result_WritesNothingReturnsSuccess()
    {
        var error = new StringWriter();
        int code = await OutputFormatter.ReportAsync(error, "version", MiReply.Parse("""{"result":"OK"}"""), new Uri("http://x/"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(string.Empty, error.ToString());
    }
}
