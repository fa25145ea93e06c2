using System.Globalization;

namespace Probes.Consumer.Tests.Support;

/// <summary>A section header as <c>readelf -SW</c> prints it.</summary>
public sealed record ReadelfSection(int Index, string Name, string Type, ulong Address, ulong Offset, ulong Size);

/// <summary>Section and symbol tables from binutils, the independent reference for offsets.</summary>
public static class ReadelfTables
{
    public static List<ReadelfSection> Sections(string file)
    {
        // "  [16] .stapsdt.base     PROGBITS        0000000000002030 002030 000001 00   A  0   0  1"
        var sections = new List<ReadelfSection>();
        foreach (string line in Run(file, "-SW").Split('\n'))
        {
            int open = line.IndexOf('[');
            int close = line.IndexOf(']');
            if (open < 0 || close < open || !int.TryParse(line.AsSpan(open + 1, close - open - 1).Trim(), CultureInfo.InvariantCulture, out int index))
            {
                continue;
            }
            string[] fields = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (index == 0)
            {
                sections.Add(new ReadelfSection(0, "", fields[0], Hex(fields[1]), Hex(fields[2]), Hex(fields[3])));
                continue;
            }
            sections.Add(new ReadelfSection(index, fields[0], fields[1], Hex(fields[2]), Hex(fields[3]), Hex(fields[4])));
        }
        return sections;
    }

    /// <summary>The value of a symbol from <c>readelf -sW</c> (the .symtab or .dynsym entry).</summary>
    public static ulong SymbolValue(string file, string symbol)
    {
        // "    42: 0000000000004042     2 OBJECT  GLOBAL DEFAULT   25 fixture_guarded_semaphore"
        foreach (string line in Run(file, "-sW").Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 8 && fields[^1] == symbol)
            {
                return Hex(fields[1]);
            }
        }
        throw new AssertFailedException($"readelf -s {file} has no symbol {symbol}");
    }

    private static string Run(string file, string option) =>
        ProcessRunner.Run(Requirements.Tool("readelf"), [option, file], TimeSpan.FromMinutes(1)).EnsureSuccess($"readelf {option}").Stdout;

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
