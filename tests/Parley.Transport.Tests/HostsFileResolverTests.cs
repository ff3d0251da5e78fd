using System.Net;
using System.Net.Sockets;

namespace Parley.Transport.Tests;

public sealed class HostsFileResolverTests
{
    [Fact]
    public async Task ResolveAsync_NameOnSeveralLines_EveryAddressInFileOrder()
    {
        var resolver = HostsFileResolver.Parse("# test names\n127.0.0.2 multi.test  other.test\n\n127.0.0.1\tmulti.test # second\n::1 v6.test\n", new FakeHostResolver());
        Assert.Equal([IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.1")], await resolver.ResolveAsync("MULTI.test", CancellationToken.None));
        Assert.Equal([IPAddress.Parse("127.0.0.2")], await resolver.ResolveAsync("other.test", CancellationToken.None));
        Assert.Equal([IPAddress.IPv6Loopback], await resolver.ResolveAsync("v6.test", CancellationToken.None));
    }

    [Fact]
    public async Task ResolveAsync_OtherName_AskedOfTheFallback()
    {
        var fallback = new FakeHostResolver().Add("dns.test", "192.0.2.1");
        var resolver = HostsFileResolver.Parse("127.0.0.2 multi.test\n", fallback);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], await resolver.ResolveAsync("dns.test", CancellationToken.None));
        await Assert.ThrowsAsync<SocketException>(async () => await resolver.ResolveAsync("none.test", CancellationToken.None));
        Assert.Equal(["dns.test", "none.test"], fallback.Queries);
    }

    [Fact]
    public void ResolveAsync_FileName_NotAnsweredSynchronously()
    {
        var resolver = HostsFileResolver.Parse("127.0.0.2 multi.test\n", new FakeHostResolver());
        var saved = SynchronizationContext.Current;
        var queue = new QueueingContext();
        SynchronizationContext.SetSynchronizationContext(queue);
        try
        {
            var pending = resolver.ResolveAsync("multi.test", CancellationToken.None).AsTask();
            Assert.False(pending.IsCompleted); // the answer comes later, as DNS's does: tm's asynchronous path is what it exercises
            queue.RunAll();
            Assert.True(pending.IsCompletedSuccessfully);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
    }

    private sealed class QueueingContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback, object?)> _work = new();

        public override void Post(SendOrPostCallback d, object? state) => _work.Enqueue((d, state));

        public void RunAll()
        {
            while (_work.TryDequeue(out var item))
            {
                item.Item1(item.Item2);
            }
        }
    }

    [Fact]
    public void Parse_NotAnAddress_SaysWhichLine()
    {
        var e = Assert.Throws<FormatException>(() => HostsFileResolver.Parse("127.0.0.1 a\nnot-an-ip b\n", new FakeHostResolver()));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }
}
