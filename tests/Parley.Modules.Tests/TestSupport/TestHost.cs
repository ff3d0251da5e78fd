using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transport;

namespace Parley.Modules.Tests.TestSupport;

/// <summary>A proxy host with one UDP and one TCP listener, a capturing sender, and a context to run modules in.</summary>
public sealed class TestHost
{
    public TestHost(IReadOnlyList<HostAlias>? aliases = null, string serverHeader = "Parley")
    {
        Udp = Listener(0, "udp:127.0.0.1:5060");
        Tcp = Listener(1, "tcp:127.0.0.1:5060");
        Sender = new FakeSender();
        Host = new ProxyHost([Udp, Tcp], Sender, NullLoggerFactory.Instance) { Aliases = aliases ?? [], ServerHeader = serverHeader };
        Context = ScriptContext.CreateStandalone(Host);
    }

    public SipListener Udp { get; }

    public SipListener Tcp { get; }

    public FakeSender Sender { get; }

    public ProxyHost Host { get; }

    public ScriptContext Context { get; }

    public SipMessage Message { get; private set; } = new();

    public SipMessageEditor Editor { get; } = new();

    /// <summary>Parses <paramref name="text"/> (LF line ends become CRLF) and begins a request route for it.</summary>
    public ScriptContext Begin(string text, string source = "10.0.0.1:5062", SipTransport transport = SipTransport.Udp, long connectionId = 0, RouteType route = RouteType.Request)
    {
        Message = Parse(text);
        Editor.Reset(Message);
        var listener = transport == SipTransport.Udp ? Udp : Tcp;
        Context.Begin(Message, Editor, new MessageSource(SipEndPoint.Parse(source), transport, listener, connectionId), route);
        return Context;
    }

    /// <summary>The message with the pending edits applied.</summary>
    public string Edited() => Encoding.UTF8.GetString(Editor.ToArray());

    public static SipMessage Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(Sip(text));
        var message = new SipMessage();
        var result = SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true);
        Assert.Equal(ParseStatus.Complete, result.Status);
        return message;
    }

    /// <summary>LF line ends to CRLF (text already using CRLF is left as it is).</summary>
    public static string Sip(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private static SipListener Listener(int id, string text)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out var error), error);
        return new SipListener(id, address, address.EndPoint);
    }
}
