using System.Buffers.Binary;
using System.Text;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Security;

/// <summary>One program header of the copy, as the patcher reads and writes it.</summary>
public sealed record PatchedSegment(int Index, uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize)
{
    public bool IsLoad => Type == 1;

    public bool IsExecutable => (Flags & 1) != 0;

    public bool IsWritable => (Flags & 2) != 0;
}

/// <summary>One stapsdt note of the copy: where its descriptor is, and what it says.</summary>
public sealed record PatchedNote(int DescriptorOffset, ulong Pc, ulong Base, ulong Semaphore, string Provider, string Name, string Arguments)
{
    public override string ToString() => $"{Provider}:{Name}";
}

/// <summary>A note entry to write: owner name bytes (with their NUL, if any), type and descriptor.</summary>
public sealed record RawNote(byte[] Owner, uint Type, byte[] Descriptor)
{
    public static readonly byte[] StapsdtOwner = "stapsdt\0"u8.ToArray();

    /// <summary>A stapsdt descriptor as sys/sdt.h lays it out: pc, base, semaphore, then three NUL-terminated strings.</summary>
    public static RawNote Stapsdt(ulong pc, ulong @base, ulong semaphore, string provider, string name, string arguments) =>
        new(StapsdtOwner, 3, StapsdtDescriptor(pc, @base, semaphore, Encoding.ASCII.GetBytes($"{provider}\0{name}\0{arguments}\0")));

    /// <summary>Three addresses followed by <paramref name="strings"/> exactly as given (no NUL added).</summary>
    public static byte[] StapsdtDescriptor(ulong pc, ulong @base, ulong semaphore, byte[] strings)
    {
        byte[] descriptor = new byte[24 + strings.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor, pc);
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor.AsSpan(8), @base);
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor.AsSpan(16), semaphore);
        strings.CopyTo(descriptor, 24);
        return descriptor;
    }
}

/// <summary>
/// Makes the hostile files of the security tests from a compiled, well-formed one: a copy of
/// the bytes in which one stapsdt note's addresses are rewritten in place, a program header
/// is changed, or the whole <c>.note.stapsdt</c> section is replaced by notes of our making
/// (written at the end of the file and pointed to by the section header; the section is not
/// loaded, so moving it changes nothing else). It parses the file itself, with no code from
/// the consumer, so a bug in our reader cannot hide in the test's view of the file.
/// </summary>
public sealed class ElfNotePatcher
{
    private const int ProgramHeaderSize = 56, SectionHeaderSize = 64;
    private readonly byte[] _bytes;
    private readonly List<byte> _appended = [];

    private ElfNotePatcher(byte[] bytes)
    {
        _bytes = bytes;
        Segments = ReadSegments();
        (NoteSectionHeader, int noteOffset, int noteSize) = FindNoteSection();
        Notes = ReadNotes(noteOffset, noteSize);
    }

    public IReadOnlyList<PatchedSegment> Segments { get; private set; }

    public IReadOnlyList<PatchedNote> Notes { get; private set; }

    /// <summary>File offset of the .note.stapsdt section header.</summary>
    private int NoteSectionHeader { get; }

    public static ElfNotePatcher Load(string path) => new(File.ReadAllBytes(path));

    public static ElfNotePatcher Shim() => Load(TestPaths.LibProbes);

    public long Length => _bytes.Length + _appended.Count;

    public PatchedNote Note(string name) => Notes.Single(n => n.Name == name);

    public PatchedSegment Segment(Func<PatchedSegment, bool> which) => Segments.Single(s => s.IsLoad && which(s));

    public PatchedSegment ExecutableSegment => Segment(s => s.IsExecutable);

    public PatchedSegment WritableSegment => Segment(s => s.IsWritable);

    /// <summary>The byte at a file offset of the original image.</summary>
    public byte ByteAt(ulong offset) => _bytes[checked((int)offset)];

    /// <summary>The file offset of a link-time address, through the loadable segment holding it (the test's own arithmetic).</summary>
    public ulong FileOffsetOf(ulong address)
    {
        PatchedSegment segment = Segments.First(s => s.IsLoad && address >= s.VirtualAddress && address < s.VirtualAddress + s.MemorySize);
        return address - segment.VirtualAddress + segment.Offset;
    }

    public ElfNotePatcher SetPc(PatchedNote note, ulong pc) => WriteU64(note.DescriptorOffset, pc);

    public ElfNotePatcher SetSemaphore(PatchedNote note, ulong semaphore) => WriteU64(note.DescriptorOffset + 16, semaphore);

