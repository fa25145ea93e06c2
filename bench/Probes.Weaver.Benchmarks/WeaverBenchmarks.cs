using BenchmarkDotNet.Attributes;

namespace Probes.Weaver.Benchmarks;

/// <summary>
/// Woven vs unwoven vs manual scope, with no tracer (the production case, which must cost
/// the semaphore read and a branch) and with the semaphores raised (SDK cost when traced,
/// without the uprobe trap itself).
/// </summary>
[MemoryDiagnoser]
public class WeaverBenchmarks
{
    private int _x = 3;

    [Params(false, true)]
    public bool TracerAttached { get; set; }

    [GlobalSetup]
    public void Attach() => Semaphores.Set(TracerAttached);

    [GlobalCleanup]
    public void Detach() => Semaphores.Set(false);

    [Benchmark(Baseline = true)]
    public int Unwoven() => Work.Unwoven(_x++);

    [Benchmark]
    public int Woven() => Work.Woven(_x++);

    [Benchmark]
    public int ManualScope() => Work.Manual(_x++);

    [Benchmark]
    public int UnwovenAsync() => Work.UnwovenAsync(_x++).GetAwaiter().GetResult();

    [Benchmark]
    public int WovenAsync() => Work.WovenAsync(_x++).GetAwaiter().GetResult();

    [Benchmark]
    public int ManualScopeAsync() => Work.ManualAsync(_x++).GetAwaiter().GetResult();
}
