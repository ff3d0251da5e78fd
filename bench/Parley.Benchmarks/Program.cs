using BenchmarkDotNet.Running;

if (args is ["dialog-memory", ..])
{
    // A console measurement, not a BenchmarkDotNet job: see DialogMemory.
    return Parley.Benchmarks.DialogMemory.Run(args);
}

if (args is ["dialog-db-cost", ..])
{
    // A console measurement of what persisting a call costs: see DialogDbCost.
    return Parley.Benchmarks.DialogDbCost.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
