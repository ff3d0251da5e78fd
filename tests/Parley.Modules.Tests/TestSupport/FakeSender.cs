using System.Buffers;
using System.Text;
using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Modules.Tests.TestSupport;

/// <summary>One send: where from, how, to whom, and a copy of the bytes.</summary>
public sealed record SentPacket(SipListener? From, SipTransport Transport, SipEndPoint Destination, byte[] Bytes, long ConnectionId)
{
    public string Text => Encoding.UTF8.GetString(Bytes);

    /// <summary>The packet parsed back, to check it is a well-formed SIP message.</summary>
    public SipMessage Parse()
    {
        var message = new SipMessage();
        var result = SipParser.Parse(Bytes, 0, Bytes.Length, message, datagram: true);
        Assert.Equal(ParseStatus.Complete, result.Status);
        return message;
    }
}

/// <summary>Captures what modules send; returns the pooled buffer as the real sender would.</summary>
public sealed class FakeSender : ISipSender
{
    public List<SentPacket> Sent { get; } = [];

    public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
    {
        Sent.Add(new SentPacket(from, transport, destination, pooledBuffer.AsSpan(0, length).ToArray(), connectionId));
        ArrayPool<byte>.Shared.Return(pooledBuffer);
    }
}
