using System.Text.Json.Nodes;
using Parley.Management.Mi;

namespace Parley.Management.Tests.Mi;

public sealed class CoreMiCommandsTests
{
    private sealed class FixedTime(DateTimeOffset now, TimeZoneInfo zone) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => zone;
    }

    private sealed class FakeHost : ICoreMiHost
    {
        public string ServerVersion => "Parley 0.1.0 (x86_64/linux)";

        public DateTimeOffset StartTime { get; } = new(2026, 6, 3, 9, 5, 1, TimeSpan.Zero);

        public TimeProvider Time { get; } = new FixedTime(new DateTimeOffset(2026, 6, 3, 9, 7, 6, TimeSpan.Zero),
            TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2"));

        public List<MiProcessInfo> Procs { get; } =
        [
            new(0, 100, "attendant", 3),
            new(1, 101, "UDP receiver udp:127.0.0.1:5060", 3),
        ];

        public IReadOnlyList<MiProcessInfo> Processes => Procs;

        public string WorkingDirectory => "/var/run/parley";

        public IReadOnlyList<string> CommandLineArgs => ["parley", "-f", "parley.cfg"];

        public int? GlobalLevel { get; private set; }

        public void SetGlobalLogLevel(int level) => GlobalLevel = level;

        public bool TrySetProcessLogLevel(int pid, int level)
        {
            int i = Procs.FindIndex(p => p.Pid == pid);
            if (i < 0)
            {
                return false;
            }

            Procs[i] = Procs[i] with { LogLevel = level };
            return true;
        }
    }

    private static (FakeHost Host, MiCommandRegistry Registry) Setup()
    {
        var host = new FakeHost();
        var registry = new MiCommandRegistry();
        registry.Register(new MiCommand("dlg_list", "lists dialogs", [new MiRecipe(), new MiRecipe(MiParam.Str("callid"))],
            _ => MiResult.Ok(), module: "dialog"));
        CoreMiCommands.Register(registry, host);
        return (host, registry);
    }

    private static string? Call(MiCommandRegistry registry, string method, string? parameters = null)
    {
        string p = parameters is null ? string.Empty : ",\"params\":" + parameters;
        return MiTestSupport.Run(registry, "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\"" + p + ",\"id\":1}").Body;
    }

    private static string Ok(string result) => "{\"jsonrpc\":\"2.0\",\"result\":" + result + ",\"id\":1}";

    [Fact]
    public void Which_NoParams_ListsAllCommandsInRegistrationOrder()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""["dlg_list","uptime","version","pwd","arg","which","ps","log_level","help","mem_info"]"""), Call(registry, "which"));
    }

    [Fact]
    public void Which_Command_ListsItsRecipes()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""[[],["callid"]]"""), Call(registry, "which", """{"command":"dlg_list"}"""));
        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":404,"message":"unknown MI command"},"id":1}""",
            Call(registry, "which", """{"command":"nope"}"""));
    }

    [Fact]
    public void Version_Always_ReturnsServerObject()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""{"Server":"Parley 0.1.0 (x86_64/linux)"}"""), Call(registry, "version"));
    }

    [Fact]
    public void Uptime_FixedClock_CtimeLocalStringsAndSeconds()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""{"Now":"Wed Jun  3 11:07:06 2026","Up since":"Wed Jun  3 11:05:01 2026","Up time":"125 [sec]"}"""),
            Call(registry, "uptime"));
    }

    [Fact]
    public void Ps_TwoProcesses_ListsIdPidType()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""{"Processes":[{"ID":0,"PID":100,"Type":"attendant"},{"ID":1,"PID":101,"Type":"UDP receiver udp:127.0.0.1:5060"}]}"""),
            Call(registry, "ps"));
    }

    [Fact]
    public void Pwd_Always_ReturnsWd()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""{"WD":"/var/run/parley"}"""), Call(registry, "pwd"));
    }

    [Fact]
    public void Arg_Always_ReturnsArgumentArray()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""["parley","-f","parley.cfg"]"""), Call(registry, "arg"));
    }

    [Fact]
    public void LogLevel_NoParams_ListsPerProcessLevels()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""{"Processes":[{"PID":100,"Log level":3,"Type":"attendant"},{"PID":101,"Log level":3,"Type":"UDP receiver udp:127.0.0.1:5060"}]}"""),
            Call(registry, "log_level"));
    }

    [Fact]
    public void LogLevel_Level_SetsGlobal()
    {
        var (host, registry) = Setup();

        Assert.Equal(Ok("""{"New global log level":4}"""), Call(registry, "log_level", """{"level":4}"""));
        Assert.Equal(4, host.GlobalLevel);
    }

    [Fact]
    public void LogLevel_LevelAndPid_SetsThatProcess()
    {
        var (host, registry) = Setup();

        Assert.Equal(Ok("""{"Log level":1}"""), Call(registry, "log_level", """{"level":"1","pid":101}"""));
        Assert.Equal(1, host.Procs[1].LogLevel);
        Assert.Null(host.GlobalLevel);
    }

    [Fact]
    public void LogLevel_UnknownPid_InvalidParamsBadPid()
    {
        var (_, registry) = Setup();

        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad PID"},"id":1}""",
            Call(registry, "log_level", "[2,999]"));
    }

    [Fact]
    public void Help_NoParams_Usage()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("\"Usage: help mi_cmd - returns information about 'mi_cmd'\""), Call(registry, "help"));
    }

    [Fact]
    public void Help_Command_HelpAndModule()
    {
        var (_, registry) = Setup();

        Assert.Equal(Ok("""{"Help":"lists dialogs","Exported by":"dialog"}"""), Call(registry, "help", """{"mi_cmd":"dlg_list"}"""));
        Assert.Equal(Ok("""{"Help":"lists all available MI commands","Exported by":"core"}"""), Call(registry, "help", """["which"]"""));
        Assert.Equal("""{"jsonrpc":"2.0","error":{"code":404,"message":"unknown MI command"},"id":1}""",
            Call(registry, "help", """{"mi_cmd":"nope"}"""));
    }

    [Fact]
    public void MemInfo_Always_NumericFiguresInShmemOrder()
    {
        var (_, registry) = Setup();

        var result = JsonNode.Parse(Call(registry, "mem_info")!)!["result"]!.AsObject();

        string[] expected = ["total_size", "used_size", "real_used_size", "free_size", "fragments", "gc_gen0", "gc_gen1", "gc_gen2"];
        int i = 0;
        foreach (var (key, value) in result)
        {
            Assert.Equal(expected[i++], key);
            Assert.True(value!.GetValue<long>() >= 0);
        }

        Assert.Equal(expected.Length, i);
    }

    [Fact]
    public void FormatCtime_TwoDigitDay_NoPadding()
    {
        Assert.Equal("Sun Nov 22 16:59:04 2026", CoreMiCommands.FormatCtime(new DateTimeOffset(2026, 11, 22, 16, 59, 4, TimeSpan.Zero)));
    }
}
