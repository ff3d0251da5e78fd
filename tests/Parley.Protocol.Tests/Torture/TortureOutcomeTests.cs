using System.Text;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Torture;

/// <summary>Each corpus file, as a UDP datagram: the parse result, the validator's verdict, and what the proxy does about it.</summary>
public class TortureOutcomeTests
{
    public static TheoryData<string> AllFiles => TortureTable.Files(_ => true);

    public static TheoryData<string> AnsweredFiles => TortureTable.Files(c => c.Action == ProxyAction.Answer);

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Parse_CorpusFileAsDatagram_GivesTableStatusAndError(string file)
    {
        var expected = TortureTable.Get(file);
        var (_, message, result) = TortureParse.Datagram(file);

        Assert.Equal(expected.Status, result.Status);
        Assert.Equal(expected.IsRequest, message.IsRequest);
        if (result.Status == ParseStatus.Complete)
        {
            Assert.Equal(ParseError.None, result.Error);
            Assert.Equal(expected.Error, TortureParse.Validate(message));
        }
        else
        {
            Assert.Equal(expected.Error, result.Error);
            Assert.Equal(0, result.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Decide_CorpusFileAsDatagram_GivesTableActionAndAnswer(string file)
    {
        var expected = TortureTable.Get(file);
        var (_, message, result) = TortureParse.Datagram(file);
        var verdict = ProxyPolicy.Verdict(result, message);

        Assert.Equal(expected.Action, ProxyPolicy.Decide(result, message));
        if (expected.Action == ProxyAction.Answer)
        {
            // The mapping is pinned here: a change to ParseErrors shows up as a failing torture row.
            Assert.Equal(expected.StatusCode, ParseErrors.StatusCode(verdict));
            Assert.Equal(expected.Reason, Encoding.ASCII.GetString(ParseErrors.ReasonPhrase(verdict)));
        }
    }

    /// <summary>An answered request gets a response that frames, carries the code and reason, and copies every Via in order.</summary>
    [Theory]
    [MemberData(nameof(AnsweredFiles))]
    public void Answer_RefusedRequest_WritesResponseWithCodeReasonAndVias(string file)
    {
        var expected = TortureTable.Get(file);
        var (_, request, _) = TortureParse.Datagram(file);

        var bytes = SipResponseWriter.ToArray(request, expected.StatusCode, Encoding.ASCII.GetBytes(expected.Reason), "parley1"u8);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith($"SIP/2.0 {expected.StatusCode} {expected.Reason}\r\n", text, StringComparison.Ordinal);

        var response = new SipMessage();
        var r = SipParser.Parse(bytes, 0, bytes.Length, response, datagram: false);
        Assert.Equal(ParseStatus.Complete, r.Status);
        Assert.Equal(bytes.Length, r.Consumed);
        Assert.False(response.IsRequest);
        Assert.Equal(expected.StatusCode, response.StatusCode);
        Assert.Equal(ViaLines(request), ViaLines(response));
    }

    private static string[] ViaLines(SipMessage m)
    {
        var values = new List<string>();
        foreach (var h in m.Headers)
        {
            if (h.Kind == HeaderKind.Via)
            {
                values.Add(m.GetString(h.Value));
            }
        }

        return [.. values];
    }
}
