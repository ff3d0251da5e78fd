using Parley.Server.Configuration;

namespace Parley.Server.Tests;

public class ConfigLoaderTests
{
    [Fact]
    public void Load_GlobalParameters_AreHonoured()
    {
        var (config, errors) = ConfigLoader.Load("t.cfg", """
            # comment
            log_level = 4   // another
            /* block
               comment */
            socket = udp:127.0.0.1:5070
            listen = tcp:[::1]:5071;
            udp_workers = 3
            server_header = "Server: Test Proxy"
            alias = sip.example.com
            """);
        Assert.Empty(errors);
        Assert.Equal(4, config.LogLevel);
        Assert.Equal(["udp:127.0.0.1:5070", "tcp:[::1]:5071"], config.Sockets);
        Assert.Equal(3, config.UdpWorkers);
        Assert.Equal("Test Proxy", config.ServerHeader);
        Assert.Equal(["sip.example.com"], config.Aliases);
    }

    [Fact]
    public void Load_SeveralMistakes_ReportsEveryOneWithPosition()
    {
        var (_, errors) = ConfigLoader.Load("bad.cfg", "socket = udp:127.0.0.1:5060\nlog_levl = 3\nudp_workers = many\nsocket = sctp:1.2.3.4:5060\n");
        Assert.Equal(3, errors.Count);
        Assert.StartsWith("bad.cfg:2:1: error: unknown global parameter 'log_levl'", errors[0].ToString(), StringComparison.Ordinal);
        Assert.StartsWith("bad.cfg:3:15: error: 'udp_workers' expects a whole number from 1 to 1024", errors[1].ToString(), StringComparison.Ordinal);
        Assert.Equal(4, errors[2].Line);
        Assert.Equal(10, errors[2].Column);
        Assert.Contains("sctp", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RouteScript_IsCompiled()
    {
        var loaded = ConfigLoader.Load("r.cfg", "socket = udp:127.0.0.1:5060\nroute {\n  if (isflagset(1)) { exit; }\n  forward();\n}\nlog_level = 2\n");
        Assert.Empty(loaded.Errors);
        Assert.NotNull(loaded.Script?.RequestRoute);
        Assert.Equal(2, loaded.Config.LogLevel);
    }

    [Fact]
    public void Load_ScriptAndGlobalErrors_AllReportedInLineOrder()
    {
        var loaded = ConfigLoader.Load("m.cfg", "socket = udp:127.0.0.1:5060\nroute {\n  nosuch();\n}\nlog_level = 9\n");
        Assert.Null(loaded.Script);
        Assert.Equal(2, loaded.Errors.Count);
        Assert.Equal("m.cfg:3:3: error: unknown function 'nosuch' (at 'nosuch')", loaded.Errors[0].ToString());
        Assert.StartsWith("m.cfg:5:13: error: 'log_level' expects a whole number from -3 to 4", loaded.Errors[1].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ProtoModules_AreAccepted()
    {
        var loaded = ConfigLoader.Load("p.cfg", "socket = udp:127.0.0.1:5060\nloadmodule \"proto_udp.so\"\nloadmodule \"/usr/lib/opensips/modules/proto_tcp.so\"\nroute { }\n");
        Assert.Empty(loaded.Errors);
    }

    [Fact]
    public void Load_NoSocket_SaysHowToAddOne()
    {
        var (_, errors) = ConfigLoader.Load("e.cfg", "log_level = 3\n");
        Assert.Contains("socket = udp:127.0.0.1:5060", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnclosedString_ReportsWhereItStarts()
    {
        var (_, errors) = ConfigLoader.Load("s.cfg", "socket = udp:127.0.0.1:5060\nserver_header = \"Parley\n");
        Assert.Contains(errors, e => e.Line == 2 && e.Column == 17 && e.Message.Contains("never closed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("disable_dns_failover = yes\n", true)]
    [InlineData("disable_dns_failover = 0\n", false)]
    public void Load_DisableDnsFailover_CoreParameter(string line, bool expected)
    {
        var (config, errors) = ConfigLoader.Load("d.cfg", "socket = udp:127.0.0.1:5060\n" + line);
        Assert.Empty(errors);
        Assert.Equal(expected, config.DisableDnsFailover);
    }
}
