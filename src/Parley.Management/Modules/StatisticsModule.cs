using Parley.Management.Statistics;
using Parley.Scripting.Runtime;

namespace Parley.Management.Modules;

/// <summary>
/// OpenSIPS's <c>statistics</c> module: statistics the script declares (<c>modparam("statistics", "variable",
/// "name[/no_reset]")</c>, names may be <c>group:name</c> for groups listed in <c>stat_groups</c>; the default group
/// is <c>dynamic</c>), <c>update_stat(name, value)</c> (creates the statistic when missing), <c>reset_stat(name)</c>,
/// and <c>$stat(name)</c> (read any statistic, core and modules' included; writing 0 resets it). Script statistics are
/// ordinary registry entries, so MI and <c>/metrics</c> show them too.
/// </summary>
public sealed class StatisticsModule(StatisticsRegistry statistics) : ScriptModule
{
    /// <summary>The group of statistics named without one.</summary>
    public const string DefaultGroup = "dynamic";

    private readonly HashSet<string> _groups = new(StringComparer.Ordinal) { DefaultGroup };

    public override string Name => "statistics";

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.CheckedString("variable", Declare, multi: true),
        ModuleParameter.CheckedString("stat_groups", groups =>
        {
            foreach (var group in groups.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                _groups.Add(group);
            }

            return null;
        }, multi: true),
    ];

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddFunction(new ScriptFunctionDefinition("update_stat", 2, 2, RouteMask.All, BindUpdate) { Module = Name });
        registry.AddFunction(new ScriptFunctionDefinition("reset_stat", 1, 1, RouteMask.All, BindReset) { Module = Name });
        registry.AddPseudoVariable("stat", BindStat);
    }

    /// <summary>Adds <paramref name="delta"/> to a statistic, creating it when missing; false when the name is unusable.</summary>
    public bool Update(string name, long delta)
    {
        var stat = statistics.Find(name) ?? Create(name);
        if (stat is null || stat.IsFunction)
        {
            return false;
        }

        stat.Increment(delta);
        return true;
    }

    /// <summary>Resets a statistic; false when it does not exist or cannot be reset.</summary>
    public bool Reset(string name) => statistics.Find(name) is { } stat && stat.TryReset();

    private Statistic? Create(string name)
    {
        if (!TrySplit(name, out var group, out var stat))
        {
            return null;
        }

        try
        {
            return statistics.GetOrRegister(group, stat, description: "script statistic");
        }
        catch (ArgumentException)
        {
            return null; // a name the registry refuses (bad characters)
        }
    }

    private string? Declare(string spec)
    {
        var name = spec;
        var resettable = true;
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var flag = spec[(slash + 1)..];
            if (flag != "no_reset")
            {
                return $"unknown statistic flag '{flag}' in '{spec}' (only 'no_reset' exists)";
            }

            name = spec[..slash];
            resettable = false;
        }

        if (!TrySplit(name, out var group, out var stat))
        {
            return $"statistic '{name}' names group '{GroupOf(name)}', which is not declared in modparam(\"statistics\", \"stat_groups\", …)";
        }

        try
        {
            statistics.GetOrRegister(group, stat, resettable, "script statistic");
            return null;
        }
        catch (ArgumentException e)
        {
            return $"bad statistic name '{name}': {e.Message}";
        }
    }

    private static string GroupOf(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? DefaultGroup : name[..colon];
    }

    private bool TrySplit(string name, out string group, out string stat)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        group = colon < 0 ? DefaultGroup : name[..colon];
        stat = colon < 0 ? name : name[(colon + 1)..];
        return stat.Length > 0 && _groups.Contains(group);
    }

    private ScriptFunctionBody? BindUpdate(FunctionBinder b)
    {
        var name = b.Argument(0);
        var value = b.Argument(1);
        if (name is null || value is null)
        {
            return null;
        }

        if (value.IsConstant && !value.Constant.TryGetInt(out _) && !TryParseDelta(value.Constant.AsString(), out _))
        {
            b.Error(1, $"update_stat() value must be a number such as 1, \"+1\" or \"-1\", not '{value.Constant.AsString()}'");
            return null;
        }

        // A constant name is looked up (or created) once, on first use: update_stat runs per message, and the
        // registry's lookup takes a lock the workers would contend on.
        Statistic? cached = null;
        return context =>
        {
            var v = value.Evaluate(context);
            if (!v.TryGetInt(out var delta) && !TryParseDelta(v.AsString(), out delta))
            {
                return -1;
            }

            if (!name.IsConstant)
            {
                return Update(name.Evaluate(context).AsString(), delta) ? 1 : -1;
            }

            if (cached is null)
            {
                var stat = statistics.Find(name.Constant.AsString()) ?? Create(name.Constant.AsString());
                if (stat is null || stat.IsFunction)
                {
                    return -1;
                }

                cached = stat;
            }

            cached.Increment(delta);
            return 1;
        };
    }

    private ScriptFunctionBody? BindReset(FunctionBinder b)
    {
        var name = b.Argument(0);
        return name is null ? null : context => Reset(name.Evaluate(context).AsString()) ? 1 : -1;
    }

    private static bool TryParseDelta(string text, out long delta) =>
        long.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out delta);

    private PvAccessor? BindStat(PvBindRequest request)
    {
        if (string.IsNullOrEmpty(request.Argument))
        {
            request.Error($"{request.Text}: $stat needs a statistic name, e.g. $stat(rcv_requests) or $stat(core:rcv_requests)");
            return null;
        }

        var name = request.Argument;

        // Statistics of modules may be registered after this binds (and update_stat creates them at run time), so
        // look the name up until it is found, then keep it: statistics are never unregistered.
        Statistic? found = null;
        Statistic? Resolve() => found ??= statistics.Find(name);

        return new PvAccessor(request.Text,
            _ => Resolve() is { } stat ? ScriptValue.FromInt(stat.Value) : ScriptValue.Null,
            (context, value) =>
            {
                // OpenSIPS: a statistic can only be reset through $stat, by assigning 0.
                if (value.TryGetInt(out var n) && n == 0 && Resolve() is { } stat)
                {
                    stat.TryReset();
                }
            });
    }
}
