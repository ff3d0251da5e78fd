using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Dialogs;
using Parley.Dialogs.Core;
using Parley.Dialogs.Persistence;
using Parley.Dialogs.Profiles;
using Parley.Management.Statistics;
using Parley.Persistence;

namespace Parley.Benchmarks;

/// <summary>
/// What persisting one call costs the dialog db writer, split into its parts (issue 7's goal: db_mode 2 costs at most
/// 10 % of the call rate): building the rows from the in-memory dialogs (under their bucket locks, as the writer does),
/// the SQLite INSERTs of confirmed dialogs in batches of 512 (one transaction each, as db_mode 1 and 2 write them), and the
/// batched DELETEs (timer_bulk_del_no 1, the default: one statement per row). Dialogs are the ones
/// <see cref="DialogMemory"/> builds (two legs with Contacts, route sets and SDPs, a profile value); values and profiles
/// are written (db_flush_vals_profiles 1, as examples/dialog.cfg has it).
/// Run: <c>dotnet run -c Release --project bench/Parley.Benchmarks -- dialog-db-cost [count] [rounds] [batch]</c> (batch 512:
/// db_mode 2's period flush; about 60: db_mode 1's 20 ms windows at 3 000 calls/s).
/// Prints microseconds of elapsed and of process CPU time per dialog for each part, best of the rounds.
/// </summary>
public static class DialogDbCost
{
    private static int _batch = 512;

    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        _batch = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 512;
        var directory = Path.Combine(Path.GetTempPath(), "parley-db-cost-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        try
        {
            RunAsync(count, rounds, Path.Combine(directory, "dialogs.db")).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    private static async Task RunAsync(int count, int rounds, string file)
    {
        var options = new DialogOptions();
        var profiles = new ProfileRegistry();
        profiles.Define("caller", hasValue: true, options.LogProfileHashSize);
        using var statistics = new StatisticsRegistry();
        using var manager = new DialogManager(options, profiles, statistics, null, TimeProvider.System, NullLogger.Instance, new Random(1));
        var dialogs = Build(manager, profiles.Find("caller")!, options, count);

        await using var store = new DialogStoreFactory().Open("sqlite://" + file, DialogTableSchema.Default);
        await store.CreateSchemaAsync(CancellationToken.None);

        var build = new Best();
        var insert = new Best();
        var delete = new Best();
        var rows = new DialogWrite[count];
        for (var round = 0; round < rounds; round++)
        {
            var mark = Mark.Now();
            for (var i = 0; i < count; i++)
            {
                var d = dialogs[i];
                lock (d.Bucket.Gate)
                {
                    rows[i] = new DialogWrite(DialogWriteKind.Insert, d.DbId, manager.BuildRowLocked(d, withValues: true));
                }
            }

            build.Add(mark, count);

            mark = Mark.Now();
            await WriteInBatches(store, rows, i => rows[i]).ConfigureAwait(false);
            insert.Add(mark, count);

            mark = Mark.Now();
            await WriteInBatches(store, rows, i => new DialogWrite(DialogWriteKind.Delete, rows[i].DialogId, null)).ConfigureAwait(false);
            delete.Add(mark, count);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dialogs={count} rounds={rounds} batch={_batch} per dialog (best round): build_row {build} insert {insert} delete {delete} total_cpu_us={build.CpuMicros + insert.CpuMicros + delete.CpuMicros:F1}"));
    }

    private static async Task WriteInBatches(IDialogStore store, DialogWrite[] rows, Func<int, DialogWrite> make)
    {
        var batch = new List<DialogWrite>(_batch);
        for (var i = 0; i < rows.Length; i++)
        {
            batch.Add(make(i));
            if (batch.Count == _batch || i == rows.Length - 1)
            {
                await store.WriteAsync(batch, deleteBatchSize: 1, CancellationToken.None).ConfigureAwait(false);
                batch.Clear();
            }
        }
    }

    private static Dialog[] Build(DialogManager manager, DialogProfile caller, DialogOptions options, int count)
    {
        var random = new Random(2);
        var dialogs = new Dialog[count];
        for (var i = 0; i < count; i++)
        {
            var dialog = DialogMemory.AddConfirmed(manager, options, caller, DialogMemory.MakeStrings(i, random));
            dialogs[i] = dialog;
        }

        return dialogs;
    }

    private readonly record struct Mark(long Ticks, TimeSpan Cpu)
    {
        public static Mark Now() => new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime);
    }

    private sealed class Best
    {
        public double WallMicros { get; private set; } = double.MaxValue;

        public double CpuMicros { get; private set; } = double.MaxValue;

        public void Add(Mark start, int count)
        {
            var wall = Stopwatch.GetElapsedTime(start.Ticks).TotalMicroseconds / count;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - start.Cpu).TotalMicroseconds / count;
            WallMicros = Math.Min(WallMicros, wall);
            CpuMicros = Math.Min(CpuMicros, cpu);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"wall_us={WallMicros:F2} cpu_us={CpuMicros:F2}");
    }
}
