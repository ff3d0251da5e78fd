using Parley.Management.Mi;

namespace Parley.Management.Tests.Mi;

/// <summary>The OpenSIPS 3.6.8 error captures, replayed from MANIFEST.tsv and compared byte for byte.</summary>
public sealed class JsonRpcDispatcherGoldenTests
{
    private static readonly string GoldenDir = Path.Combine(AppContext.BaseDirectory, "Mi", "Golden");

    public static TheoryData<string> GoldenCases() =>
    [
        "error_unknown_command",
        "error_bad_param_name",
        "error_bad_param_positional",
        "error_bad_param_unknown_profile",
        "error_missing_param",
        "error_bad_param_stats_type",
        "error_parse_error",
        "error_no_method",
        "notification_no_id",
        "dlg_list_callid_unknown",
    ];

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void HandleAsync_GoldenRequest_MatchesOpenSipsResponse(string name)
    {
        var (expectedStatus, request) = ReadManifest(name);
        string expected = File.ReadAllText(Path.Combine(GoldenDir, name + ".json")).TrimEnd('\n', '\r');

        var (status, body) = MiTestSupport.Run(MiTestSupport.FakeRegistry(), request);

        Assert.Equal(expectedStatus, status);
        if (expected.Length == 0)
        {
            Assert.Null(body);
        }
        else
        {
            Assert.Equal(expected, body);
        }
    }

    [Fact]
    public void HandleAsync_WhichAgainstGoldenCommandSet_MatchesShape()
    {
        // Register every command name OpenSIPS listed, in its order: `which` must list them the same way.
        string expected = File.ReadAllText(Path.Combine(GoldenDir, "which.json")).TrimEnd('\n', '\r');
        var names = System.Text.Json.Nodes.JsonNode.Parse(expected)!["result"]!.AsArray();
        var registry = new MiCommandRegistry();
        foreach (var n in names)
        {
            string cmd = n!.GetValue<string>();
            if (cmd == "which")
            {
                registry.Register(new MiCommand("which", null, [new MiRecipe()], _ =>
                {
                    var arr = new System.Text.Json.Nodes.JsonArray();
                    foreach (var c in registry.Commands)
                    {
                        arr.Add(c.Name);
                    }

                    return MiResult.Success(arr);
                }));
            }
            else
            {
                registry.Register(new MiCommand(cmd, null, [new MiRecipe()], _ => MiResult.Ok()));
            }
        }

        var (status, body) = MiTestSupport.Run(registry, """{"jsonrpc":"2.0","method":"which","id":1}""");

        Assert.Equal(200, status);
        Assert.Equal(expected, body);
    }

    private static (int Status, string Request) ReadManifest(string name)
    {
        foreach (var line in File.ReadAllLines(Path.Combine(GoldenDir, "MANIFEST.tsv")))
        {
            var parts = line.Split('\t', 3);
            if (parts.Length == 3 && parts[0] == name)
            {
                return (int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2]);
            }
        }

        throw new InvalidOperationException("not in MANIFEST: " + name);
    }
}
