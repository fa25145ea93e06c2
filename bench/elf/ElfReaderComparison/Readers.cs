using System.Buffers.Binary;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using Probes.Consumer.Elf;
using Probes.Consumer.Usdt;

namespace ElfReaderComparison;

/// <summary>What one reader found in a file: the stapsdt notes it can hand over.</summary>
public sealed record ReadResult(int Notes, long? BytesRead = null);

/// <summary>One way to get the stapsdt notes of a file, the job an ELF reader does for `probes list`.</summary>
public sealed record Reader(string Name, Func<string, ReadResult> Read)
{
    /// <summary>ELFSharp's own note API: <c>NoteSection</c> of <c>.note.stapsdt</c> (one note a section).</summary>
    public static readonly Reader ElfSharpNoteSection = new("ELFSharp NoteSection", path =>
    {
        using IELF elf = ELFReader.Load(File.OpenRead(path), shouldOwnStream: true);
        return new ReadResult(elf.GetSections<INoteSection>().Count(s => s.Name == UsdtNoteReader.NoteSectionName && s.NoteName == "stapsdt"));
    });

    /// <summary>ELFSharp's loader, then the raw bytes of <c>.note.stapsdt</c> walked by hand: all notes.</summary>
    public static readonly Reader ElfSharpContents = new("ELFSharp + GetContents", path => ElfSharpNotes(path, long.MaxValue));

    /// <summary>
    /// ELFSharp used "where it is safe": under a stream that refuses to read more than
    /// <see cref="ReadBudget"/> bytes, every exception it throws translated into our
    /// <see cref="ElfFormatException"/>.
    /// </summary>
    public static readonly Reader ElfSharpBudgeted = new($"ELFSharp, {ReadBudget >> 20} MiB read budget", path =>
    {
        try
        {
            return ElfSharpNotes(path, ReadBudget);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ElfFormatException($"{path}: {e.Message}");
        }
    });

    /// <summary>What our limits let our reader hold of one file (ElfLimits: about 25 MiB), rounded up.</summary>
    public const long ReadBudget = 32L << 20;

    private static ReadResult ElfSharpNotes(string path, long budget)
    {
        var stream = new BudgetedStream(File.OpenRead(path), budget);
        using IELF elf = ELFReader.Load(stream, shouldOwnStream: true);
        int notes = elf.TryGetSection(UsdtNoteReader.NoteSectionName, out ISection section) ? CountStapsdt(section.GetContents()) : 0;
        return new ReadResult(notes, stream.BytesRead);
    }

    /// <summary>The project's bounded reader: <c>ElfFile</c> and its notes of <c>.note.stapsdt</c>.</summary>
    public static readonly Reader Ours = new("probes Elf/", path =>
    {
        using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
        return new ReadResult(elf.FindSection(UsdtNoteReader.NoteSectionName) is { } section
            ? elf.ReadNotes(section).Count(n => n.Owner == "stapsdt")
            : 0);
    });

    /// <summary>What `probes list` does with a file: our reader plus every USDT check and the argument decoding.</summary>
    public static readonly Reader OursWithUsdt = new("probes Elf/ + Usdt/", path =>
    {
        using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
        IReadOnlyList<UsdtProbe> probes = UsdtNoteReader.ReadProbes(elf);
        _ = UsdtArgumentDecoder.Decode(elf, probes);
        return new ReadResult(probes.Count);
    });

    /// <summary>Counts the stapsdt entries of a 4-aligned note section (sys/sdt.h's layout); stops at the first entry that does not fit.</summary>
    private static int CountStapsdt(byte[] section)
    {
        int count = 0;
        for (int at = 0; at + 12 <= section.Length;)
        {
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(at));
            uint descriptorSize = BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(at + 4));
            long next = at + 12L + Align4(nameSize) + Align4(descriptorSize);
            if (next > section.Length)
            {
                break;
            }
            if (nameSize == 8 && section.AsSpan(at + 12, 8).SequenceEqual("stapsdt\0"u8))
            {
                count++;
            }
            at = (int)next;
        }
        return count;
    }

    private static long Align4(uint value) => (value + 3L) & ~3L;
}
