using System.Globalization;

namespace Probes.Consumer.Tests.Support;

/// <summary>One stapsdt note as <c>readelf -n</c> prints it.</summary>
public sealed record ReadelfProbe(string Provider, string Name, ulong Location, ulong Base, ulong Semaphore, string Arguments);

/// <summary>One note entry as <c>readelf -n</c> heads it: its section, owner and descriptor size (and a build id's hex).</summary>
public sealed record ReadelfNoteEntry(string Section, string Owner, int DescriptorSize, string? BuildId);

/// <summary>
/// Runs <c>readelf -n</c> and parses its stapsdt blocks:
/// <code>
///     Provider: libstdcxx
///     Name: throw
///     Location: 0x00000000000a90a1, Base: 0x00000000001c5973, Semaphore: 0x0000000000000000
///     Arguments: 8@%rdi 8@%rsi
/// </code>
/// This is the reference our reader is compared to; it shares no code with it.
/// </summary>
public static class ReadelfNotes
{
    public static List<ReadelfProbe> Read(string file)
    {
        string readelf = Requirements.Tool("readelf");
        string output = ProcessRunner.Run(readelf, ["-n", "-W", file], TimeSpan.FromMinutes(1)).EnsureSuccess("readelf -n").Stdout;
        var probes = new List<ReadelfProbe>();
        string? provider = null, name = null, location = null;
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            string trimmed = line.TrimStart();
            int providerAt = line.IndexOf("Provider: ", StringComparison.Ordinal);
            if (providerAt >= 0)
            {
                // With -W readelf puts the Provider on the note's own line after a tab.
                provider = line[(providerAt + "Provider: ".Length)..];
            }
            else if (trimmed.StartsWith("Name: ", StringComparison.Ordinal))
            {
                name = trimmed["Name: ".Length..];
            }
            else if (trimmed.StartsWith("Location: ", StringComparison.Ordinal))
            {
                location = trimmed;
            }
            else if (trimmed.StartsWith("Arguments:", StringComparison.Ordinal))
            {
                Assert.IsNotNull(provider, $"readelf output without Provider before Arguments: {line}");
                Assert.IsNotNull(name);
                Assert.IsNotNull(location);
                // "Location: 0x..., Base: 0x..., Semaphore: 0x..."
                string[] parts = location.Split(',');
                // readelf writes "Arguments: " then the spec; for no arguments the line ends after the colon and space.
                string arguments = line[(line.IndexOf("Arguments:", StringComparison.Ordinal) + "Arguments:".Length)..];
                probes.Add(new ReadelfProbe(provider, name, Hex(parts[0]), Hex(parts[1]), Hex(parts[2]), arguments.StartsWith(' ') ? arguments[1..] : arguments));
                provider = name = location = null;
            }
        }
        return probes;
    }

    /// <summary>
    /// Every note of every note section, as (section, owner, descriptor size, build id hex if
    /// readelf printed one), in file order:
    /// <code>
    /// Displaying notes found in: .note.gnu.property
    ///   Owner                Data size 	Description
    ///   GNU                  0x00000010	NT_GNU_PROPERTY_TYPE_0	      Properties: x86 ISA needed: x86-64-baseline
    /// </code>
    /// </summary>
    public static List<ReadelfNoteEntry> Entries(string file)
    {
        string readelf = Requirements.Tool("readelf");
        string output = ProcessRunner.Run(readelf, ["-n", "-W", file], TimeSpan.FromMinutes(1)).EnsureSuccess("readelf -n").Stdout;
        var entries = new List<ReadelfNoteEntry>();
        string? section = null;
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            const string heading = "Displaying notes found in: ";
            if (line.StartsWith(heading, StringComparison.Ordinal))
            {
                section = line[heading.Length..].Trim();
                continue;
            }
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (section is null || fields.Length < 3 || !line.StartsWith("  ", StringComparison.Ordinal) || line.StartsWith("    ", StringComparison.Ordinal) || !fields[1].StartsWith("0x", StringComparison.Ordinal))
            {
                continue;
            }
            int buildIdAt = line.IndexOf("Build ID: ", StringComparison.Ordinal);
            string? buildId = buildIdAt >= 0 ? line[(buildIdAt + "Build ID: ".Length)..].Trim() : null;
            entries.Add(new ReadelfNoteEntry(section, fields[0], (int)Hex(fields[1]), buildId));
        }
        return entries;
    }

    private static ulong Hex(string field) =>
        ulong.Parse(field[(field.IndexOf("0x", StringComparison.Ordinal) + 2)..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
