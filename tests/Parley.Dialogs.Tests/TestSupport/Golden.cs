using System.Text.Json.Nodes;

namespace Parley.Dialogs.Tests.TestSupport;

/// <summary>The OpenSIPS 3.6.8 captures copied from /work/shared/golden/opensips-mi, and a JSON shape comparison.</summary>
internal static class Golden
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Golden");

    public static JsonNode Load(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")))!;

    /// <summary>The request body MANIFEST.tsv recorded for a capture.</summary>
    public static string Request(string name)
    {
        foreach (var line in File.ReadAllLines(Path.Combine(Directory, "MANIFEST.tsv")))
        {
            var parts = line.Split('\t');
            if (parts[0] == name)
            {
                return parts[2];
            }
        }

        throw new InvalidOperationException("no MANIFEST entry " + name);
    }

    /// <summary>
    /// Same structure: objects with the same members in the same order, arrays of the same length, and at each leaf the
    /// same JSON kind (string, number, boolean, null).
    /// </summary>
    public static void AssertSameShape(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {(expected is null ? "null" : expected.ToJsonString())}, got {(actual is null ? "null" : actual.ToJsonString())}");
            return;
        }

        switch (expected)
        {
            case JsonObject eo:
                var ao = Assert.IsType<JsonObject>(actual);
                var ek = new List<string>();
                foreach (var (k, _) in eo)
                {
                    ek.Add(k);
                }

                var ak = new List<string>();
                foreach (var (k, _) in ao)
                {
                    ak.Add(k);
                }

                Assert.True(ek.SequenceEqual(ak), $"{path}: members [{string.Join(",", ek)}] expected, got [{string.Join(",", ak)}]");
                foreach (var (k, v) in eo)
                {
                    AssertSameShape(v, ao[k], path + "." + k);
                }

                break;
            case JsonArray ea:
                var aa = Assert.IsType<JsonArray>(actual);
                Assert.True(ea.Count == aa.Count, $"{path}: {ea.Count} elements expected, got {aa.Count}");
                for (var i = 0; i < ea.Count; i++)
                {
                    AssertSameShape(ea[i], aa[i], $"{path}[{i}]");
                }

                break;
            default:
                Assert.True(expected.GetValueKind() == actual.GetValueKind(), $"{path}: {expected.GetValueKind()} expected, got {actual.GetValueKind()} ({actual.ToJsonString()})");
                break;
        }
    }
}
