using System.Net;
using System.Text;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Server.Core;
using Parley.Transport;

namespace Parley.Server.Tests;

public class WorkerTests
{
    [Theory]
    [InlineData("192.0.2.9", "SIP/2.0/UDP host.example.com;branch=z9hG4bK1;rport", "SIP/2.0/UDP host.example.com;branch=z9hG4bK1;rport=7000;received=192.0.2.9")]
    [InlineData("2001:db8::9", "SIP/2.0/UDP [2001:db8::9]:7000;branch=z9hG4bK1", "SIP/2.0/UDP [2001:db8::9]:7000;branch=z9hG4bK1")]
    [InlineData("2001:db8::9", "SIP/2.0/UDP host.example.com;branch=z9hG4bK1", "SIP/2.0/UDP host.example.com;branch=z9hG4bK1;received=2001:db8::9")]
    public void AddReceived_SourceEndPoint_WritesBareAddressAndRport(string source, string via, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes($"OPTIONS sip:a@b SIP/2.0\r\nVia: {via}\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        var message = new SipMessage();
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        Worker.AddReceived(editor, new SipEndPoint(IPAddress.Parse(source), 7000));
        Assert.Contains($"Via: {expected}\r\n", Encoding.ASCII.GetString(editor.ToArray()), StringComparison.Ordinal);
    }
}
