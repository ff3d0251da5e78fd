using static Parley.Protocol.ParseError;
using static Parley.Protocol.Tests.Torture.ProxyAction;
using static Parley.Protocol.Tests.Torture.TortureClass;

namespace Parley.Protocol.Tests.Torture;

/// <summary>
/// Every file of the RFC 4475 corpus and how Parley, as a proxy, handles it when it arrives as a UDP datagram.
/// "Error" is the parse error for an Invalid parse, otherwise the validator's verdict (None: forward).
/// </summary>
public static class TortureTable
{
    private const ParseStatus Complete = ParseStatus.Complete;
    private const ParseStatus Rejected = ParseStatus.Invalid;

    public static IReadOnlyList<TortureCase> Cases { get; } =
    [
        // §3.1.1 valid messages: all parse and validate.
        new("wsinv.dat", Valid, true, Complete, None, Forward),
        new("intmeth.dat", Valid, true, Complete, None, Forward),
        new("esc01.dat", Valid, true, Complete, None, Forward),
        new("escnull.dat", Valid, true, Complete, None, Forward),
        new("esc02.dat", Valid, true, Complete, None, Forward),
        new("lwsdisp.dat", Valid, true, Complete, None, Forward),
        new("longreq.dat", Valid, true, Complete, None, Forward),
        new("dblreq.dat", Valid, true, Complete, None, Forward),
        new("semiuri.dat", Valid, true, Complete, None, Forward),
        new("transports.dat", Valid, true, Complete, None, Forward),
        new("mpart01.dat", Valid, true, Complete, None, Forward),
        new("unreason.dat", Valid, false, Complete, None, Forward),
        new("noreason.dat", Valid, false, Complete, None, Forward),

        // §3.1.2 invalid messages.
        new("badinv01.dat", Invalid, true, Complete, BadVia, Answer, 400, "Bad Via"),
        new("clerr.dat", Invalid, true, Rejected, ContentLengthExceedsMessage, Answer, 400, "Content-Length Exceeds Message",
            Stream: StreamFraming.Incomplete),
        new("ncl.dat", Invalid, true, Rejected, BadContentLength, Answer, 400, "Bad Content-Length"),
        new("scalar02.dat", Invalid, true, Complete, BadCSeq, Answer, 400, "Bad CSeq"),
        new("scalarlg.dat", Invalid, false, Complete, BadCSeq, Drop),
        new("quotbal.dat", Invalid, true, Complete, BadTo, Answer, 400, "Bad To"),
        new("ltgtruri.dat", Invalid, true, Rejected, BadRequestUri, Answer, 400, "Bad Request-URI"),
        new("lwsruri.dat", Invalid, true, Rejected, BadRequestUri, Answer, 400, "Bad Request-URI"),
        new("lwsstart.dat", Invalid, true, Rejected, BadStartLine, Answer, 400, "Bad Request Line"),
        new("trws.dat", Invalid, true, Rejected, BadStartLine, Answer, 400, "Bad Request Line"),
        new("escruri.dat", Invalid, true, Complete, BadRequestUri, Answer, 400, "Bad Request-URI"),
        new("baddate.dat", Invalid, true, Complete, None, Forward), // Date is not a header Parley relies on (liberal, as §3.1.2.12 allows)
        new("regbadct.dat", Invalid, true, Complete, BadContact, Answer, 400, "Bad Contact"),
        new("badaspec.dat", Invalid, true, Complete, BadTo, Answer, 400, "Bad To"),
        new("baddn.dat", Invalid, true, Complete, BadFrom, Answer, 400, "Bad From",
            Stream: StreamFraming.Incomplete), // no empty line after the headers: a stream waits for it
        new("badvers.dat", Invalid, true, Rejected, UnsupportedVersion, Answer, 505, "Version Not Supported"),
        new("mismatch01.dat", Invalid, true, Complete, CSeqMethodMismatch, Answer, 400, "CSeq Method Mismatch"),
        new("mismatch02.dat", Invalid, true, Complete, UnknownMethodCSeqMismatch, Answer, 501, "Not Implemented"),
        new("bigcode.dat", Invalid, false, Rejected, BadStatusCode, Drop),

        // §3.2 transaction layer.
        new("badbranch.dat", SemanticTransaction, true, Complete, None, Forward), // RFC 2543 matching, as for inv2543

        // §3.3 application layer.
        new("insuf.dat", SemanticApp, true, Complete, MissingCallId, Answer, 400, "Missing Call-ID"),
        new("unkscm.dat", SemanticApp, true, Complete, UnsupportedUriScheme, Answer, 416, "Unsupported URI Scheme"),
        new("novelsc.dat", SemanticApp, true, Complete, UnsupportedUriScheme, Answer, 416, "Unsupported URI Scheme"),
        new("unksm2.dat", SemanticApp, true, Complete, None, Forward),
        new("bext01.dat", SemanticApp, true, Complete, BadExtension, Answer, 420, "Bad Extension"),
        new("invut.dat", SemanticApp, true, Complete, None, Forward),
        new("regaut01.dat", SemanticApp, true, Complete, None, Forward),
        new("multi01.dat", SemanticApp, true, Complete, MultipleCallId, Answer, 400, "Multiple Call-ID"),
        new("mcl01.dat", SemanticApp, true, Rejected, ConflictingContentLength, Answer, 400, "Conflicting Content-Length"),
        new("bcast.dat", SemanticApp, false, Complete, None, Forward,
            Deviation: "The response is valid to the protocol layer; refusing to send to a broadcast sent-by (255.255.255.255) is the forwarding stage's job, which Parley.Protocol does not do."),
        new("zeromf.dat", SemanticApp, true, Complete, TooManyHops, Answer, 483, "Too Many Hops"),
        new("cparam01.dat", SemanticApp, true, Complete, None, Forward),
        new("cparam02.dat", SemanticApp, true, Complete, None, Forward),
        new("regescrt.dat", SemanticApp, true, Complete, None, Forward),
        new("sdp01.dat", SemanticApp, true, Complete, None, Forward),

        // §3.4 backward compatibility: no Content-Length, so the body runs to the end of the datagram; a stream needs one.
        new("inv2543.dat", BackwardCompat, true, Complete, None, Forward,
            Stream: StreamFraming.Invalid, StreamError: MissingContentLength),

        // In the archive, described nowhere: no SIP version on the request line, no Via, "Foobar roobar" has no colon.
        new("test.dat", Undescribed, true, Rejected, BadStartLine, Drop),
    ];

    public static TortureCase Get(string file) =>
        Cases.FirstOrDefault(c => c.File == file) ?? throw new KeyNotFoundException("No torture row for " + file);

    public static TheoryData<string> Files(Func<TortureCase, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Where(filter))
        {
            data.Add(c.File);
        }

        return data;
    }
}
