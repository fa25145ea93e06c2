namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>
/// Closes many uprobe attachments at once. Each close waits in the kernel for RCU grace periods
/// (the uprobes' handlers may still be running): about 20 ms for a uprobe_multi link here, and
/// a waiting close holds no lock, so closes made from several threads wait for the same grace
/// periods (measured: 100 links, 2.2 s from one thread, 0.1 s from 64). A perf uprobe's close
/// waits while holding the kernel's trace event_mutex, so perf closes queue up whatever the
/// thread count (100 perf uprobes: 4.9 s from one thread, 4.1 s from 64): threads cannot fix
/// that, only fewer perf events can.
/// </summary>
public static class ParallelDetach
{
    /// <summary>At most this many closing threads; more did not help on a 2-CPU machine.</summary>
    public const int MaxThreads = 64;

    /// <summary>Below this many, one thread: creating threads would cost more than it saves.</summary>
    public const int Threshold = 4;

    public static void DisposeAll(IReadOnlyList<IDisposable> attachments)
    {
        if (attachments.Count < Threshold)
        {
            foreach (IDisposable attachment in attachments)
            {
                attachment.Dispose();
            }
            return;
        }
        int threads = Math.Min(MaxThreads, attachments.Count);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int first = t;
            // Small stacks: each thread only makes close() calls.
            workers[t] = new Thread(() =>
            {
                for (int i = first; i < attachments.Count; i += threads)
                {
                    attachments[i].Dispose();
                }
            }, maxStackSize: 256 * 1024)
            {
                IsBackground = true,
                Name = "probes detach",
            };
            workers[t].Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
    }
}
