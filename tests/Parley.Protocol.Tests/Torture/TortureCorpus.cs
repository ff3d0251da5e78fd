namespace Parley.Protocol.Tests.Torture;

/// <summary>
/// Finds the RFC 4475 corpus on disk. It lives beside the repository (<c>../shared/testdata/rfc4475</c> from the repo root),
/// so the search walks up from the test binaries and accepts <c>&lt;dir&gt;/shared/...</c> or <c>&lt;dir&gt;/../shared/...</c>.
/// A missing corpus is an error, never a skip: every test that loads a file fails with the message below.
/// </summary>
internal static class TortureCorpus
{
    private static readonly Lazy<string> Located = new(Locate);

    public static string DirectoryPath => Located.Value;

    public static byte[] Load(string file) => File.ReadAllBytes(Path.Combine(DirectoryPath, file));

    /// <summary>The rows of manifest.tsv (comment and header lines skipped), split on tabs.</summary>
    public static IReadOnlyList<string[]> ManifestRows()
    {
        var rows = new List<string[]>();
        foreach (var line in File.ReadAllLines(Path.Combine(DirectoryPath, "manifest.tsv")))
        {
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("file\t", StringComparison.Ordinal))
            {
                continue;
            }

            rows.Add(line.Split('\t'));
        }

        return rows;
    }

    private static string Locate()
    {
        var searched = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "testdata", "rfc4475"), Path.Combine(dir.FullName, "..", "shared", "testdata", "rfc4475") })
            {
                var full = Path.GetFullPath(candidate);
                if (!searched.Contains(full))
                {
                    searched.Add(full);
                }

                if (File.Exists(Path.Combine(full, "manifest.tsv")))
                {
                    return full;
                }
            }
        }

        throw new DirectoryNotFoundException(
            "RFC 4475 torture corpus not found: expected shared/testdata/rfc4475 (with manifest.tsv) as a sibling of the repository. " +
            "Searched upwards from " + AppContext.BaseDirectory + ": " + string.Join(", ", searched));
    }
}
