using System.Net;
using System.Net.Sockets;

namespace Parley.Transport.Tests;

/// <summary>Answers name lookups from a table; unknown names fail like a DNS "host not found".</summary>
internal sealed class FakeHostResolver : IHostResolver
{
    private readonly Dictionary<string, IPAddress[]> _records = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Queries { get; } = [];

    public FakeHostResolver Add(string name, params string[] addresses)
    {
        _records[name] = Array.ConvertAll(addresses, IPAddress.Parse);
        return this;
    }

    public ValueTask<IPAddress[]> ResolveAsync(string hostName, CancellationToken cancellationToken)
    {
        Queries.Add(hostName);
        return _records.TryGetValue(hostName, out var addresses)
            ? ValueTask.FromResult(addresses)
            : ValueTask.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}
