using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Management.Events;
using Parley.Management.Modules;
using Parley.Protocol;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Management.Tests.Modules;

/// <summary>The management modules through the real compiler: statistics, mi_script, raise_event, httpd/mi_http parameters.</summary>
public sealed class ManagementScriptTests : IAsyncLifetime
{
    private readonly ManagementServices _services = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private CompileResult Compile(string text)
    {
        var catalog = new ModuleCatalog();
        ManagementModules.AddTo(catalog, _services);
        return ScriptCompiler.CompileText(text, "m.cfg", catalog);
    }

    private ScriptPipeline RunStartup(string text)
    {
        var result = Compile(text);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var pipeline = new ScriptPipeline(result.Script!, new ProxyHost([], new NoSender(), NullLoggerFactory.Instance));
        pipeline.RunStartup();
        return pipeline;
    }

    [Fact]
    public void UpdateStat_DeclaredAndDynamic_CountedAndReadByStatPv()
    {
        var pipeline = RunStartup("""
            loadmodule "statistics.so"
            modparam("statistics", "stat_groups", "calls")
            modparam("statistics", "variable", "calls:active/no_reset")
            startup_route {
                update_stat("calls:active", "+3");
                update_stat("calls:active", -1);
                update_stat("registrations", 5);
                $var(active) = $stat(calls:active);
                $var(missing) = $stat(nosuch);
                reset_stat("registrations");
                $var(reset_noreset) = reset_stat("calls:active");
            }
            """);

        Assert.Equal(2, _services.Statistics.Find("calls:active")!.Value);
        Assert.Equal(0, _services.Statistics.Find("dynamic:registrations")!.Value);
        Assert.Equal(2, Var(pipeline, "active").AsInt());
        Assert.True(Var(pipeline, "missing").IsNull);
        Assert.Equal(-1, Var(pipeline, "reset_noreset").AsInt());
        Assert.False(_services.Statistics.Find("calls:active")!.IsIncremental);
    }

    [Fact]
    public void StatPv_WriteZero_Resets()
    {
        RunStartup("""
            loadmodule "statistics.so"
            startup_route {
                update_stat("hits", 7);
                $stat(hits) = 0;
            }
            """);
        Assert.Equal(0, _services.Statistics.Find("hits")!.Value);
    }

    [Theory]
    [InlineData("modparam(\"statistics\", \"variable\", \"nogroup:x\")", "nogroup")]
    [InlineData("modparam(\"statistics\", \"variable\", \"x/forever\")", "no_reset")]
    [InlineData("startup_route { update_stat(\"x\", \"lots\"); }", "update_stat() value must be a number")]
    [InlineData("startup_route { $var(x) = $stat(); }", "$stat needs a statistic name")]
    public void Statistics_BadUse_RefusedWithMessage(string line, string expected)
    {
        var result = Compile("loadmodule \"statistics.so\"\n" + line + "\n");
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Mi_CommandTextAndAvpParameters_RunThroughRegistry()
    {
        _services.Statistics.Register("t", "x", Parley.Management.Statistics.StatisticKind.Counter).Increment(4);
        var pipeline = RunStartup("""
            loadmodule "mi_script.so"
            startup_route {
                mi("get_statistics t:x", $var(text));
                $avp(p) = "t:x";
                mi("get_statistics", $var(positional), $avp(p));
                $avp(n) = "statistics";
                $avp(v) = "t:";
                mi("list_statistics", $var(named), $avp(n), $avp(v));
                $var(rc) = mi("no_such_command", $var(err));
                mi("reset_statistics t:x");
            }
            """);

        Assert.Equal("{\"t:x\":4}", Var(pipeline, "text").AsString());
        Assert.Equal(-1, Var(pipeline, "rc").AsInt());
        Assert.Equal("Method not found", Var(pipeline, "err").AsString());
        Assert.Equal(0, _services.Statistics.Find("t:x")!.Value);
    }

    [Fact]
    public void ParseCommandText_SplitsPositionalParameters()
    {
        var (command, parameters) = MiScriptModule.ParseCommandText("  log_level  4 1234 ");
        Assert.Equal("log_level", command);
        Assert.Equal("[\"4\",\"1234\"]", parameters!.ToJsonString());
        Assert.Null(MiScriptModule.ParseCommandText("which").Parameters);
    }

    [Fact]
    public async Task RaiseEvent_NamedAvps_ReachScriptSinkWithAttributes()
    {
        var received = new TaskCompletionSource<RaisedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        _services.Events.ScriptSink = e => received.TrySetResult(e);
        _services.Events.Start();
        RunStartup("""
            startup_route {
                $avp(names) = "user";
                $avp(vals) = "alice";
                $avp(names) = "n";
                $avp(vals) = 7;
                raise_event("E_TEST_SCRIPT", $avp(names), $avp(vals));
            }
            """);

        var raised = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("E_TEST_SCRIPT", raised.Name);
        Assert.Equal(2, raised.Parameters.Count);
        Assert.Equal("user", raised.Parameters[0].Name);
        Assert.Equal("alice", raised.Parameters[0].Value!.GetValue<string>());
        Assert.Equal(7, raised.Parameters[1].Value!.GetValue<long>());
        Assert.True(_services.Events.IsPublished("E_TEST_SCRIPT"));
    }

    [Fact]
    public void RaiseEvent_UnknownDynamicName_ReturnsFalse()
    {
        var pipeline = RunStartup("""
            startup_route {
                $var(e) = "E_NEVER_PUBLISHED";
                $var(rc) = raise_event($var(e));
            }
            """);
        Assert.Equal(-1, Var(pipeline, "rc").AsInt());
    }

    [Fact]
    public void HttpModules_Parameters_Applied()
    {
        var result = Compile("""
            loadmodule "httpd.so"
            loadmodule "mi_http.so"
            loadmodule "prometheus.so"
            modparam("httpd", "ip", "::1")
            modparam("httpd", "port", 9999)
            modparam("mi_http", "root", "/json/")
            modparam("prometheus", "root", "prom")
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.True(_services.Http.Enabled);
        Assert.Equal("::1", _services.Http.Ip);
        Assert.Equal(9999, _services.Http.Port);
        Assert.Equal("json", _services.Http.MiRoot);
        Assert.Equal("prom", _services.Http.MetricsRoot);
    }

    [Theory]
    [InlineData("loadmodule \"httpd.so\"\nmodparam(\"httpd\", \"ip\", \"my-host\")", "not an IP address")]
    [InlineData("loadmodule \"httpd.so\"\nmodparam(\"httpd\", \"port\", 70000)", "between 0 and 65535")]
    [InlineData("loadmodule \"mi_http.so\"", "httpd")]
    public void HttpModules_BadParameters_Refused(string text, string expected)
    {
        var result = Compile(text);
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void MiHttpWithoutHttpd_HttpNotEnabled_DefaultRootOnlyWhenLoaded()
    {
        var result = Compile("loadmodule \"httpd.so\"\n");
        Assert.True(result.Success);
        Assert.Null(_services.Http.MiRoot);
    }

    private static ScriptValue Var(ScriptPipeline pipeline, string name) =>
        pipeline.Context.GetVar(pipeline.Context.Registry.VariableSlot(name));

    private sealed class NoSender : ISipSender
    {
        public void Send(SipListener? from, SipTransport transport, SipEndPoint destination, byte[] pooledBuffer, int length, long connectionId)
        {
        }
    }
}
