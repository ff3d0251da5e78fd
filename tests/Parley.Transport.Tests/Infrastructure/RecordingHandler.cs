using System.Threading.Channels;
using Parley.Protocol.Framing;

namespace Parley.Transport.Tests.Infrastructure;

/// <summary>Copies every packet and framing error into channels the test awaits, and releases the buffers.</summary>
internal sealed class RecordingHandler : ISipPacketHandler
{
    private readonly Channel<ReceivedPacket> _packets = Channel.CreateUnbounded<ReceivedPacket>();
    private readonly Channel<ReceivedFramingError> _errors = Channel.CreateUnbounded<ReceivedFramingError>();
    private int _packetCount;

    /// <summary>Runs on the transport's loop for each packet, after it was recorded; may throw to test resilience.</summary>
    public Action<ReceivedPacket>? OnPacketHook { get; set; }

    /// <summary>Runs on the transport's loop for each framing error, after it was recorded.</summary>
    public Action<ReceivedFramingError>? OnFramingErrorHook { get; set; }

    public int PacketCount => Volatile.Read(ref _packetCount);

    public void OnPacket(InboundPacket packet)
    {
        var received = ReceivedPacket.From(packet);
        packet.Release();
        Interlocked.Increment(ref _packetCount);
        _packets.Writer.TryWrite(received);
        OnPacketHook?.Invoke(received);
    }

    public void OnFramingError(InboundPacket headerSection, FramingError error)
    {
        var received = new ReceivedFramingError(ReceivedPacket.From(headerSection), error);
        headerSection.Release();
        _errors.Writer.TryWrite(received);
        OnFramingErrorHook?.Invoke(received);
    }

    public async Task<ReceivedPacket> NextPacketAsync()
    {
        try
        {
            return await _packets.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Event);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No packet within {TestTimeouts.Event}.");
        }
    }

    public async Task<ReceivedFramingError> NextFramingErrorAsync()
    {
        try
        {
            return await _errors.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Event);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No framing error within {TestTimeouts.Event}.");
        }
    }

    public bool TryTakePacket(out ReceivedPacket? packet) => _packets.Reader.TryRead(out packet);
}
