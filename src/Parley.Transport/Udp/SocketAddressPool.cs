using System.Net;
using System.Net.Sockets;

namespace Parley.Transport.Udp;

/// <summary>
/// A few reusable <see cref="SocketAddress"/>es for sends. <c>SendToAsync</c> reads the address until the send
/// completes, so one cannot be shared by concurrent sends; renting one per send avoids allocating it per datagram.
/// Lock-free: a fixed array of slots swapped with <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/>.
/// </summary>
internal sealed class SocketAddressPool
{
    private readonly AddressFamily _family;
    private readonly SocketAddress?[] _slots;

    public SocketAddressPool(AddressFamily family, int size)
    {
        _family = family;
        _slots = new SocketAddress?[size];
    }

    public SocketAddress Rent()
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            var candidate = Volatile.Read(ref slots[i]);
            if (candidate is not null && Interlocked.CompareExchange(ref slots[i], null, candidate) == candidate)
            {
                return candidate;
            }
        }

        return new SocketAddress(_family);
    }

    public void Return(SocketAddress address)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], address, null) is null)
            {
                return;
            }
        }
    }
}
