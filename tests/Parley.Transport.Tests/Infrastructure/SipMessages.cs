using System.Text;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>Minimal well-framed SIP messages for transport tests (the transport never parses beyond framing).</summary>
internal static class SipMessages
{
    public static string Request(string method, string callId, string body = "", string transport = "UDP") =>
        $"{method} sip:bob@127.0.0.1 SIP/2.0\r\n" +
        $"Via: SIP/2.0/{transport} 127.0.0.1:5060;branch=z9hG4bK-{callId}\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@127.0.0.1>;tag=a1\r\n" +
        "To: <sip:bob@127.0.0.1>\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: 1 {method}\r\n" +
        $"Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\n" +
        "\r\n" +
        body;

    public static string Response(int status, string reason, string callId) =>
        $"SIP/2.0 {status} {reason}\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n";

    public static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);
}
