using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Parley.Protocol.Tests.Torture;

public class TortureTableTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    [Fact]
    public void Corpus_Located_HasManifestAndDatFiles()
    {
        var dir = TortureCorpus.DirectoryPath;
        Assert.True(File.Exists(Path.Combine(dir, "manifest.tsv")), "manifest.tsv missing in " + dir);
        Assert.NotEmpty(Directory.GetFiles(dir, "*.dat"));
    }

    [Fact]
    public void Table_EveryDatFileOnDisk_HasExactlyOneRow()
    {
        var onDisk = Directory.GetFiles(TortureCorpus.DirectoryPath, "*.dat").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var inTable = TortureTable.Cases.Select(c => c.File).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(onDisk, inTable);
    }

    [Fact]
    public void Table_EveryManifestRow_HasMatchingFileAndClass()
    {
        var rows = TortureCorpus.ManifestRows();
        Assert.Equal(TortureTable.Cases.Count, rows.Count);
        foreach (var row in rows)
        {
            var c = TortureTable.Get(row[0]);
            Assert.True(ManifestClass(row[3]) == c.Class, $"{row[0]}: manifest class {row[3]}, table {c.Class}");
        }
    }

    [Fact]
    public void Table_AnswerRows_HaveCodeAndReasonAndOthersHaveNone()
    {
        foreach (var c in TortureTable.Cases)
        {
            if (c.Action == ProxyAction.Answer)
            {
                Assert.True(c.IsRequest && c.StatusCode >= 400 && c.Reason.Length > 0, c.File);
            }
            else
            {
                Assert.True(c.StatusCode == 0 && c.Reason.Length == 0, c.File);
            }

            Assert.True((c.Action == ProxyAction.Forward) == (c.Error == ParseError.None), c.File + ": only an error-free message is forwarded");
        }
    }

    /// <summary>Every deliberate deviation from the manifest is listed (with its file name) in UNSUPPORTED.md, and nothing else is.</summary>
    [Fact]
    public void Deviations_InTable_AreListedInUnsupportedMd()
    {
        foreach (var c in TortureTable.Cases.Where(c => c.Deviation is not null))
        {
            _output.WriteLine($"{c.File}: {c.Deviation}");
        }

        var md = File.ReadAllText(UnsupportedMdPath());
        var listed = Regex.Matches(md, @"^\| *`([a-z0-9]+\.dat)`", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        var deviating = TortureTable.Cases.Where(c => c.Deviation is not null).Select(c => c.File).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(deviating, listed);
    }

    private static TortureClass ManifestClass(string text) => text switch
    {
        "VALID" => TortureClass.Valid,
        "INVALID" => TortureClass.Invalid,
        "SEMANTIC-TRANSACTION" => TortureClass.SemanticTransaction,
        "SEMANTIC-APP" => TortureClass.SemanticApp,
        "BACKWARD-COMPAT" => TortureClass.BackwardCompat,
        "UNDESCRIBED" => TortureClass.Undescribed,
        _ => throw new InvalidDataException("Unknown manifest class " + text),
    };

    private static string UnsupportedMdPath()
    {
        // Copied next to the test binaries by the project file, so the test reads the same list a reader of the source does.
        var path = Path.Combine(AppContext.BaseDirectory, "Torture", "UNSUPPORTED.md");
        return File.Exists(path) ? path : throw new FileNotFoundException("UNSUPPORTED.md was not copied to the test output", path);
    }
}
