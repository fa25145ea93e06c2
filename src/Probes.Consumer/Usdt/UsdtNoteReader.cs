using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Finds the USDT probes of an ELF file: the stapsdt notes in <c>.note.stapsdt</c>, each
/// corrected for prelinking, mapped to file offsets, and checked before it becomes a
/// <see cref="UsdtProbe"/> that anyone could attach to.
///
/// Prelink correction: sdt.h records, in every note, the link-time address of the
/// <c>.stapsdt.base</c> section next to the probe's own address. If a tool such as prelink
/// later moved the file's sections, the section's real address differs from the recorded
/// one, and the probe and semaphore addresses move by that same difference. Without such a
/// tool the difference is zero. libbpf's usdt.c and gdb do the same.
///
/// Checks: the note is well formed and within <see cref="UsdtLimits"/>; its site is a nop in
/// the file's code (<see cref="ProbeSiteCheck"/>); its semaphore is a counter the kernel may
/// write (<see cref="SemaphoreCheck"/>). One bad note refuses the whole file with a
/// <see cref="UsdtNoteException"/> naming the probe, the file and the address: a compiler does
/// not emit such notes, so the file was damaged or crafted, and nothing else in it is trusted
/// either. A caller reading many files (a process, a container) reports that file in one
/// warning and goes on with the others.
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

        List<ElfNote> notes = file.ReadNotes(noteSection).Where(note => note.Owner == StapsdtNote.Owner && note.Type == StapsdtNote.Type).ToList();
        if (notes.Count > UsdtLimits.MaxProbesPerFile)
        {
            throw new UsdtNoteException($"{file.Path}: {notes.Count} stapsdt probes, more than the limit of {UsdtLimits.MaxProbesPerFile} per file");
        }

        var probes = new List<UsdtProbe>(notes.Count);
        foreach (ElfNote note in notes)
        {
            probes.Add(Locate(StapsdtNote.Decode(note, file.Path), actualBase, mapper, file));
        }
        return probes;
    }

    private static UsdtProbe Locate(StapsdtNote raw, ulong? actualBase, AddressMapper mapper, IElfFile file)
    {
        // Unsigned wrap-around is intended: adding the difference works in both directions.
        ulong shift = actualBase is { } realBase && raw.Base != 0 ? unchecked(realBase - raw.Base) : 0;
        ulong pcOffset = ProbeSiteCheck.FileOffset(file, mapper, raw, unchecked(raw.Pc + shift));
        ulong semaphoreOffset = raw.Semaphore == 0 ? 0 : SemaphoreCheck.FileOffset(file, mapper, raw, unchecked(raw.Semaphore + shift));
        return new UsdtProbe(raw.Provider, raw.Name, raw.Pc, raw.Base, raw.Semaphore, raw.Arguments, pcOffset, semaphoreOffset)
        {
            SiteAddress = unchecked(raw.Pc + shift),
        };
    }
}
