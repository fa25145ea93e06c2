using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Finds the USDT probes of an ELF file: the stapsdt notes in <c>.note.stapsdt</c>, each
/// corrected for prelinking and mapped to file offsets.
///
/// Prelink correction: sdt.h records, in every note, the link-time address of the
/// <c>.stapsdt.base</c> section next to the probe's own address. If a tool such as prelink
/// later moved the file's sections, the section's real address differs from the recorded
/// one, and the probe and semaphore addresses move by that same difference. Without such a
/// tool the difference is zero. libbpf's usdt.c and gdb do the same.
/// </summary>
public static class UsdtNoteReader
{
    public const string NoteSectionName = ".note.stapsdt";
    public const string BaseSectionName = ".stapsdt.base";

    public static IReadOnlyList<UsdtProbe> ReadProbes(IElfFile file)
    {
        if (file.FindSection(NoteSectionName) is not { } noteSection || noteSection.Type != ElfSection.TypeNote)
        {
            return [];
        }
        ulong? actualBase = file.FindSection(BaseSectionName)?.Address;
        var mapper = new AddressMapper(file.Segments);

        var probes = new List<UsdtProbe>();
        foreach (ElfNote note in file.ReadNotes(noteSection))
        {
            if (note.Owner != StapsdtNote.Owner || note.Type != StapsdtNote.Type)
            {
                continue;
            }
            StapsdtNote raw = StapsdtNote.Decode(note, file.Path);
            probes.Add(Locate(raw, actualBase, mapper, file.Path));
        }
        return probes;
    }

    private static UsdtProbe Locate(StapsdtNote raw, ulong? actualBase, AddressMapper mapper, string path)
    {
        // Unsigned wrap-around is intended: adding the difference works in both directions.
        ulong shift = actualBase is { } realBase && raw.Base != 0 ? unchecked(realBase - raw.Base) : 0;
        ulong pc = unchecked(raw.Pc + shift);
        ulong pcOffset = mapper.ProbeSiteOffset(pc)
            ?? throw new UsdtNoteException($"{path}: probe {raw.Provider}:{raw.Name}: site address 0x{pc:x} lies in no executable loadable segment");

        ulong semaphoreOffset = 0;
        if (raw.Semaphore != 0)
        {
            ulong semaphore = unchecked(raw.Semaphore + shift);
            semaphoreOffset = mapper.SemaphoreOffset(semaphore)
                ?? throw new UsdtNoteException($"{path}: probe {raw.Provider}:{raw.Name}: semaphore address 0x{semaphore:x} lies in no non-executable loadable segment (the kernel must be able to write it)");
        }
        return new UsdtProbe(raw.Provider, raw.Name, raw.Pc, raw.Base, raw.Semaphore, raw.Arguments, pcOffset, semaphoreOffset);
    }
}
