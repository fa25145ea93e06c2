using System.Globalization;

namespace Probes.Consumer.Output.Reports;

/// <summary>Durations for people: three significant digits in the largest fitting unit.</summary>
public static class DurationText
{
    public static string Format(ulong nanoseconds) => nanoseconds switch
    {
        < 1_000 => $"{nanoseconds} ns",
        < 1_000_000 => Scaled(nanoseconds / 1e3, "µs"),
        < 1_000_000_000 => Scaled(nanoseconds / 1e6, "ms"),
        _ => Scaled(nanoseconds / 1e9, "s"),
    };

    private static string Scaled(double value, string unit) =>
        (value < 10 ? value.ToString("0.00", CultureInfo.InvariantCulture)
            : value < 100 ? value.ToString("0.0", CultureInfo.InvariantCulture)
            : value.ToString("0", CultureInfo.InvariantCulture)) + " " + unit;
}
