using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace Probes.Benchmarks;

/// <summary>
/// Writes one tab-separated line per benchmark next to BenchmarkDotNet's own reports
/// (<c>results/probes-&lt;Class&gt;.tsv</c>), in nanoseconds and bytes with invariant
/// formatting, so run.sh can build its side-by-side table without parsing a layout meant
/// for humans.
/// </summary>
internal static class ResultTable
{
    public const string Header = "suite\tbenchmark\tmedian_ns\tmean_ns\tstddev_ns\tallocated_bytes";

    /// <summary>Writes the file and returns how many benchmarks produced no result.</summary>
    public static int Write(Summary summary)
    {
        var text = new StringBuilder().AppendLine(Header);
        int missing = 0;
        string? suite = null;
        foreach (BenchmarkReport report in summary.Reports)
        {
            suite ??= report.BenchmarkCase.Descriptor.Type.Name;
            string name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (report.ResultStatistics is not { } stats)
            {
                missing++;
                text.AppendLine(Invariant($"{suite}\t{name}\tfailed\tfailed\tfailed\t-"));
                continue;
            }
            long? allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            text.AppendLine(Invariant(
                $"{suite}\t{name}\t{stats.Median:0.000}\t{stats.Mean:0.000}\t{stats.StandardDeviation:0.000}\t{(allocated is { } b ? b.ToString(CultureInfo.InvariantCulture) : "-")}"));
        }
        if (suite is not null)
        {
            string path = Path.Combine(summary.ResultsDirectoryPath, $"probes-{suite}.tsv");
            File.WriteAllText(path, text.ToString());
            Console.WriteLine($"// probes: results table written to {path}");
        }
        return missing;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
