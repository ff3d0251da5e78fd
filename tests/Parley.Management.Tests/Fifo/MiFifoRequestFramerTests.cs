using System.Runtime.Versioning;
using System.Text;
using Parley.Management.Fifo;

namespace Parley.Management.Tests.Fifo;

public sealed class MiFifoRequestFramerTests
{
    private const string Json = """{"jsonrpc":"2.0","method":"which","params":{"command":"ps"},"id":"1"}""";

    private static MiFifoRequestFramer Framer(string input, int replyDirLength = 5, int bufferSize = MiFifoRequestFramer.DefaultBufferSize)
    {
        var framer = new MiFifoRequestFramer(replyDirLength, bufferSize);
        Assert.True(framer.Append(Encoding.UTF8.GetBytes(input)));
        return framer;
    }

    private static string Body(MiFifoFrame frame) => Encoding.UTF8.GetString(frame.Body!);

    [Fact]
    public void Next_OpensipsCliRequest_ReplyNameAndJson()
    {
        var framer = Framer(":opensips_fifo_reply_4711:" + Json);

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
        Assert.Equal("opensips_fifo_reply_4711", frame.ReplyName);
        Assert.Equal(Json, Body(frame));
        Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_LeadingWhiteSpaceAndTrailingNewLine_Ignored()
    {
        var framer = Framer(" \r\n\t:r:" + Json + "\n");

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
        Assert.Equal("r", frame.ReplyName);
        Assert.Equal(Json, Body(frame));
        Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_WhiteSpaceBeforeJson_JsonStartsAtValue()
    {
        var frame = Framer(":r: \n" + Json).Next();

        Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
        Assert.Equal(Json, Body(frame).Trim());
    }

    [Fact]
    public void Next_EmptyReplyName_RequestWithoutReply()
    {
        var frame = Framer("::" + Json).Next();

        Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
        Assert.Null(frame.ReplyName);
    }

    [Fact]
    public void Next_TwoRequestsBackToBack_BothInOrder()
    {
        var framer = Framer(":a:" + Json + ":b:[1,2]");

        var first = framer.Next();
        var second = framer.Next();

        Assert.Equal(("a", Json), (first.ReplyName, Body(first)));
        Assert.Equal(("b", "[1,2]"), (second.ReplyName, Body(second)));
        Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);
    }

    [Fact]
    public void Next_EverySplitPoint_NeedMoreThenTheRequest()
    {
        var whole = Encoding.UTF8.GetBytes(":reply:" + Json);
        for (int split = 1; split < whole.Length; split++)
        {
            var framer = new MiFifoRequestFramer(5);
            Assert.True(framer.Append(whole.AsSpan(0, split)));
            Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);

            Assert.True(framer.Append(whole.AsSpan(split)));
            var frame = framer.Next();

            Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
            Assert.Equal("reply", frame.ReplyName);
            Assert.Equal(Json, Body(frame));
        }
    }

    [Fact]
    public void Next_NumberAtEndOfData_WaitsForItsEnd()
    {
        var framer = Framer(":r:42");

        Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);
        Assert.True(framer.Append("\n"u8));
        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
        Assert.Equal("42", Body(frame));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("get_statistics:r:")]
    [InlineData("x:r:{}")]
    public void Next_NotStartingWithColon_DiscardsEverything(string input)
    {
        var framer = Framer(input + ":r:" + Json);

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Discarded, frame.Kind);
        Assert.Equal("command must begin with ':'", frame.Problem);
        Assert.Equal(0, framer.Length);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    public void Next_ForbiddenReplyName_Discarded(string name)
    {
        var framer = Framer(":" + name + ":" + Json);

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Discarded, frame.Kind);
        Assert.Equal("forbidden reply fifo name", frame.Problem);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_ReplyPathOver127Bytes_Discarded()
    {
        // reply_dir of 100 bytes leaves 27 for the name (OpenSIPS: dir + name + NUL <= 128).
        Assert.Equal(MiFifoFrameKind.Request, Framer(":" + new string('n', 27) + ":" + Json, replyDirLength: 100).Next().Kind);

        var frame = Framer(":" + new string('n', 28) + ":" + Json, replyDirLength: 100).Next();

        Assert.Equal(MiFifoFrameKind.Discarded, frame.Kind);
        Assert.Equal("reply fifo name too long", frame.Problem);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0",,}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"which",}""")]
    [InlineData("not json")]
    [InlineData("{/* comment */}")]
    public void Next_UnparsableJson_MalformedWithReplyNameAndBufferCleared(string json)
    {
        var framer = Framer(":r:" + json + ":next:{}");

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Malformed, frame.Kind);
        Assert.Equal("r", frame.ReplyName);
        Assert.Equal("cannot parse command", frame.Problem);
        Assert.StartsWith(json[..3], Body(frame), StringComparison.Ordinal);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_GarbageAfterJson_RequestThenDiscarded()
    {
        var framer = Framer(":r:" + Json + " trailing");

        Assert.Equal(MiFifoFrameKind.Request, framer.Next().Kind);
        Assert.Equal(MiFifoFrameKind.Discarded, framer.Next().Kind);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_BufferFullWithIncompleteJson_MalformedSoTheClientGetsAnAnswer()
    {
        var framer = Framer(":r:{\"jsonrpc\":\"2.0\",\"method\":\"" + new string('m', 20), bufferSize: 64);
        Assert.True(framer.Append(Encoding.UTF8.GetBytes(new string('m', 64 - framer.Length))));

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Malformed, frame.Kind);
        Assert.Equal("r", frame.ReplyName);
        Assert.Equal("request too long", frame.Problem);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_BufferFullWithoutSeparator_Discarded()
    {
        var framer = Framer(":" + new string('n', 63), bufferSize: 64);

        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Discarded, frame.Kind);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Next_PartialAfterWhiteSpace_MovedToFrontForMoreRoom()
    {
        var framer = Framer("\n\n\n:r:{\"a\":", bufferSize: 16);

        Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);
        Assert.Equal(8, framer.Length);
        Assert.True(framer.Append("1}"u8));
        var frame = framer.Next();

        Assert.Equal(MiFifoFrameKind.Request, frame.Kind);
        Assert.Equal("{\"a\":1}", Body(frame));
    }

    [Fact]
    public void Next_OnlyWhiteSpace_NeedMoreAndEmpty()
    {
        var framer = Framer(" \n\n\t ");

        Assert.Equal(MiFifoFrameKind.NeedMore, framer.Next().Kind);
        Assert.Equal(0, framer.Length);
    }

    [Fact]
    public void Commit_AfterWritingFreeSpace_BytesAreFramed()
    {
        var framer = new MiFifoRequestFramer(5);
        var bytes = Encoding.UTF8.GetBytes(":r:" + Json);
        bytes.CopyTo(framer.FreeSpace);

        framer.Commit(bytes.Length);

        Assert.Equal(Json, Body(framer.Next()));
    }
}

