using Parley.Protocol.Framing;

namespace Parley.Transport.Tests.Infrastructure;

internal sealed record ReceivedFramingError(ReceivedPacket HeaderSection, FramingError Error);
