using System.CommandLine.Parsing;
using System.Globalization;

namespace Probes.Consumer.Cli;

/// <summary>
/// A duration with its unit (<c>250us</c>, <c>10ms</c>, <c>1.5s</c>), as <c>--slow</c> takes it.
/// The unit is required: a bare <c>10</c> could mean seconds (<c>--duration</c>) or milliseconds,
/// and a threshold off by a factor of a thousand lists nothing or everything.
/// </summary>
public static class DurationThreshold
{
    /// <summary>One day: a phase longer than that is no latency question, and the product fits a u64 with room.</summary>
    public const ulong MaxNanoseconds = 86_400UL * 1_000_000_000;

    // Longest suffix first, so "ms" is not read as "m" + "s".
    private static readonly (string Suffix, decimal Nanoseconds)[] Units =
    [
        ("ns", 1m), ("us", 1_000m), ("µs", 1_000m), ("ms", 1_000_000m), ("s", 1_000_000_000m),
    ];

    /// <summary>
    /// Digits with an optional decimal point, then ns, us (or µs), ms or s; rounded to whole
    /// nanoseconds, which must be at least 1 and at most <see cref="MaxNanoseconds"/>.
    /// </summary>
    public static bool TryParse(string text, out ulong nanoseconds)
    {
        nanoseconds = 0;
        foreach ((string suffix, decimal scale) in Units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }
            string number = text[..^suffix.Length];
            // No sign, exponent, spaces or group separators: digits and one point only.
            if (number.Length == 0 || number.Any(c => c is not (>= '0' and <= '9') and not '.')
                || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value)
                || value > MaxNanoseconds / scale)
            {
                return false;
            }
            decimal rounded = Math.Round(value * scale, MidpointRounding.AwayFromZero);
            if (rounded < 1 || rounded > MaxNanoseconds)
            {
                return false;
            }
            nanoseconds = (ulong)rounded;
            return true;
        }
        return false;
    }

    /// <summary>The option's parser: a bad value is a usage error naming the option as it was typed.</summary>
    public static ulong? Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParse(text, out ulong nanoseconds))
        {
            return nanoseconds;
        }
        string option = (result.Parent as OptionResult)?.IdentifierToken?.Value ?? "--slow";
        result.AddError($"{option} must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not '{text}'");
        return null;
    }
}
