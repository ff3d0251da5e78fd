using System.Text;
using System.Text.Json.Nodes;
using Parley.Management.Mi;

namespace Parley.Management.Tests.Mi;

/// <summary>A registry with fake dialog/profile/statistics commands shaped like OpenSIPS's.</summary>
internal static class MiTestSupport
{
    public static MiCommandRegistry FakeRegistry()
    {
        var registry = new MiCommandRegistry();
        registry.Register(new MiCommand("version", "version", [new MiRecipe()],
            _ => MiResult.Success(new JsonObject { ["Server"] = "Parley test" })));
        registry.Register(new MiCommand("dlg_list", "lists dialogs",
            [
                new MiRecipe(),
                new MiRecipe(MiParam.Str("callid")),
                new MiRecipe(MiParam.Str("callid"), MiParam.Str("from_tag")),
                new MiRecipe(MiParam.Int("index"), MiParam.Int("counter")),
            ],
            r =>
            {
                if (r.Has("callid"))
                {
                    return r.GetString("callid") == "known"
                        ? MiResult.Success(new JsonObject { ["Dialog"] = new JsonObject { ["callid"] = "known" } })
                        : MiResult.Error(404, "No such dialog");
                }

                return MiResult.Success(new JsonObject { ["Dialogs"] = new JsonArray() });
            },
            module: "dialog", namedParamsOnly: true));
        registry.Register(new MiCommand("profile_get_size", null,
            [new MiRecipe(MiParam.Str("profile")), new MiRecipe(MiParam.Str("profile"), MiParam.Str("value"))],
            r => r.GetString("profile") == "caller"
                ? MiResult.Success(new JsonObject { ["Profile"] = new JsonObject { ["name"] = "caller", ["count"] = 3 } })
                : MiResult.Error(404, "Profile not found"),
            module: "dialog"));
        registry.Register(new MiCommand("profile_get_values", null,
            [new MiRecipe(MiParam.Str("profile"))],
            _ => MiResult.Success(new JsonArray()), module: "dialog"));
        registry.Register(new MiCommand("get_statistics", null,
            [new MiRecipe(MiParam.Arr("statistics"))],
            r => MiResult.Success(new JsonObject { ["n"] = r.GetStringArray("statistics").Count }), module: "statistics"));
        return registry;
    }

    public static (int Status, string? Body) Run(JsonRpcDispatcher dispatcher, string request)
    {
        var (status, body) = dispatcher.HandleAsync(Encoding.UTF8.GetBytes(request)).AsTask().GetAwaiter().GetResult();
        return (status, body is null ? null : Encoding.UTF8.GetString(body));
    }

    public static (int Status, string? Body) Run(MiCommandRegistry registry, string request) =>
        Run(new JsonRpcDispatcher(registry), request);
}
