using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Probes.Weaver.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Probes.Weaver.Benchmarks.WeaverBenchmarks).Assembly).Run(args);
