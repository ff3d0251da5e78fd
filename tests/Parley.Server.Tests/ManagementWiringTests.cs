using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management;
using Parley.Management.Statistics;
using Parley.Protocol;
using Parley.Scripting.Runtime;
using Parley.Server.Configuration;
using Parley.Server.Core;

namespace Parley.Server.Tests;

/// <summary>The server's side of management: core counters in the registry, log levels, the MI host, event values, slow messages.</summary>
public sealed class ManagementWiringTests
{
    [Fact]
    public void CoreStatistics_Registered_InOpenSipsOrderAndCounting()
    {
        using var registry = new StatisticsRegistry();
        var core = new CoreStatistics(registry, TimeProvider.System);
        core.RequestReceived();
        core.RequestForwarded();
        core.ReplyDropped();
        core.BadRequest(ParseError.BadRequestUri);
        core.BadReply(ParseError.BadHeaderLine);
        core.SlowMessage();

        var all = registry.Get(["core:"]);
        Assert.Equal(CoreStatisticsNames.FullNames.Count, all.Count);
        for (var i = 0; i < all.Count; i++)
        {
            Assert.Equal(CoreStatisticsNames.FullNames[i], all[i].Key);
        }

        Assert.Equal(1, registry.Find("core:rcv_requests")!.Value);
        Assert.Equal(1, registry.Find("core:fwd_requests")!.Value);
        Assert.Equal(1, registry.Find("core:drop_replies")!.Value);
        Assert.Equal(1, registry.Find("core:err_requests")!.Value);
        Assert.Equal(1, registry.Find("core:err_replies")!.Value);
        Assert.Equal(1, registry.Find("core:bad_URIs_rcvd")!.Value);
        Assert.Equal(1, registry.Find("core:bad_msg_hdr")!.Value);
        Assert.Equal(1, registry.Find("core:slow_messages")!.Value);
    }

    [Theory]
    [InlineData(-3, LogLevel.Information, false)]
    [InlineData(-3, LogLevel.Critical, true)]
    [InlineData(-1, LogLevel.Error, true)]
    [InlineData(1, LogLevel.Information, false)]
    [InlineData(3, LogLevel.Information, true)]
    [InlineData(3, LogLevel.Debug, false)]
    [InlineData(4, LogLevel.Debug, true)]
    public void LogLevelSwitch_OpenSipsLevels_FilterMicrosoftLevels(int level, LogLevel message, bool enabled) =>
        Assert.Equal(enabled, new LogLevelSwitch(level).IsEnabled(message));

    [Fact]
    public void ServerMiHost_LogLevelByPid_OnlyThisProcess()
    {
        var levels = new LogLevelSwitch(3);
        var host = new ServerMiHost(levels, ["parley", "-f", "x.cfg"], TimeProvider.System);
        host.SetRoles(["attendant", "SIP worker 0"]);
        Assert.Equal(2, host.Processes.Count);
        Assert.All(host.Processes, p => Assert.Equal(Environment.ProcessId, p.Pid));
        Assert.False(host.TrySetProcessLogLevel(Environment.ProcessId + 1, 1));
        Assert.True(host.TrySetProcessLogLevel(Environment.ProcessId, 1));
        Assert.Equal(1, levels.Level);
        host.SetGlobalLogLevel(9);
        Assert.Equal(4, levels.Level);
        Assert.StartsWith("Parley (", host.ServerVersion, StringComparison.Ordinal);
    }

    [Fact]
    public void EventRoutes_ToScriptValue_IntsStayInts()
    {
        Assert.Equal(7, EventRoutes.ToScriptValue(JsonValue.Create(7)).AsInt());
        Assert.True(EventRoutes.ToScriptValue(JsonValue.Create(7L)).IsInt);
        Assert.Equal("alice", EventRoutes.ToScriptValue(JsonValue.Create("alice")).AsString());
        Assert.True(EventRoutes.ToScriptValue(null).IsNull);
        Assert.Equal("{\"a\":1}", EventRoutes.ToScriptValue(new JsonObject { ["a"] = 1 }).AsString());
        Assert.True(EventRoutes.ToScriptValue(JsonNode.Parse("12")).IsInt);
    }

    [Fact]
    public void SlowMessageMeter_ThresholdZero_Off_AndLowThresholdCounts()
    {
        using var registry = new StatisticsRegistry();
        var core = new CoreStatistics(registry, TimeProvider.System);
        var message = new SipMessage();
        var bytes = Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: slow-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, SipParser.Parse(bytes, 0, bytes.Length, message, datagram: true).Status);

        var off = new SlowMessageMeter(0, core, NullLogger.Instance);
        Assert.False(off.Enabled);
        off.Stop(off.Start(), message);
        Assert.Equal(0, core.SlowMessages);

        var on = new SlowMessageMeter(1, core, NullLogger.Instance);
        var start = on.Start();
        Thread.Sleep(5);
        on.Stop(start, message);
        Assert.Equal(1, core.SlowMessages);
    }

    [Fact]
    public void ConfigLoader_ManagementModulesAndExecThreshold_Loaded()
    {
        var management = new ManagementServices();
        var loaded = ConfigLoader.Load("m.cfg", """
            socket = udp:127.0.0.1:5060
            exec_msg_threshold = 2000
            loadmodule "httpd.so"
            loadmodule "mi_http.so"
            loadmodule "mi_fifo.so"
            modparam("httpd", "port", 18888)
            modparam("mi_fifo", "fifo_mode", 0600)
            modparam("mi_fifo", "fifo_name", "/tmp/parley_test_fifo")
            route { exit; }
            """, Configuration.Modules.CreateCatalog(management));
        Assert.Empty(loaded.Errors);
        Assert.Equal(2000, loaded.Config.ExecMsgThresholdMicroseconds);
        Assert.True(management.Http.Enabled);
        Assert.Equal(18888, management.Http.Port);
        Assert.Equal("mi", management.Http.MiRoot);
        Assert.Equal(384, management.Fifo!.FifoMode); // 0600 octal
        Assert.Equal("/tmp/parley_test_fifo", management.Fifo.FifoName);
    }

    [Fact]
    public void ConfigLoader_WithoutManagementModules_NothingHosted()
    {
        var management = new ManagementServices();
        var loaded = ConfigLoader.Load("n.cfg", "socket = udp:127.0.0.1:5060\nroute { exit; }\n", Configuration.Modules.CreateCatalog(management));
        Assert.Empty(loaded.Errors);
        Assert.False(management.Http.Enabled);
        Assert.Null(management.Fifo);
        Assert.True(loaded.Script!.Registry.TryGetFunction("raise_event", out _));
    }
}
