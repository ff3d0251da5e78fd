using System.Text;
using Parley.Protocol.Headers;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Torture;

/// <summary>What the parser extracts from the messages that a proxy accepts (and a few it refuses), field by field.</summary>
public class TortureFieldTests
{
    [Fact]
    public void Parse_Wsinv_ReadsFoldedSpacedAndMixedCaseHeaders()
    {
        var m = TortureParse.Valid("wsinv.dat");
        Assert.Equal(SipMethod.Invite, m.Method);
        Assert.Equal("sip:vivekg@chair-dnrc.example.com;unknownparam", S(m, m.RequestUri));
        Assert.Equal("wsinv.ndaksdj@192.0.2.1", S(m, m.CallId));
        Assert.Equal(68, m.MaxForwards); // "0068"
        Assert.Equal(9u, m.CSeq.Number); // "0009", folded before INVITE
        Assert.Equal(SipMethod.Invite, m.CSeq.Method);
        Assert.Equal(150, m.ContentLength);
        Assert.Equal(150, m.Body.Length);

        Assert.Equal("sip:vivekg@chair-dnrc.example.com", S(m, m.To.Uri));
        Assert.Equal("1918181833n", S(m, m.To.Tag));
        Assert.Equal("\"J Rosenberg \\\\\\\"\"", S(m, m.From.DisplayName));
        Assert.Equal("sip:jdrosen@example.com", S(m, m.From.Uri));
        Assert.Equal("98asjd8", S(m, m.From.Tag));

        var vias = Vias(m);
        Assert.Equal(3, vias.Count);
        Assert.Equal([SipTransport.Udp, SipTransport.Tcp, SipTransport.Udp], vias.Select(v => v.Transport));
        Assert.Equal(["192.0.2.2", "spindle.example.com", "192.168.255.111"], vias.Select(v => S(m, v.Host)));
        Assert.Equal(["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"], vias.Select(v => S(m, v.Branch)));

        var subject = m.Headers[m.IndexOf(HeaderKind.Subject)];
        Assert.True(subject.Value.IsEmpty);
        Assert.Equal("newfangled value\r\n continued newfangled value", S(m, m.Headers[m.IndexOf("NewFangledHeader"u8)].Value));

        var unknown = m.Headers[m.IndexOf("UnknownHeaderWithUnusualValue"u8)];
        Assert.Equal(HeaderKind.Other, unknown.Kind);
        Assert.Equal(";;,,;;,;", S(m, unknown.Value));

        var routes = NameAddresses(m.Routes);
        Assert.Equal(["sip:services.example.com;lr;unknownwith=value;unknown-no-value"], routes.Select(r => S(m, r.Uri)));
        var contact = Assert.Single(NameAddresses(m.Contacts));
        Assert.Equal("\"Quoted string \\\"\\\"\"", S(m, contact.DisplayName));
        Assert.Equal("sip:jdrosen@example.com", S(m, contact.Uri));
        Assert.Equal("0.33", S(m, contact.Q));
    }

