using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Probes.Benchmarks;

/// <summary>
/// A cross-check of the enabled suite that a busy machine cannot inflate: the same
/// benchmark methods, bpftrace attached and verified the same way (<see cref="Enabled.Setup"/>
/// and <see cref="Enabled.Cleanup"/>), timed by this thread's CPU time
/// (CLOCK_THREAD_CPUTIME_ID) next to wall time. The uprobe trap runs in this thread's kernel
/// context, so it is counted; time spent preempted by other work is not. Run with
/// <c>--cputime [--out DIR]</c>; bench/native/usdt_floor reports the C floor the same way.
/// </summary>
internal static partial class CpuTimeRun
{
    private const int ClockThreadCpuTime = 3;
    private const int Iterations = 200_000;
    private const int Rounds = 7;

    public static int Run(string outputDirectory)
    {
        var benchmarks = new Enabled();
        (string Name, Action Op)[] ops =
        [
            (nameof(Enabled.Phase), benchmarks.Phase),
            (nameof(Enabled.PhasePreparedName), benchmarks.PhasePreparedName),
            (nameof(Enabled.ShimPair), benchmarks.ShimPair),
            (nameof(Enabled.Mark), benchmarks.Mark),
        ];

        benchmarks.Setup();
        var text = new StringBuilder().AppendLine("suite\tbenchmark\twall_median_ns\twall_min_ns\tcpu_median_ns\tallocated_bytes");
        try
        {
            foreach ((string name, Action op) in ops)
            {
                // Enough calls, and a pause for the background compiler, to measure Tier1 code.
                for (int warm = 0; warm < 3; warm++)
                {
                    Loop(op, Iterations / 4);
                    Thread.Sleep(100);
                }
                var wall = new double[Rounds];
                var cpu = new double[Rounds];
                long allocated = 0;
                for (int r = 0; r < Rounds; r++)
                {
                    long bytes = GC.GetAllocatedBytesForCurrentThread();
                    long cpuStart = ThreadCpuNanoseconds();
                    long wallStart = Stopwatch.GetTimestamp();
                    Loop(op, Iterations);
                    wall[r] = Stopwatch.GetElapsedTime(wallStart).TotalNanoseconds / Iterations;
                    cpu[r] = (double)(ThreadCpuNanoseconds() - cpuStart) / Iterations;
                    allocated = (GC.GetAllocatedBytesForCurrentThread() - bytes) / Iterations;
                }
                Array.Sort(wall);
                Array.Sort(cpu);
                string line = string.Create(CultureInfo.InvariantCulture,
                    $"CpuTime\t{name}\t{wall[Rounds / 2]:0.0}\t{wall[0]:0.0}\t{cpu[Rounds / 2]:0.0}\t{allocated}");
                Console.WriteLine(line);
                text.AppendLine(line);
            }
        }
        finally
        {
            // Throws when bpftrace did not count every probe: then no file is written.
            benchmarks.Cleanup();
        }

        Directory.CreateDirectory(outputDirectory);
        string path = Path.Combine(outputDirectory, "probes-CpuTime.tsv");
        File.WriteAllText(path, text.ToString());
        Console.WriteLine($"// probes: results table written to {path}");
        return 0;
    }

    // The delegate call costs ~1-2 ns, noise next to a uprobe trap.
    private static void Loop(Action op, int count)
    {
        for (int i = 0; i < count; i++)
        {
            op();
        }
    }

    private static long ThreadCpuNanoseconds()
    {
        if (ClockGetTime(ClockThreadCpuTime, out Timespec ts) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }
        return (ts.Seconds * 1_000_000_000) + ts.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);
}
