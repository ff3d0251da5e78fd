using Parley.Protocol.Tests.Torture;

namespace Parley.Protocol.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzing of the RFC 4475 corpus and the sample messages: 300 000 mutants in four deterministic partitions,
/// each run through <see cref="MessageExerciser"/> as a datagram and as a stream. Bounded by count, not time, so a failure
/// reproduces exactly from its partition and index.
/// </summary>
public class MutationFuzzTests
{
    private const int Partitions = 4;
    private const int MutantsPerPartition = 75_000;

    /// <summary>Every mutant gets the operations; one in this many also has the writers' output re-parsed and is detached.</summary>
    private const int DeepEvery = 4;

    public static TheoryData<int> PartitionNumbers
    {
        get
        {
            var data = new TheoryData<int>();
            for (var p = 0; p < Partitions; p++)
            {
                data.Add(p);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PartitionNumbers))]
    public void Mutants_OfCorpusAndSamples_NeverThrowAndKeepRangesInBuffer(int partition)
    {
        var seeds = Seeds();
        var random = new Random(4475 + partition);
        var mutator = new Mutator(random);
        var exerciser = new MessageExerciser(exerciseStreamFully: false);
        for (var i = 0; i < MutantsPerPartition; i++)
        {
            var (name, bytes) = seeds[random.Next(seeds.Count)];
            exerciser.Run(mutator.Mutate(bytes), $"partition {partition}, mutant {i} of {name}", deep: i % DeepEvery == 0);
        }

        Assert.True(exerciser.FailureCount == 0, exerciser.Report());
        Assert.Equal(2 * MutantsPerPartition, exerciser.Runs);

        // The mutants must reach every outcome, or the fuzzer is not testing what it claims to.
        Assert.True(exerciser.CompleteCount > MutantsPerPartition / 4, $"only {exerciser.CompleteCount} complete parses");
        Assert.True(exerciser.InvalidCount > MutantsPerPartition / 20, $"only {exerciser.InvalidCount} invalid parses");
        Assert.True(exerciser.IncompleteCount > MutantsPerPartition / 20, $"only {exerciser.IncompleteCount} incomplete parses");
    }

    [Fact]
    public void Mutator_SameSeed_ProducesSameMutants()
    {
        var seed = SampleMessages.Bytes(SampleMessages.Invite);
        var a = new Mutator(new Random(7));
        var b = new Mutator(new Random(7));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(a.Mutate(seed), b.Mutate(seed));
        }
    }

    private static List<(string Name, byte[] Bytes)> Seeds()
    {
        var seeds = TortureTable.Cases.Select(c => (c.File, TortureCorpus.Load(c.File))).ToList();
        seeds.Add(("SampleMessages.Invite", SampleMessages.Bytes(SampleMessages.Invite)));
        seeds.Add(("SampleMessages.Ok", SampleMessages.Bytes(SampleMessages.Ok)));
        return seeds;
    }
}
