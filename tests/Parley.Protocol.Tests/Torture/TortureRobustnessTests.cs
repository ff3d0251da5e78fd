using Parley.Protocol.Tests.Fuzz;

namespace Parley.Protocol.Tests.Torture;

/// <summary>
/// No corpus file, no prefix of one (a short read) and no suffix of one (a stream resynchronising mid-message) makes the
/// parser, validator, header parsers, response writer or editor throw, loop, or hand out a range outside the buffer.
/// </summary>
public class TortureRobustnessTests
{
    public static TheoryData<string> AllFiles => TortureTable.Files(_ => true);

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Exercise_EveryPrefixAndSuffixInBothModes_NeverThrows(string file)
    {
        var bytes = TortureCorpus.Load(file);
        var exerciser = new MessageExerciser();
        for (var n = 0; n <= bytes.Length; n++)
        {
            exerciser.Run(bytes.AsSpan(0, n), $"{file} prefix {n}");
            exerciser.Run(bytes.AsSpan(n), $"{file} suffix from {n}");
        }

        Assert.True(exerciser.FailureCount == 0, exerciser.Report());
        Assert.Equal(4 * (bytes.Length + 1), exerciser.Runs);
    }
}