public sealed class CJsonPrettyPrinterTests
{
    private static string Format(string json) => Encoding.UTF8.GetString(CJsonPrettyPrinter.Format(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Format_Response_TabIndentedMembersAndOneLineArrays()
    {
        var pretty = Format("""{"jsonrpc":"2.0","result":{"a":1,"b":[1,"x",true,null],"c":{},"d":[]},"id":1}""");

        Assert.Equal(
            "{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t{\n\t\t\"a\":\t1,\n\t\t\"b\":\t[1, \"x\", true, null],\n\t\t\"c\":\t{\n\t\t},\n\t\t\"d\":\t[]\n\t},\n\t\"id\":\t1\n}",
            pretty);
    }

    [Fact]
    public void Format_EmptyTopLevelObject_BraceOnNextLine() => Assert.Equal("{\n}", Format("{}"));

    [Fact]
    public void Format_ObjectsInArray_IndentedOneLevelDeeperThanTheArray() =>
        Assert.Equal("[{\n\t\t\"a\":\t1\n\t}, {\n\t}]", Format("""[{"a":1},{}]"""));

    [Fact]
    public void Format_EscapedStrings_KeptAsWritten() =>
        Assert.Equal("{\n\t\"k\\\"ey\":\t\"a\\\"b\\nc\\u0001\"\n}", Format("""{"k\"ey":"a\"b\nc\u0001"}"""));
}

[UnsupportedOSPlatform("windows")]
public sealed class UnixFifoTests
{
    [Theory]
    [InlineData(null, null, null)]
    [InlineData("opensips", null, "opensips:")]
    [InlineData("1000", null, "1000")]
    [InlineData(null, "adm", ":adm")]
    [InlineData("opensips", "adm", "opensips:adm")]
    [InlineData("1000", "4", "1000:4")]
    public void OwnerSpec_UserAndGroup_ChownArgument(string? user, string? group, string? expected) =>
        Assert.Equal(expected, UnixFifo.OwnerSpec(user, group));

    [Fact]
    public void Create_Mode0640_FifoWithExactlyThatMode()
    {
        using var directory = new FifoTestDirectory();
        var path = directory.ReplyPath("f");

        UnixFifo.Create(path, 0b110_100_000);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void Create_PathExists_Throws()
    {
        using var directory = new FifoTestDirectory();
        var path = directory.ReplyPath("f");
        File.WriteAllText(path, "x");

        Assert.Throws<IOException>(() => UnixFifo.Create(path, 0b110_000_000));
    }

    [Fact]
    public void MiFifoOptions_Defaults_AreOpensips()
    {
        var options = new MiFifoOptions();

        Assert.Equal("/tmp/opensips_fifo", options.FifoName);
        Assert.Equal("/tmp/", options.ReplyDir);
        Assert.Equal(Convert.ToInt32("660", 8), options.FifoMode);
        Assert.Null(options.FifoUser);
        Assert.Null(options.FifoGroup);
        Assert.False(options.PrettyPrinting);
        Assert.Equal(TimeSpan.FromMilliseconds(320), options.ReplyOpenTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.FifoCheckInterval);
    }
}
