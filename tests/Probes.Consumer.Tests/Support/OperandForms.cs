using System.Text.RegularExpressions;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// The form of an argument spec with its particulars taken out, for counting which forms a
/// corpus holds: size and sign go, registers become their width (%q 64, %d 32, %w 16, %b 8,
/// %h the high bytes), numbers N, symbols sym; segment overrides, @tpoff and the shape stay.
/// <c>-4@table-8(,%rsi,4)</c> is <c>sym-N(,%q,N)</c>; <c>8f@%eax</c> is <c>f %d</c>.
/// </summary>
public static partial class OperandForms
{
    public static string Of(string spec)
    {
        int at = spec.IndexOf('@');
        string size = at > 0 ? spec[..at] : "";
        string operand = at >= 0 ? spec[(at + 1)..] : spec;
        operand = Register().Replace(operand, m => m.Groups[1].Value switch
        {
            "fs" or "gs" or "cs" or "ds" or "es" or "ss" => m.Value,
            "rip" => "%rip",
            "ah" or "bh" or "ch" or "dh" => "%h",
            var r when Quad().IsMatch(r) => "%q",
            var r when r.StartsWith('e') || r.EndsWith('d') => "%d",
            var r when r.EndsWith('w') || r.Length == 2 && r[1] is 'x' or 'i' or 'p' => "%w",
            _ => "%b",
        });
        operand = Symbol().Replace(operand, m => m.Groups[2].Success ? "sym@tpoff" : "sym");
        operand = Number().Replace(operand, "N");
        return size.EndsWith('f') ? $"f {operand}" : operand;
    }

    [GeneratedRegex(@"^r(\d+|ax|bx|cx|dx|si|di|bp|sp)$")]
    private static partial Regex Quad();

    [GeneratedRegex(@"%([a-z0-9]+)")]
    private static partial Regex Register();

    [GeneratedRegex(@"(?<![%\w])([A-Za-z_.][\w.$]*)(@tpoff)?", RegexOptions.IgnoreCase)]
    private static partial Regex Symbol();

    [GeneratedRegex(@"(?<![\w%])(0x[0-9a-fA-F]+|\d+)")]
    private static partial Regex Number();
}
