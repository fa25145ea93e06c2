using System.Diagnostics;

namespace ElfReaderComparison;

/// <summary>One reader on one file: what it returned (or threw), bytes it allocated, time it took.</summary>
public sealed record Sample(string Outcome, long AllocatedBytes, TimeSpan Elapsed, long? BytesRead = null, Exception? Error = null);

/// <summary>
/// Runs the readers on one file in alternating order (A B C, then C B A, ...) so that a
/// neighbour's load or a warming cache falls on every reader alike, and keeps the median of
/// each. Allocation is what the reading thread allocated (GC.GetAllocatedBytesForCurrentThread),
/// garbage included: that is what a hostile file makes the process pay for.
/// </summary>
public static class Measurement
{
    public static Dictionary<Reader, Sample> Compare(string path, IReadOnlyList<Reader> readers, int rounds)
    {
        var samples = readers.ToDictionary(r => r, _ => new List<Sample>());
        for (int round = 0; round < rounds; round++)
        {
            IEnumerable<Reader> order = round % 2 == 0 ? readers : readers.Reverse();
            foreach (Reader reader in order)
            {
                samples[reader].Add(Once(reader, path));
            }
        }
        return samples.ToDictionary(s => s.Key, s => Median(s.Value));
    }

    public static Sample Once(Reader reader, string path)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        string outcome;
        long? bytesRead = null;
        Exception? error = null;
        try
        {
            ReadResult result = reader.Read(path);
            outcome = $"{result.Notes} notes";
            bytesRead = result.BytesRead;
        }
        catch (Exception e)
        {
            outcome = e.GetType().FullName!;
            error = e;
        }
        clock.Stop();
        return new Sample(outcome, GC.GetAllocatedBytesForCurrentThread() - before, clock.Elapsed, bytesRead, error);
    }

    private static Sample Median(List<Sample> samples)
    {
        long[] bytes = samples.Select(s => s.AllocatedBytes).Order().ToArray();
        TimeSpan[] times = samples.Select(s => s.Elapsed).Order().ToArray();
        string outcome = string.Join(" / ", samples.Select(s => s.Outcome).Distinct());
        return new Sample(outcome, bytes[bytes.Length / 2], times[times.Length / 2], samples[0].BytesRead);
    }
}
