using BenchmarkDotNet.Running;

if (args is ["dialog-memory", ..])
{
    // A console measurement, not a BenchmarkDotNet job: see DialogMemory.
    return Parley.Benchmarks.DialogMemory.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
