using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Probes.Consumer.Cli;

/// <summary>
/// Options every verb understands, declared once and attached to the root command recursively,
/// and the numeric options several verbs share. Each value is checked by its own parser, so a
/// value that is not a number, out of range, NaN or infinite is a usage error naming the option
/// and what it accepts (exit 2), never an exception from a later conversion.
/// </summary>
public static class CommonOptions
{
    public const int MinRingBytes = 4096;

    /// <summary>The largest power of two an int holds; the kernel takes ring buffers of that size too.</summary>
    public const int MaxRingBytes = 1 << 30;

    /// <summary>
    /// The duration timer's limit: a CancellationTokenSource counts in 32-bit milliseconds
    /// (2^32 - 2 ms, some 49.7 days). Whole seconds keep the message readable.
    /// </summary>
    public const double MaxDurationSeconds = 4_294_967;

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write results as one JSON document on stdout (numbers as numbers) instead of text lines.",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Explain more: decoded probe arguments and file offsets, and (on stderr) which files were skipped and why.",
        Recursive = true,
    };

    public static Option<TimeSpan?> Duration() => new("--duration", "-d")
    {
        Description = "Stop after this many seconds, counted from the moment every probe is attached (default: until Ctrl-C or SIGTERM).",
        CustomParser = ParseDuration,
    };

    /// <summary><c>--otlp-endpoint</c>: what is exported there is the verb's (<paramref name="what"/>); the standard variables' part of the text is shared.</summary>
    public static Option<string?> OtlpEndpoint(string what) => new("--otlp-endpoint")
    {
        Description = $"Also export over OTLP to this endpoint (an OpenTelemetry Collector): {what} "
            + "OTEL_EXPORTER_OTLP_PROTOCOL and OTEL_EXPORTER_OTLP_HEADERS apply.",
    };

    public static Option<string?> OtlpProtocol() => new("--otlp-protocol")
    {
        Description = "grpc or http/protobuf (default: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf).",
    };

    public static Option<int?> RingSize(string description) => new("--ring-size")
    {
        Description = description,
        CustomParser = ParseRingSize,
    };

    /// <summary>Seconds as a decimal number (1, 0.5, 2e1): finite, above 0, within the timer's range.</summary>
    public static TimeSpan? ParseDuration(ArgumentResult result)
    {
        string text = SingleToken(result);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            || !double.IsFinite(seconds) || seconds <= 0 || seconds > MaxDurationSeconds)
        {
            result.AddError($"--duration must be a number of seconds above 0 and at most {MaxDurationSeconds} (about 49 days), not '{text}'");
            return null;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Bytes in decimal digits: a power of two from 4096 to 1 GiB.</summary>
    public static int? ParseRingSize(ArgumentResult result)
    {
        string text = SingleToken(result);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes)
            || bytes < MinRingBytes || bytes > MaxRingBytes || (bytes & (bytes - 1)) != 0)
        {
            result.AddError($"--ring-size must be a power of two from {MinRingBytes} to {MaxRingBytes} (1 GiB) bytes, in decimal digits, not '{text}'");
            return null;
        }
        return (int)bytes;
    }

    /// <summary>Argument numbers of a probe (repeatable option): decimal digits, from 0.</summary>
    public static int[] ParseArgumentNumbers(ArgumentResult result, string option)
    {
        var numbers = new int[result.Tokens.Count];
        for (int i = 0; i < numbers.Length; i++)
        {
            string text = result.Tokens[i].Value;
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                result.AddError($"{option} takes an argument number (0 for the first argument), not '{text}'");
                return [];
            }
        }
        return numbers;
    }

    /// <summary>A text value that must not be empty (a file name, a container or image name).</summary>
    public static string? ParseNonEmpty(ArgumentResult result, string what) => ParseNonEmptyValues(result, what).FirstOrDefault();

    /// <summary>Text values (repeatable option) none of which may be empty.</summary>
    public static string[] ParseNonEmptyValues(ArgumentResult result, string what)
    {
        string[] values = result.Tokens.Select(token => token.Value).ToArray();
        if (values.Any(value => value.Length == 0))
        {
            result.AddError($"{what} must not be an empty string");
            return [];
        }
        return values;
    }

    private static string SingleToken(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
}
