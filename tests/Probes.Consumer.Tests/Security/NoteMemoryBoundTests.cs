using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// Resource exhaustion: a file that sits just under every reader limit at once (4,096 program
/// headers, 16,384 sections whose names use up the name budget, a 4 MiB name table, a note
/// section of nearly 4 MiB holding the maximum of 10,000 probes with 12 arguments each) is
/// read completely, and everything the consumer allocates for it (not only what it keeps)
/// stays under the bound the limits promise, <see cref="UsdtLimits.MaxBytesPerFile"/>.
/// </summary>
[TestClass]
[DoNotParallelize] // GC.GetTotalMemory counts the whole process
public sealed class NoteMemoryBoundTests
{
    private const int ProgramHeaderSize = 56, SectionHeaderSize = 64;

    [TestMethod]
    public void AFileAtEveryLimitCostsLessThanTheStatedBound()
    {
        string path = FileAtEveryLimit();

        long retainedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        IReadOnlyList<UsdtProbe> probes;
        IReadOnlyList<UsdtDecodedArguments> arguments;
        using (ElfFile elf = ElfFile.Open(File.OpenHandle(path), path))
        {
            Assert.AreEqual(ElfLimits.MaxSegments, elf.Segments.Count);
            Assert.AreEqual(ElfLimits.MaxSections, elf.Sections.Count);
            probes = UsdtNoteReader.ReadProbes(elf);
            arguments = UsdtArgumentDecoder.Decode(elf, probes); // what `probes list` and `trace` do
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long retained = GC.GetTotalMemory(forceFullCollection: true) - retainedBefore;

        Assert.HasCount(UsdtLimits.MaxProbesPerFile, probes);
        Assert.AreEqual(UsdtLimits.MaxProbesPerFile * UsdtLimits.MaxArguments, arguments.Sum(a => a.Arguments.Count));
        Console.WriteLine($"{new FileInfo(path).Length} byte file: {allocated} bytes allocated to read it (bound {UsdtLimits.MaxBytesAllocatedPerFile}), {retained} kept (bound {UsdtLimits.MaxBytesKeptPerFile})");
        Assert.IsLessThan(UsdtLimits.MaxBytesAllocatedPerFile, allocated);
        Assert.IsLessThan(UsdtLimits.MaxBytesKeptPerFile, retained);
        GC.KeepAlive(probes);
        GC.KeepAlive(arguments);
    }

    /// <summary>Our shim, inflated to the limits: every table is rewritten at the end of the file.</summary>
    private static string FileAtEveryLimit()
    {
        // 10,000 notes of ~410 bytes: 12 long arguments and a long name fill the 4 MiB section.
        ElfNotePatcher patcher = ElfNotePatcher.Shim();
        PatchedNote begin = patcher.Note("phase_begin");
        string spec = string.Join(' ', Enumerable.Range(0, UsdtLimits.MaxArguments).Select(i => $"-8@-{1234560 + i}(%rbx,%rcx,8)"));
        string name = new('n', 60);
        patcher.ReplaceNotes(Enumerable.Range(0, UsdtLimits.MaxProbesPerFile).Select(_ => RawNote.Stapsdt(begin.Pc, begin.Base, begin.Semaphore, "probes", name, spec)));
        var bytes = new List<byte>(patcher.ToArray());
        Span<byte> header = AsSpan(bytes)[..64].ToArray();

        // Program headers: the shim's own, then PT_NULL entries up to the limit.
        int phoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]);
        int newPhoff = Append(bytes, AsSpan(bytes).Slice(phoff, phnum * ProgramHeaderSize).ToArray(), new byte[(ElfLimits.MaxSegments - phnum) * ProgramHeaderSize]);
        BinaryPrimitives.WriteUInt64LittleEndian(header[0x20..], (ulong)newPhoff);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x38..], ElfLimits.MaxSegments);

        // Section names: the shim's table, then one distinct name per added section until the
        // per-file name budget is nearly spent, then padding up to the table limit.
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3c..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3e..]);
        byte[] sections = AsSpan(bytes).Slice(shoff, shnum * SectionHeaderSize).ToArray();
        int namesOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(sections.AsSpan((shstrndx * SectionHeaderSize) + 24));
        int namesSize = (int)BinaryPrimitives.ReadUInt64LittleEndian(sections.AsSpan((shstrndx * SectionHeaderSize) + 32));
        var names = new List<byte>(AsSpan(bytes).Slice(namesOffset, namesSize).ToArray());
        int added = ElfLimits.MaxSections - shnum;
        int nameLength = ((ElfLimits.MaxSectionNameBytesPerFile - namesSize) / added) - 1;
        byte[] extraHeaders = new byte[added * SectionHeaderSize];
        for (int i = 0; i < added; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(extraHeaders.AsSpan(i * SectionHeaderSize), (uint)names.Count);
            names.AddRange(Encoding.ASCII.GetBytes($"{i:x8}".PadRight(nameLength, 'x')));
            names.Add(0);
        }
        names.AddRange(new byte[ElfLimits.MaxSectionNameTableBytes - names.Count]);
        int newNames = Append(bytes, names.ToArray());
        BinaryPrimitives.WriteUInt64LittleEndian(sections.AsSpan((shstrndx * SectionHeaderSize) + 24), (ulong)newNames);
        BinaryPrimitives.WriteUInt64LittleEndian(sections.AsSpan((shstrndx * SectionHeaderSize) + 32), (ulong)names.Count);
        int newShoff = Append(bytes, sections, extraHeaders);
        BinaryPrimitives.WriteUInt64LittleEndian(header[0x28..], (ulong)newShoff);
        BinaryPrimitives.WriteUInt16LittleEndian(header[0x3c..], ElfLimits.MaxSections);

        header.CopyTo(AsSpan(bytes));
        string path = Path.Combine(TestPaths.ScratchDirectory, "at-every-limit.so");
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }

    /// <summary>Appends the parts 8-byte aligned and returns the offset of the first.</summary>
    private static int Append(List<byte> bytes, params byte[][] parts)
    {
        while (bytes.Count % 8 != 0)
        {
            bytes.Add(0);
        }
        int start = bytes.Count;
        foreach (byte[] part in parts)
        {
            bytes.AddRange(part);
        }
        return start;
    }

    private static Span<byte> AsSpan(List<byte> bytes) => CollectionsMarshal.AsSpan(bytes);
}
