namespace Parley.Transport.Tests.Infrastructure;

internal static class TestLayer
{
    /// <summary>Starts a layer on the given listen addresses (use port 0), with options adjusted by <paramref name="configure"/>.</summary>
    public static SipTransportLayer Start(ISipPacketHandler handler, Action<SipTransportOptions>? configure, params string[] listen)
    {
        var options = new SipTransportOptions();
        foreach (string address in listen)
        {
            options.ListenAddresses.Add(ListenAddress.Parse(address));
        }

        configure?.Invoke(options);
        var layer = new SipTransportLayer(options, handler);
        layer.Start();
        return layer;
    }

    public static SipTransportLayer Start(ISipPacketHandler handler, params string[] listen) => Start(handler, null, listen);
}
