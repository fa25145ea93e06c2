using System.Diagnostics;

namespace Probes.Sample;

/// <summary>
/// `--load`: several threads run one small woven phase as fast as they can and count it
/// themselves, so a test can hold a tracer's count against the application's own.
/// </summary>
internal static class LoadGenerator
{
    private static long s_sink;

    public static long Run(TimeSpan duration, int threads)
    {
        long total = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            long count = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                for (int i = 0; i < 256; i++)
                {
                    Tick(i);
                    count++;
                }
            }
            Interlocked.Add(ref total, count);
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());
        return total;
    }

    [ProbePhase("Load.Tick")]
    private static void Tick(int value) => Interlocked.Add(ref s_sink, value);
}