    [Fact]
    public void Forward_Wsinv_KeepsUnknownHeaderVerbatim()
    {
        var m = TortureParse.Valid("wsinv.dat");
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.PushVia("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1"u8);
        editor.DecrementMaxForwards();
        var text = Encoding.UTF8.GetString(editor.ToArray());
        Assert.Contains("\r\nUnknownHeaderWithUnusualValue: ;;,,;;,;\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nMaX-fOrWaRdS: 67\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Intmeth_KeepsUnknownMethodTokenAndOddCharacters()
    {
        var m = TortureParse.Valid("intmeth.dat");
        const string method = "!interesting-Method0123456789_*+`.%indeed'~";
        Assert.Equal(SipMethod.Unknown, m.Method);
        Assert.Equal(method, S(m, m.MethodName));
        Assert.Equal(method, S(m, m.CSeq.MethodName));
        Assert.Equal(139122385u, m.CSeq.Number);
        Assert.Equal("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com", S(m, m.RequestUri));
        Assert.Equal(255, m.MaxForwards);
        Assert.Equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", S(m, m.CallId));
        Assert.Equal("\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7F\"", S(m, m.To.DisplayName));
        Assert.Equal("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com", S(m, m.To.Uri));
        Assert.Equal("token1~` token2'+_ token3*%!.-", S(m, m.From.DisplayName));
        Assert.Equal("_token~1'+`*%!-.", S(m, m.From.Tag));
        Assert.Equal("z9hG4bK-.!%66*_+`'~", S(m, m.TopVia.Branch));

        var ext = m.Headers[m.IndexOf("extensionHeader-!.%*+_`'~"u8)];
        Assert.Equal(HeaderKind.Other, ext.Kind);
        Assert.Equal("\uFEFF\u5927\u505C\u96FB", S(m, ext.Value)); // UTF-8 kept as is
    }

    [Fact]
    public void Parse_Esc01_KeepsEscapesInUris()
    {
        var m = TortureParse.Valid("esc01.dat");
        Assert.Equal("sip:sips%3Auser%40example.com@example.net", S(m, m.RequestUri));
        Assert.Equal("sip:%75se%72@example.com", S(m, m.To.Uri));
        Assert.Equal("sip:I%20have%20spaces@example.net", S(m, m.From.Uri));
        Assert.Equal("esc01.239409asdfakjkn23onasd0-3234", S(m, m.CallId)); // compact "i"
        Assert.Equal("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", S(m, Assert.Single(NameAddresses(m.Contacts)).Uri));
        Assert.Equal("application/sdp", S(m, m.Headers[m.IndexOf(HeaderKind.ContentType)].Value)); // compact "C"
        Assert.Equal(150, m.Body.Length);
    }

    [Fact]
    public void Parse_Escnull_KeepsTwoDistinctContactsWithEscapedNulls()
    {
        var m = TortureParse.Valid("escnull.dat");
        Assert.Equal(SipMethod.Register, m.Method);
        Assert.Equal("sip:null-%00-null@example.com", S(m, m.To.Uri));
        Assert.Equal("sip:null-%00-null@example.com", S(m, m.From.Uri));
        Assert.Equal(["sip:%00@host5.example.com", "sip:%00%00@host5.example.com"], NameAddresses(m.Contacts).Select(c => S(m, c.Uri)));
        Assert.Equal(0, m.ContentLength); // "L:0"
    }

    [Fact]
    public void Parse_Esc02_PercentInMethodIsNotAnEscape()
    {
        var m = TortureParse.Valid("esc02.dat");
        Assert.Equal(SipMethod.Unknown, m.Method);
        Assert.Equal("RE%47IST%45R", S(m, m.MethodName));
        Assert.Equal("RE%47IST%45R", S(m, m.CSeq.MethodName));
        Assert.Equal("\"%Z%45\"", S(m, m.To.DisplayName));
        Assert.Equal("z9hG4bK209%fzsnel234", S(m, m.TopVia.Branch));

        // "C%6Fntact" is an unknown header, not Contact.
        Assert.Equal(HeaderKind.Other, m.Headers[m.IndexOf("C%6Fntact"u8)].Kind);
        Assert.Equal(["sip:alias1@host1.example.com", "sip:alias3@host3.example.com"], NameAddresses(m.Contacts).Select(c => S(m, c.Uri)));
    }

    [Fact]
    public void Parse_Lwsdisp_AcceptsDisplayNameWithoutSpaceBeforeAngle()
    {
        var m = TortureParse.Valid("lwsdisp.dat");
        Assert.Equal("caller", S(m, m.From.DisplayName));
        Assert.Equal("sip:caller@example.com", S(m, m.From.Uri));
        Assert.Equal("323", S(m, m.From.Tag));
    }

    [Fact]
    public void Parse_Longreq_ReadsLongValuesAndManyVias()
    {
        var m = TortureParse.Valid("longreq.dat");
        Assert.Equal(3515, m.Length);
        var vias = Vias(m);
        Assert.Equal(34, vias.Count);
        Assert.Equal("sip33.example.com", S(m, vias[0].Host));
        Assert.Equal("host.example.com", S(m, vias[^1].Host));
        Assert.Equal(215, vias[^1].Branch.Length);
        Assert.Equal("192.0.2.5", S(m, vias[^1].Received));
        Assert.Equal(155, m.From.Tag.Length);
        Assert.StartsWith("1298298298", S(m, m.From.Tag), StringComparison.Ordinal);
        Assert.Equal(141, m.CallId.Length);
        Assert.Equal(105, m.To.DisplayName.Length);
        Assert.EndsWith("verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongParameterNameWithNoValue", S(m, m.To.Uri), StringComparison.Ordinal);
        Assert.Equal(150, m.Body.Length);
    }

    [Fact]
    public void Parse_Dblreq_IgnoresTrailingOctetsOfDatagram()
    {
        var (bytes, m, r) = TortureParse.Datagram("dblreq.dat");
        Assert.Equal(ParseStatus.Complete, r.Status);
        Assert.Equal(SipMethod.Register, m.Method);
        Assert.True(m.Length < bytes.Length);
        Assert.Equal(r.Consumed, m.Length);
        Assert.EndsWith("Content-Length: 0\r\n\r\n", m.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("INVITE", m.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, m.Body.Length);
    }

    [Fact]
    public void Forward_Dblreq_WritesNoTrailingOctets()
    {
        var (bytes, m, _) = TortureParse.Datagram("dblreq.dat");
        var editor = new SipMessageEditor();
        editor.Reset(m);
        Assert.Equal(bytes[..m.Length], editor.ToArray());

        editor.Reset(m);
        editor.DecrementMaxForwards();
        var forwarded = Encoding.UTF8.GetString(editor.ToArray());
        Assert.Equal(m.Length, forwarded.Length); // "8" becomes "7"
        Assert.Contains("\r\nMax-Forwards: 7\r\n", forwarded, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 0\r\n\r\n", forwarded, StringComparison.Ordinal);
        Assert.DoesNotContain("INVITE", forwarded, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Semiuri_KeepsSemicolonInUserPart()
    {
        var m = TortureParse.Valid("semiuri.dat");
        Assert.Equal("sip:user;par=u%40example.net@example.com", S(m, m.RequestUri));
        Assert.Equal(3, m.MaxForwards);
        Assert.Equal("application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, multipart/signed,\r\n        message/sip, message/sipfrag", S(m, m.Headers[m.IndexOf("Accept"u8)].Value));
    }

    [Fact]
    public void Parse_Transports_ReadsKnownAndUnknownTransports()
    {
        var m = TortureParse.Valid("transports.dat");
        var vias = Vias(m);
        Assert.Equal([SipTransport.Udp, SipTransport.Sctp, SipTransport.Tls, SipTransport.Unknown, SipTransport.Tcp], vias.Select(v => v.Transport));
        Assert.Equal("UNKNOWN", S(m, vias[3].TransportToken));
        Assert.Equal("t4.example.com", S(m, vias[3].Host));
        Assert.Equal("transports.kijh4akdnaqjkwendsasfdj", S(m, m.CallId)); // two spaces after the colon
    }

    [Fact]
    public void Parse_Mpart01_FramesBinaryBodyByContentLength()
    {
        var (bytes, m, _) = TortureParse.Datagram("mpart01.dat");
        Assert.Equal(ParseError.None, SipValidator.ValidateRequest(m));
        Assert.Equal(SipMethod.Message, m.Method);
        Assert.Equal(553, m.ContentLength);
        Assert.Equal(553, m.Body.Length);
        Assert.Equal(bytes.Length, m.Body.End);
        Assert.Contains((byte)0, m[m.Body].ToArray());
        Assert.EndsWith("--7a9cbec02ceef655--\r\n", Encoding.Latin1.GetString(m[m.Body]), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Unreason_KeepsUtf8ReasonPhrase()
    {
        var m = TortureParse.Valid("unreason.dat");
        Assert.Equal(200, m.StatusCode);
        Assert.Equal("= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435", S(m, m.ReasonPhrase));
        Assert.Equal(154, m.Body.Length);
    }

    [Fact]
    public void Parse_Noreason_HasEmptyReasonPhrase()
    {
        var m = TortureParse.Valid("noreason.dat");
        Assert.Equal(100, m.StatusCode);
        Assert.True(m.ReasonPhrase.IsEmpty);
        Assert.Equal("902jndnke3", S(m, m.To.Tag));
    }

    [Fact]
    public void Parse_Inv2543_BodyRunsToEndOfDatagramWithoutMaxForwards()
    {
        var (bytes, m, _) = TortureParse.Datagram("inv2543.dat");
        Assert.Equal(ParseError.None, SipValidator.ValidateRequest(m));
        Assert.Equal(-1, m.ContentLength);
        Assert.Equal(-1, m.MaxForwards);
        Assert.Equal(bytes.Length, m.Body.End);
        Assert.StartsWith("v=0\r\n", S(m, m.Body), StringComparison.Ordinal);
        Assert.False(m.TopVia.HasBranch);
        Assert.False(m.From.HasTag);
        Assert.Equal("sip:+16505552222@ss1.example.net", S(m, m.To.Uri)); // ";user=phone" is a header parameter of an addr-spec
        Assert.Equal(";user=phone", S(m, m.To.Parameters));
        Assert.Equal(["sip:UserB@example.com;maddr=ss1.example.com"], NameAddresses(m.RecordRoutes).Select(r => S(m, r.Uri)));

        // Forwarding adds the Max-Forwards the RFC 2543 client left out (RFC 3261 §16.6 step 3).
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.DecrementMaxForwards();
        Assert.Contains("\r\nMax-Forwards: 70\r\n\r\nv=0", Encoding.UTF8.GetString(editor.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Cparam01_UnbracketedContactParamBelongsToHeader()
    {
        var m = TortureParse.Valid("cparam01.dat");
        var contact = Assert.Single(NameAddresses(m.Contacts));
        Assert.False(contact.IsNameAddr);
        Assert.Equal("sip:+19725552222@gw1.example.net", S(m, contact.Uri));
        Assert.Equal(";unknownparam", S(m, contact.Parameters));
    }

    [Fact]
    public void Parse_Cparam02_BracketedParamBelongsToUri()
    {
        var m = TortureParse.Valid("cparam02.dat");
        var contact = Assert.Single(NameAddresses(m.Contacts));
        Assert.True(contact.IsNameAddr);
        Assert.Equal("sip:+19725552222@gw1.example.net;unknownparam", S(m, contact.Uri));
        Assert.True(contact.Parameters.IsEmpty);
    }

    [Fact]
    public void Parse_Regescrt_KeepsEscapedHeaderInBracketedContact()
    {
        var m = TortureParse.Valid("regescrt.dat");
        var contact = Assert.Single(NameAddresses(m.Contacts)); // compact "M"
        Assert.Equal("sip:user@example.com?Route=%3Csip:sip.example.com%3E", S(m, contact.Uri));
        Assert.Equal(0, m.ContentLength); // "L:0"
    }

    [Fact]
    public void Parse_Unksm2_AcceptsNonSipSchemesInHeaders()
    {
        var m = TortureParse.Valid("unksm2.dat");
        Assert.Equal("isbn:2983792873", S(m, m.To.Uri));
        Assert.Equal("http://www.example.com", S(m, m.From.Uri));
        Assert.Equal("sip:example.com", S(m, m.RequestUri));
        Assert.Equal("name:John_Smith", S(m, Assert.Single(NameAddresses(m.Contacts)).Uri));
    }

    [Fact]
    public void Parse_Sdp01_ForwardsDespiteUnacceptableAccept()
    {
        var m = TortureParse.Valid("sdp01.dat");
        Assert.Equal("text/nobodyKnowsThis", S(m, m.Headers[m.IndexOf("Accept"u8)].Value));
        Assert.Equal(150, m.Body.Length);
    }

    [Fact]
    public void Parse_Invut_ForwardsUnknownContentType()
    {
        var m = TortureParse.Valid("invut.dat");
        Assert.Equal("application/unknownformat", S(m, m.Headers[m.IndexOf(HeaderKind.ContentType)].Value));
        Assert.Equal("<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n", S(m, m.Body));
    }

    [Fact]
    public void Forward_Regaut01_KeepsUnknownAuthorizationUnmodified()
    {
        var m = TortureParse.Valid("regaut01.dat");
        var auth = m.Headers[m.IndexOf(HeaderKind.Authorization)];
        Assert.Equal("NoOneKnowsThisScheme opaque-data=here", S(m, auth.Value));
        var editor = new SipMessageEditor();
        editor.Reset(m);
        editor.DecrementMaxForwards();
        Assert.Contains("\r\nAuthorization: NoOneKnowsThisScheme opaque-data=here\r\n", Encoding.UTF8.GetString(editor.ToArray()), StringComparison.Ordinal);
        Assert.Equal(0, m.ContentLength); // "Content-Length:0"
    }

    [Fact]
    public void Parse_Badbranch_ReadsBareMagicCookieBranch()
    {
        var m = TortureParse.Valid("badbranch.dat");
        Assert.True(m.TopVia.HasBranch);
        Assert.Equal("z9hG4bK", S(m, m.TopVia.Branch));
    }

    [Fact]
    public void Parse_Baddate_IgnoresNonGmtDate()
    {
        var m = TortureParse.Valid("baddate.dat");
        Assert.Equal("Fri, 01 Jan 2010 16:00:00 EST", S(m, m.Headers[m.IndexOf(HeaderKind.Date)].Value));
    }

    [Fact]
    public void Parse_Baddn_DatagramWithoutEmptyLineEndsHeaders()
    {
        var (bytes, m, r) = TortureParse.Datagram("baddn.dat");
        Assert.Equal(ParseStatus.Complete, r.Status);
        Assert.False(m.HeadersTerminated);
        Assert.Equal(bytes.Length, m.End);
        Assert.True(m.Body.IsEmpty);
        Assert.False(m.TryGetFrom(out _)); // "Bell, Alexander" is not a token display name
        Assert.False(m.TryGetTo(out _));
    }

    [Fact]
    public void Parse_Scalar02_RefusesCSeqAbove32Bits()
    {
        var (_, m, _) = TortureParse.Datagram("scalar02.dat");
        Assert.False(m.TryGetCSeq(out _));
        Assert.Equal(ParseError.BadCSeq, SipValidator.ValidateRequest(m));
    }

    [Fact]
    public void Parse_Insuf_ReportsFirstMissingMandatoryHeader()
    {
        var (_, m, _) = TortureParse.Datagram("insuf.dat");
        Assert.Equal(-1, m.IndexOf(HeaderKind.CallId));
        Assert.Equal(-1, m.IndexOf(HeaderKind.From));
        Assert.Equal(-1, m.IndexOf(HeaderKind.To));
        Assert.Equal(ParseError.MissingCallId, SipValidator.ValidateRequest(m)); // Via, Call-ID, From, To, CSeq: in that order
    }

    [Fact]
    public void Answer_Bext01_ListsProxyRequireTagsInUnsupported()
    {
        // RFC 3261 §16.3 step 5: the 420 names the Proxy-Require tags (not Require's: that is for the UAS). The writer takes the
        // Unsupported line from its caller; the tags are Proxy-Require's values.
        var (_, m, _) = TortureParse.Datagram("bext01.dat");
        Assert.Equal(ParseError.BadExtension, SipValidator.ValidateRequest(m));
        var tags = S(m, m.Headers[m.IndexOf(HeaderKind.ProxyRequire)].Value);
        Assert.Equal("noProxiesSupportThis, norDoAnyProxiesSupportThis", tags);

        var response = Encoding.UTF8.GetString(SipResponseWriter.ToArray(m, 420, ParseErrors.ReasonPhrase(ParseError.BadExtension), "t1"u8, Encoding.ASCII.GetBytes("Unsupported: " + tags + "\r\n")));
        Assert.StartsWith("SIP/2.0 420 Bad Extension\r\n", response, StringComparison.Ordinal);
        Assert.Contains("\r\nUnsupported: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n", response, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: sip:j_user@example.com;tag=t1\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public void Answer_Multi01_CopiesOnlyFirstOfEachSingleValuedHeader()
    {
        var (_, m, _) = TortureParse.Datagram("multi01.dat");
        Assert.Equal(ParseError.MultipleCallId, SipValidator.ValidateRequest(m));
        var response = Encoding.UTF8.GetString(SipResponseWriter.ToArray(m, 400, ParseErrors.ReasonPhrase(ParseError.MultipleCallId), "t1"u8));
        Assert.Contains("\r\nCall-ID: multi01.98asdh@192.0.2.1\r\n", response, StringComparison.Ordinal);
        Assert.DoesNotContain("multi01.98asdh@192.0.2.2", response, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 5 INVITE\r\n", response, StringComparison.Ordinal);
        Assert.DoesNotContain("CSeq: 59", response, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Zeromf_ReadsMaxForwardsZero()
    {
        var (_, m, _) = TortureParse.Datagram("zeromf.dat");
        Assert.Equal(0, m.MaxForwards);
        Assert.Equal(ParseError.TooManyHops, SipValidator.ValidateRequest(m));
    }

    [Fact]
    public void Parse_Bcast_ReadsBroadcastSentBy()
    {
        var m = TortureParse.Valid("bcast.dat");
        Assert.Equal(["192.0.2.198", "255.255.255.255"], Vias(m).Select(v => S(m, v.Host)));
    }

    [Fact]
    public void Answer_Badvers_CopiesViaOfUnsupportedVersionRequest()
    {
        var (_, m, r) = TortureParse.Datagram("badvers.dat");
        Assert.Equal(ParseResult.Invalid(ParseError.UnsupportedVersion), r);
        Assert.True(m.IsRequest);
        Assert.Equal(SipMethod.Options, m.Method);
        var response = Encoding.UTF8.GetString(SipResponseWriter.ToArray(m, 505, ParseErrors.ReasonPhrase(r.Error), "t1"u8));
        Assert.StartsWith("SIP/2.0 505 Version Not Supported\r\nVia: SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n", response, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 1 OPTIONS\r\n", response, StringComparison.Ordinal);
    }

    private static string S(SipMessage m, ByteRange range) => m.GetString(range);

    private static List<ViaValue> Vias(SipMessage m)
    {
        var list = new List<ViaValue>();
        var e = m.Vias;
        while (e.MoveNext())
        {
            list.Add(e.Current);
        }

        Assert.False(e.Failed);
        return list;
    }

    private static List<NameAddress> NameAddresses(NameAddressEnumerator e)
    {
        var list = new List<NameAddress>();
        while (e.MoveNext())
        {
            list.Add(e.Current);
        }

        Assert.False(e.Failed);
        return list;
    }
}
