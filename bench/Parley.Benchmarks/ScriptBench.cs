using Microsoft.Extensions.Logging.Abstractions;
using Parley.Protocol;
using Parley.Protocol.Writing;
using Parley.Scripting.Compilation;
using Parley.Scripting.Runtime;
using Parley.Scripting.Syntax;
using Parley.Transport;

namespace Parley.Benchmarks;

/// <summary>A compiled routing script run on a parsed message, as a worker runs it: reset the context, run the route.</summary>
internal sealed class ScriptBench
{
    /// <summary>Fifteen statements: three pseudo-variable reads, one regex match, flags, $var arithmetic, a switch.</summary>
    public const string Script = """
        socket = udp:127.0.0.1:5060
        route {
            setflag(1);
            if ($rm == "INVITE") {
                $var(n) = 1;
            }
            if ($ru =~ "^sip:[a-z]+@example\.com") {
                setflag(2);
            }
            if ($fU == "alice") {
                $var(m) = 2;
            }
            if (isflagset(1) && isflagset(2)) {
                resetflag(1);
            }
            $var(k) = $var(n) + $var(m);
            if ($var(k) != 3) { drop; }
            switch ($var(k)) {
                case 3: setflag(3); break;
                default: drop;
            }
            if (!isflagset(3)) { drop; }
            resetflag(2);
            return(7);
        }
        """;

    /// <summary>What <see cref="Run"/> returns when every statement did its work: the route's return code.</summary>
    public const int Expected = 7;

    private readonly RouteHandle _route;
    private readonly ScriptContext _context;
    private readonly SipMessageEditor _editor = new();
    private readonly MessageSource _source;

    public ScriptBench()
    {
        var result = ScriptCompiler.CompileText(Script, "bench.cfg", new ModuleCatalog());
        if (result.Script?.RequestRoute is not { } route)
        {
            throw new InvalidOperationException("The benchmark script does not compile: " + string.Join("; ", result.Diagnostics));
        }

        _route = route;
        if (!ListenAddress.TryParse("udp:127.0.0.1:5060", out var address, out _))
        {
            throw new InvalidOperationException("bad listen address");
        }

        var listener = new SipListener(0, address, address.EndPoint);
        var host = new ProxyHost([listener], new NullSender(), NullLoggerFactory.Instance);
        _context = result.Script.CreateContext(host);
        _source = new MessageSource(SipEndPoint.Parse("198.51.100.7:5060"), SipTransport.Udp, listener, 0);
    }

    public int Run(SipMessage message)
    {
        _editor.Reset(message);
        _context.Begin(message, _editor, _source, RouteType.Request);
        var code = _route.Run(_context, RouteType.Request);
        return _context.Dropped ? -1 : code;
    }

    private sealed class NullSender : ISipSender
    {
        public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId) =>
            System.Buffers.ArrayPool<byte>.Shared.Return(pooledBuffer);
    }
}
