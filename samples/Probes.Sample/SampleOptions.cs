using System.Globalization;

namespace Probes.Sample;

/// <summary>Command-line switches of the sample service; kept tiny on purpose (no parser dependency).</summary>
internal sealed record SampleOptions(int Requests, int IntervalMs, double WaitForTracerSeconds, bool SelfReport, double LoadSeconds = 0, int LoadThreads = 2, int SettleMs = 0, bool FetchChildren = false, string? OtlpEndpoint = null)
{
    public const string Usage =
        "usage: Probes.Sample [--requests N] [--interval-ms MS] [--wait-for-tracer SECONDS [--settle-ms MS]] [--self-report] [--fetch-children] [--load SECONDS [--load-threads N]] [--otlp-endpoint URL]";

    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions(Requests: 5, IntervalMs: 50, WaitForTracerSeconds: 0, SelfReport: false);
        for (int i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--requests" => options with { Requests = ParseInt(args, ++i) },
                "--interval-ms" => options with { IntervalMs = ParseInt(args, ++i) },
                "--wait-for-tracer" => options with { WaitForTracerSeconds = ParseDouble(args, ++i) },
                "--settle-ms" => options with { SettleMs = ParseInt(args, ++i) },
                "--self-report" => options with { SelfReport = true },
                "--fetch-children" => options with { FetchChildren = true },
                "--load" => options with { LoadSeconds = ParseDouble(args, ++i) },
                "--load-threads" => options with { LoadThreads = ParseInt(args, ++i) },
                "--otlp-endpoint" => options with { OtlpEndpoint = ++i < args.Length ? args[i] : throw new ArgumentException("'--otlp-endpoint' needs a URL") },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'"),
            };
        }
        return options;
    }

    private static int ParseInt(string[] args, int i) =>
        i < args.Length && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"'{args[i - 1]}' needs a whole number");

    private static double ParseDouble(string[] args, int i) =>
        i < args.Length && double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new ArgumentException($"'{args[i - 1]}' needs a number of seconds");
}