    /// <summary>Rewrites e_machine, the instruction set the file claims.</summary>
    public ElfNotePatcher SetMachine(ushort machine)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan(0x12), machine);
        return this;
    }

    public ElfNotePatcher SetSegment(PatchedSegment segment, ulong? offset = null, ulong? fileSize = null, ulong? memorySize = null)
    {
        int entry = ProgramHeaderTable + (segment.Index * ProgramHeaderSize);
        WriteU64(entry + 8, offset ?? segment.Offset);
        WriteU64(entry + 32, fileSize ?? segment.FileSize);
        WriteU64(entry + 40, memorySize ?? segment.MemorySize);
        Segments = ReadSegments();
        return this;
    }

    /// <summary>Replaces .note.stapsdt by these notes, 4-byte aligned as sys/sdt.h writes them.</summary>
    public ElfNotePatcher ReplaceNotes(IEnumerable<RawNote> notes)
    {
        while ((_bytes.Length + _appended.Count) % 8 != 0)
        {
            _appended.Add(0);
        }
        long start = _bytes.Length + _appended.Count;
        Span<byte> header = stackalloc byte[12];
        foreach (RawNote note in notes)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)note.Owner.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)note.Descriptor.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], note.Type);
            _appended.AddRange(header.ToArray());
            AppendPadded(note.Owner);
            AppendPadded(note.Descriptor);
        }
        WriteU64(NoteSectionHeader + 24, (ulong)start);
        WriteU64(NoteSectionHeader + 32, (ulong)(_bytes.Length + _appended.Count - start));
        Notes = [];
        return this;
    }

    /// <summary>The notes of the original file, as entries to write again (to edit one of them).</summary>
    public List<RawNote> OriginalNotes() =>
        Notes.Select(n => RawNote.Stapsdt(n.Pc, n.Base, n.Semaphore, n.Provider, n.Name, n.Arguments)).ToList();

    public byte[] ToArray() => [.. _bytes, .. _appended];

    /// <summary>Writes the copy into the test run's scratch directory and returns its path.</summary>
    public string Save(string name)
    {
        string path = Path.Combine(TestPaths.ScratchDirectory, name);
        File.WriteAllBytes(path, ToArray());
        return path;
    }

    private int ProgramHeaderTable => checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(0x20)));

    private void AppendPadded(byte[] data)
    {
        _appended.AddRange(data);
        while (_appended.Count % 4 != 0)
        {
            _appended.Add(0);
        }
    }

    private ElfNotePatcher WriteU64(int at, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_bytes.AsSpan(at), value);
        return this;
    }

    private List<PatchedSegment> ReadSegments()
    {
        int count = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(0x38));
        return Enumerable.Range(0, count).Select(i =>
        {
            ReadOnlySpan<byte> entry = _bytes.AsSpan(ProgramHeaderTable + (i * ProgramHeaderSize), ProgramHeaderSize);
            return new PatchedSegment(
                i,
                BinaryPrimitives.ReadUInt32LittleEndian(entry),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]),
                BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]));
        }).ToList();
    }

    private (int Header, int Offset, int Size) FindNoteSection()
    {
        int table = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(0x28)));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(0x3c));
        int namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(0x3e));
        int names = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(table + (namesIndex * SectionHeaderSize) + 24)));
        for (int i = 1; i < count; i++)
        {
            int header = table + (i * SectionHeaderSize);
            int nameAt = names + (int)BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(header));
            string name = Encoding.ASCII.GetString(_bytes, nameAt, _bytes.AsSpan(nameAt).IndexOf((byte)0));
            if (name == ".note.stapsdt")
            {
                return (header, checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(header + 24))), checked((int)BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(header + 32))));
            }
        }
        throw new InvalidOperationException("the file has no .note.stapsdt section");
    }

    private List<PatchedNote> ReadNotes(int offset, int size)
    {
        var notes = new List<PatchedNote>();
        for (int at = offset; at < offset + size;)
        {
            int nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(at));
            int descriptorSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(at + 4));
            int descriptor = at + 12 + Align4(nameSize);
            string[] strings = Encoding.ASCII.GetString(_bytes, descriptor + 24, descriptorSize - 24).Split('\0');
            notes.Add(new PatchedNote(
                descriptor,
                BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(descriptor)),
                BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(descriptor + 8)),
                BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(descriptor + 16)),
                strings[0],
                strings[1],
                strings[2]));
            at = descriptor + Align4(descriptorSize);
        }
        return notes;
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
