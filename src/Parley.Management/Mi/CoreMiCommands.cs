using System.Globalization;
using System.Text.Json.Nodes;

namespace Parley.Management.Mi;

/// <summary>
/// The OpenSIPS core MI commands Parley implements, with OpenSIPS's output shapes:
/// <list type="bullet">
/// <item><c>which</c> → array of command names; <c>which {command}</c> → array of recipes (arrays of parameter names), 404 "unknown MI command".</item>
/// <item><c>version</c> → <c>{"Server":…}</c>.</item>
/// <item><c>uptime</c> → <c>{"Now":ctime,"Up since":ctime,"Up time":"N [sec]"}</c> (local time, ctime format).</item>
/// <item><c>ps</c> → <c>{"Processes":[{"ID","PID","Type"}…]}</c>.</item>
/// <item><c>pwd</c> → <c>{"WD":…}</c>; <c>arg</c> → array of strings.</item>
/// <item><c>log_level</c> → <c>{"Processes":[{"PID","Log level","Type"}…]}</c>; <c>{level}</c> → <c>{"New global log level":N}</c>;
/// <c>{level,pid}</c> → <c>{"Log level":N}</c> or -32602 "Bad PID".</item>
/// <item><c>help</c> → usage string; <c>help {mi_cmd}</c> → <c>{"Help":…,"Exported by":module}</c>, 404 "unknown MI command".</item>
/// <item><c>mem_info</c> (Parley-specific; OpenSIPS users know these figures from the <c>shmem:</c> statistics group):
/// <c>{"total_size","used_size","real_used_size","free_size","fragments","gc_gen0","gc_gen1","gc_gen2"}</c>
/// taken from the .NET GC: total = committed bytes, used = live allocated bytes, real_used = heap size,
/// free = committed minus heap size, fragments = fragmented bytes (all in bytes), gc_genN = collection counts.
/// No "max_used_size": the GC gives no process-lifetime peak.</item>
/// </list>
/// </summary>
public static class CoreMiCommands
{
    public const string UnknownCommand = "unknown MI command";
    public const string HelpUsage = "Usage: help mi_cmd - returns information about 'mi_cmd'";
    public const string NoHelp = "not available for this command";

    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] MonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Registers the core commands (in OpenSIPS's order) into <paramref name="registry"/>.</summary>
    public static void Register(MiCommandRegistry registry, ICoreMiHost host)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(host);

        registry.Register(new MiCommand("uptime", "prints various time information about Parley - when it started to run, for how long it runs",
            [new MiRecipe()], _ => Uptime(host)));
        registry.Register(new MiCommand("version", "prints the version string of a running Parley",
            [new MiRecipe()], _ => MiResult.Success(new JsonObject { ["Server"] = host.ServerVersion })));
        registry.Register(new MiCommand("pwd", "prints the working directory of Parley",
            [new MiRecipe()], _ => MiResult.Success(new JsonObject { ["WD"] = host.WorkingDirectory })));
        registry.Register(new MiCommand("arg", "returns the full list of arguments used at startup",
            [new MiRecipe()], _ => Args(host)));
        registry.Register(new MiCommand("which", "lists all available MI commands",
            [new MiRecipe(), new MiRecipe(MiParam.Str("command"))], r => Which(registry, r)));
        registry.Register(new MiCommand("ps", "lists all processes used by Parley",
            [new MiRecipe()], _ => Ps(host)));
        registry.Register(new MiCommand("log_level", "gets/sets the per process or global log level in Parley",
            [new MiRecipe(), new MiRecipe(MiParam.Int("level")), new MiRecipe(MiParam.Int("level"), MiParam.Int("pid"))],
            r => LogLevel(host, r)));
        registry.Register(new MiCommand("help", "prints information about MI commands usage",
            [new MiRecipe(), new MiRecipe(MiParam.Str("mi_cmd"))], r => Help(registry, r)));
        registry.Register(new MiCommand("mem_info", "prints memory (managed heap) usage figures of Parley",
            [new MiRecipe()], _ => MemInfo()));
    }

    /// <summary>C's <c>ctime()</c> text without the newline: "Wed Jun  3 09:05:01 2026".</summary>
    public static string FormatCtime(DateTimeOffset local)
    {
        return string.Create(CultureInfo.InvariantCulture,
            $"{DayNames[(int)local.DayOfWeek]} {MonthNames[local.Month - 1]} {local.Day,2} {local.Hour:D2}:{local.Minute:D2}:{local.Second:D2} {local.Year}");
    }

    private static MiResult Uptime(ICoreMiHost host)
    {
        var tz = host.Time.LocalTimeZone;
        var now = host.Time.GetUtcNow();
        long up = (long)(now - host.StartTime).TotalSeconds;
        if (up < 0)
        {
            up = 0;
        }

        return MiResult.Success(new JsonObject
        {
            ["Now"] = FormatCtime(TimeZoneInfo.ConvertTime(now, tz)),
            ["Up since"] = FormatCtime(TimeZoneInfo.ConvertTime(host.StartTime, tz)),
            ["Up time"] = string.Create(CultureInfo.InvariantCulture, $"{up} [sec]"),
        });
    }

    private static MiResult Args(ICoreMiHost host)
    {
        var arr = new JsonArray();
        foreach (var a in host.CommandLineArgs)
        {
            arr.Add(a);
        }

        return MiResult.Success(arr);
    }

    private static MiResult Which(MiCommandRegistry registry, MiRequest request)
    {
        var arr = new JsonArray();
        if (!request.Has("command"))
        {
            foreach (var c in registry.Commands)
            {
                arr.Add(c.Name);
            }

            return MiResult.Success(arr);
        }

        string name = request.GetString("command");
        if (name.EndsWith(':'))
        {
            // "module:" prefix listing (4.x style names).
            foreach (var c in registry.Commands)
            {
                if (c.Name.StartsWith(name, StringComparison.Ordinal))
                {
                    arr.Add(c.Name);
                }
            }

            return arr.Count > 0 ? MiResult.Success(arr) : MiResult.Error(404, UnknownCommand);
        }

        if (!registry.TryGet(name, out var cmd))
        {
            return MiResult.Error(404, UnknownCommand);
        }

        foreach (var recipe in cmd.Recipes)
        {
            var names = new JsonArray();
            foreach (var p in recipe.Parameters)
            {
                names.Add(p.Name);
            }

            arr.Add(names);
        }

        return MiResult.Success(arr);
    }

    private static MiResult Ps(ICoreMiHost host)
    {
        var procs = new JsonArray();
        foreach (var p in host.Processes)
        {
            procs.Add(new JsonObject { ["ID"] = p.Id, ["PID"] = p.Pid, ["Type"] = p.Type });
        }

        return MiResult.Success(new JsonObject { ["Processes"] = procs });
    }

    private static MiResult LogLevel(ICoreMiHost host, MiRequest request)
    {
        if (!request.Has("level"))
        {
            var procs = new JsonArray();
            foreach (var p in host.Processes)
            {
                procs.Add(new JsonObject { ["PID"] = p.Pid, ["Log level"] = p.LogLevel, ["Type"] = p.Type });
            }

            return MiResult.Success(new JsonObject { ["Processes"] = procs });
        }

        int level = request.GetInt("level");
        if (request.Has("pid"))
        {
            return host.TrySetProcessLogLevel(request.GetInt("pid"), level)
                ? MiResult.Success(new JsonObject { ["Log level"] = level })
                : MiResult.InvalidParams("Bad PID");
        }

        host.SetGlobalLogLevel(level);
        return MiResult.Success(new JsonObject { ["New global log level"] = level });
    }

    private static MiResult Help(MiCommandRegistry registry, MiRequest request)
    {
        if (!request.Has("mi_cmd"))
        {
            return MiResult.Success(JsonValue.Create(HelpUsage));
        }

        if (!registry.TryGet(request.GetString("mi_cmd"), out var cmd))
        {
            return MiResult.Error(404, UnknownCommand);
        }

        var obj = new JsonObject { ["Help"] = cmd.Help ?? NoHelp };
        if (cmd.Module.Length > 0)
        {
            obj["Exported by"] = cmd.Module;
        }

        return MiResult.Success(obj);
    }

    private static MiResult MemInfo()
    {
        var gc = GC.GetGCMemoryInfo();
        long used = GC.GetTotalMemory(forceFullCollection: false);

        // The GC's figures describe its last collection; before the first one they are all 0, so the live allocated
        // size stands in for them until then.
        long total = Math.Max(gc.TotalCommittedBytes, used);
        long realUsed = Math.Max(gc.HeapSizeBytes, used);
        long free = total - realUsed;
        return MiResult.Success(new JsonObject
        {
            ["total_size"] = total,
            ["used_size"] = used,
            ["real_used_size"] = realUsed,
            ["free_size"] = free < 0 ? 0 : free,
            ["fragments"] = gc.FragmentedBytes,
            ["gc_gen0"] = GC.CollectionCount(0),
            ["gc_gen1"] = GC.CollectionCount(1),
            ["gc_gen2"] = GC.CollectionCount(2),
        });
    }
}
