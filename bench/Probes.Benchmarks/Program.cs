using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace Probes.Benchmarks;

/// <summary>
/// Entry point. Arguments are BenchmarkDotNet's own (<c>--filter '*Disabled*'</c>,
/// <c>--artifacts DIR</c>, <c>--disasm</c>, <c>--job short</c>, ...). Without a <c>--job</c>
/// the <see cref="QuickJob"/> is used, so a whole run stays within a few minutes on 2 cores.
/// <c>--cputime [--out DIR]</c> (first argument) runs <see cref="CpuTimeRun"/> instead.
/// </summary>
public static class Program
{
    /// <summary>
    /// Few, short iterations: the numbers compared here differ by orders of magnitude
    /// (0 ns vs ~1 µs), so more iterations would buy precision nobody reads.
    /// </summary>
    public static Job QuickJob { get; } = Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(5)
        .WithIterationCount(15)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithId("Quick");

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--cputime")
        {
            // Not BenchmarkDotNet: see CpuTimeRun for why this exists.
            try
            {
                return CpuTimeRun.Run(args.Length > 2 && args[1] == "--out" ? args[2] : "BenchmarkDotNet.Artifacts/results");
            }
            catch (InvalidOperationException e)
            {
                // Expected refusals (not root, bpftrace missing, probes not traced): one message, no stack.
                Console.Error.WriteLine($"Probes.Benchmarks --cputime: {e.Message}");
                return 1;
            }
        }

        IConfig config = DefaultConfig.Instance
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Nanosecond));
        // A --job on the command line replaces ours instead of running both.
        if (!args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal)))
        {
            config = config.AddJob(QuickJob);
        }

        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
        int missing = 0;
        foreach (Summary summary in summaries)
        {
            missing += ResultTable.Write(summary);
        }
        // Non-zero when a benchmark refused to measure (tracer not attached, shim not loaded),
        // so run.sh cannot print a table with a silently missing row.
        return summaries.Length == 0 || missing > 0 ? 1 : 0;
    }
}
