using System.Text;

namespace Parley.Benchmarks;

/// <summary>
/// The messages the hot paths run on, shaped after what real softphones and proxies send (header order, tags, SDP with
/// several codecs). Built once; Content-Length is computed so the bodies stay correct when edited.
/// </summary>
public static class BenchMessages
{
    /// <summary>A softphone's INVITE with an SDP offer, about 1 KB as on the wire.</summary>
    public static byte[] Invite { get; } = Bytes(
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK-524287-1---4f8a1c2b9d3e7f60;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "Contact: <sip:alice@192.0.2.101:5060;transport=UDP>\r\n" +
        "To: \"Bob Biloxi\" <sip:bob@biloxi.example.com>\r\n" +
        "From: \"Alice Atlanta\" <sip:alice@atlanta.example.com>;tag=7c3e9a51\r\n" +
        "Call-ID: MzE3NWI4ZjA2YjQ5NGYxMzk2ZWI2YTE5ZDJhOTg0YzU\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE, PRACK\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Supported: replaces, extended-refer, timer, outbound\r\n" +
        "User-Agent: Zoiper rv2.10.19.2\r\n" +
        "Allow-Events: presence, kpml, talk\r\n",
        "v=0\r\n" +
        "o=Z 1713456789012 1 IN IP4 192.0.2.101\r\n" +
        "s=Z\r\n" +
        "c=IN IP4 192.0.2.101\r\n" +
        "t=0 0\r\n" +
        "m=audio 52000 RTP/AVP 106 9 98 101 0 8\r\n" +
        "a=rtpmap:106 opus/48000/2\r\n" +
        "a=fmtp:106 sprop-maxcapturerate=16000; minptime=20; useinbandfec=1\r\n" +
        "a=rtpmap:98 telephone-event/48000\r\n" +
        "a=fmtp:98 0-16\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-16\r\n" +
        "a=sendrecv\r\n" +
        "a=rtcp-mux\r\n");

    /// <summary>The 200 OK a proxy relays back: two Vias (its own on top), Record-Route, Contact and an SDP answer.</summary>
    public static byte[] Ok { get; } = Bytes(
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bKc1a5f0e2d7b94a36\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK-524287-1---4f8a1c2b9d3e7f60;rport=5060;received=198.51.100.7\r\n" +
        "Record-Route: <sip:203.0.113.10:5060;lr>\r\n" +
        "From: \"Alice Atlanta\" <sip:alice@atlanta.example.com>;tag=7c3e9a51\r\n" +
        "To: \"Bob Biloxi\" <sip:bob@biloxi.example.com>;tag=as6f2b1c04\r\n" +
        "Call-ID: MzE3NWI4ZjA2YjQ5NGYxMzk2ZWI2YTE5ZDJhOTg0YzU\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:bob@192.0.2.200:5060>\r\n" +
        "Server: Asterisk PBX 20.5.0\r\n" +
        "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n" +
        "Supported: replaces, timer\r\n" +
        "Content-Type: application/sdp\r\n",
        "v=0\r\n" +
        "o=- 1713456790 1713456790 IN IP4 192.0.2.200\r\n" +
        "s=Asterisk\r\n" +
        "c=IN IP4 192.0.2.200\r\n" +
        "t=0 0\r\n" +
        "m=audio 14720 RTP/AVP 9 101\r\n" +
        "a=rtpmap:9 G722/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-16\r\n" +
        "a=ptime:20\r\n" +
        "a=sendrecv\r\n");

    /// <summary>The number of Via values in <see cref="ManyVias"/>.</summary>
    public const int ManyViaCount = 20;

    /// <summary>
    /// An OPTIONS that crossed many proxies: 20 Via values, the first ten each on a line of its own and the last ten two to a
    /// line (RFC 3261 §7.3.1 allows both), so both the line walk and the comma split are exercised.
    /// </summary>
    public static byte[] ManyVias { get; } = BuildManyVias();

    private static byte[] BuildManyVias()
    {
        var headers = new StringBuilder("OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n");
        for (var i = 0; i < ManyViaCount; i++)
        {
            var value = $"SIP/2.0/UDP proxy{i}.example.net:5060;branch=z9hG4bK{i:x4}a7e3d91c;received=203.0.113.{i + 1}";
            if (i < 10)
            {
                headers.Append("Via: ").Append(value).Append("\r\n");
            }
            else if (i % 2 == 0)
            {
                headers.Append("Via: ").Append(value);
            }
            else
            {
                headers.Append(", ").Append(value).Append("\r\n");
            }
        }

        headers.Append(
            "Max-Forwards: 50\r\n" +
            "From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
            "To: <sip:carol@chicago.example.com>\r\n" +
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
            "CSeq: 63104 OPTIONS\r\n" +
            "Accept: application/sdp\r\n");
        return Bytes(headers.ToString(), string.Empty);
    }

    private static byte[] Bytes(string headers, string body) =>
        Encoding.ASCII.GetBytes(headers + "Content-Length: " + Encoding.ASCII.GetByteCount(body) + "\r\n\r\n" + body);
}
