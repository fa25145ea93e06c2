using System.Buffers.Binary;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Elf;

/// <summary>
/// Robustness: 100,000 mutated and truncated versions of real binaries go through the whole
/// read path (ELF tables, every note section, stapsdt notes, offsets, argument specs and the
/// symbol tables their operands name). Each
/// case must end in success or a <see cref="ProbesException"/>; any other exception, a hang
/// (the run has a hard limit) or an allocation larger than the image itself fails the test.
/// Mutations aim at the bytes the reader interprets (headers, tables, names, notes), because
/// flipping code bytes proves nothing. The seed is fixed, so a failure replays exactly.
/// A mutant rejected early never reaches the later parsers, so the test counts how many
/// reached the stapsdt note reader and the argument parser and requires most of them to:
/// otherwise the run would test the ELF header checks 100,000 times and the rest hardly at all.
/// </summary>
[TestClass]
public sealed class ElfFuzzTests
{
    private const int Cases = 100_000;
    private const int Seed = 20261121;
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(3);

    private sealed record Image(string Name, byte[] Original, byte[] Working, (int Start, int Length)[] Targets, (int Start, int Length)[] Notes, (int Start, int Length)[] Specs, (int Start, int Length)[] Symbols);

    [TestMethod]
    public void MutatedAndTruncatedImagesEndInSuccessOrATypedError()
    {
        Image[] images = LoadImages();
        int done = 0, succeeded = 0, rejected = 0;
        var reached = new Reached();
        string current = "";
        var failures = new List<string>();

        var run = Task.Run(() =>
        {
            var random = new Random(Seed);
            for (int i = 0; i < Cases; i++)
            {
                Image image = images[random.Next(images.Length)];
                var touched = new List<(int Start, int Length)>();
                int length = Mutate(image, random, touched, out string description);
                current = $"case {i}: {image.Name} {description}";
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    ReadEverything(image.Working.AsMemory(0, length), reached);
                    succeeded++;
                }
                catch (ProbesException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    failures.Add($"{current}: {e.GetType().Name}: {e.Message}");
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                // Buffers never exceed the bytes the image holds (checked before allocating); 2x plus
                // a little covers the decoded objects.
                if (allocated > (2L * length) + (256 * 1024))
                {
                    failures.Add($"{current}: allocated {allocated} bytes for a {length}-byte image");
                }
                foreach ((int start, int count) in touched)
                {
                    Array.Copy(image.Original, start, image.Working, start, count);
                }
                done++;
                if (failures.Count >= 10)
                {
                    break;
                }
            }
        });

        Assert.IsTrue(run.Wait(HangLimit), $"the reader did not finish within {HangLimit}: stuck at {current} after {done} cases");
        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.AreEqual(Cases, done);
        Console.WriteLine($"{Cases} cases: {succeeded} read successfully, {rejected} rejected with a typed error");
        Console.WriteLine($"reached: ELF tables parsed {reached.Tables}, every note section read {reached.NoteSections}, stapsdt note reader {reached.StapsdtReader}, argument parser {reached.ArgumentParser}");
        Console.WriteLine($"arguments: {reached.Arguments} decoded ({reached.Symbols} through a symbol table), {reached.ArgumentErrors} refused with an error");
        // Both outcomes must occur, or the mutations are either too timid or too destructive to test anything.
        Assert.IsGreaterThan(Cases / 20, succeeded);
        Assert.IsGreaterThan(Cases / 20, rejected);
        // Most mutants must get as far as the notes and the argument specs, or those parsers are hardly fuzzed.
        Assert.IsGreaterThan(Cases / 2, reached.StapsdtReader, "mutants that reached the stapsdt note reader");
        Assert.IsGreaterThan(Cases / 2, reached.ArgumentParser, "mutants that reached the argument parser");
        Assert.IsGreaterThan(Cases / 10, reached.Symbols, "arguments resolved through a (mutated) symbol table");
        Assert.IsGreaterThan(Cases / 10, reached.ArgumentErrors, "arguments refused one by one");
    }

    /// <summary>How many cases got to each stage of the read path.</summary>
    private sealed class Reached
    {
        public int Tables;
        public int NoteSections;
        public int StapsdtReader;
        public int ArgumentParser;
        public long Arguments;
        public long ArgumentErrors;
        public long Symbols;
    }

    private static void ReadEverything(ReadOnlyMemory<byte> bytes, Reached reached)
    {
        using ElfFile elf = ElfFile.Parse(bytes, "fuzz");
        reached.Tables++;
        foreach (ElfSection section in elf.Sections)
        {
            if (section.Type == ElfSection.TypeNote)
            {
                elf.ReadNotes(section);
            }
        }
        reached.NoteSections++;
        reached.StapsdtReader++;
        IReadOnlyList<UsdtProbe> probes = UsdtNoteReader.ReadProbes(elf);
        if (probes.Count == 0)
        {
            return;
        }
        reached.ArgumentParser++;
        // The decoder parses each argument and looks the symbols up in the (mutated) symbol tables.
        foreach (UsdtDecodedArguments decoded in UsdtArgumentDecoder.Decode(elf, probes))
        {
            reached.Arguments += decoded.Arguments.Count;
            reached.ArgumentErrors += decoded.Errors.Count;
            reached.Symbols += decoded.Arguments.Count(a => a.SymbolValue is not null);
            foreach (UsdtArgument argument in decoded.Arguments)
            {
                UsdtArgumentText.Describe(argument);
            }
        }
    }

    /// <summary>
    /// Applies one mutation in place, records what it touched, and returns the length to parse.
    /// Half of the cases edit argument specs (so the argument parser sees damaged operands, not
    /// only intact ones), a tenth the symbol tables the operands' symbols are looked up in, a
    /// tenth the note entries' sizes and addresses, the rest the headers, tables and the file
    /// length, which mostly end at the ELF checks.
    /// </summary>
    private static int Mutate(Image image, Random random, List<(int, int)> touched, out string description)
    {
        byte[] bytes = image.Working;
        int length = bytes.Length;
        int roll = random.Next(100);
        if (roll < 50 && image.Specs.Length > 0)
        {
            (int start, int count) = image.Specs[random.Next(image.Specs.Length)];
            int edits = 1 + random.Next(4);
            for (int i = 0; i < edits; i++)
            {
                int at = start + random.Next(count + 1); // the NUL after the spec too
                bytes[at] = (byte)OperandAlphabet[random.Next(OperandAlphabet.Length)];
                touched.Add((at, 1));
            }
            description = $"{edits} operand characters in the spec at 0x{start:x}";
        }
        else if (roll < 60 && image.Symbols.Length > 0)
        {
            (int start, int count) = image.Symbols[random.Next(image.Symbols.Length)];
            int width = 1 << random.Next(0, 4); // a name byte, st_shndx, st_name, st_value
            int field = Math.Min(start + (random.Next(Math.Max(count, 1)) & ~(width - 1)), bytes.Length - width);
            ulong value = width == 1 ? (ulong)random.Next(256) : BoundaryValue(random, bytes.Length);
            WriteField(bytes.AsSpan(field, width), value);
            touched.Add((field, width));
            description = $"u{width * 8} in a symbol table at 0x{field:x} = 0x{value:x}";
        }
        else if (roll < 70 && image.Notes.Length > 0)
        {
            (int start, int count) = image.Notes[random.Next(image.Notes.Length)];
            int width = random.Next(2) == 0 ? 4 : 8; // a size or type field, or an address of a stapsdt descriptor
            int field = Math.Min(start + (random.Next(Math.Max(count, 1)) & ~3), bytes.Length - width);
            ulong value = BoundaryValue(random, bytes.Length);
            WriteField(bytes.AsSpan(field, width), value);
            touched.Add((field, width));
            description = $"u{width * 8} in a note at 0x{field:x} = 0x{value:x}";
        }
        else if (roll < 80)
        {
            length = TruncationPoint(image, random);
            description = $"truncated to {length}";
        }
        else if (roll < 90)
        {
            int flips = 1 + random.Next(8);
            for (int i = 0; i < flips; i++)
            {
                int at = PickOffset(image, random, 1);
                bytes[at] = (byte)random.Next(256);
                touched.Add((at, 1));
            }
            description = $"{flips} random bytes";
        }
        else if (roll < 97)
        {
            int width = 1 << random.Next(1, 4); // 2, 4 or 8 bytes: a header field
            int field = PickOffset(image, random, width) & ~(width - 1);
            ulong value = BoundaryValue(random, bytes.Length);
            WriteField(bytes.AsSpan(field, width), value);
            touched.Add((field, width));
            description = $"u{width * 8} at 0x{field:x} = 0x{value:x}";
        }
        else
        {
            int at = PickOffset(image, random, 1);
            bytes[at] ^= (byte)(1 << random.Next(8));
            touched.Add((at, 1));
            length = TruncationPoint(image, random);
            description = $"bit flip at 0x{at:x}, truncated to {length}";
        }
        return length;
    }

    /// <summary>What AT&amp;T operands are made of, plus a space, a NUL and a byte outside printable ASCII.</summary>
    private const string OperandAlphabet = "%$()+-,@:0123456789abcdefilpqrsxw_. \0\x7f";

    private static void WriteField(Span<byte> target, ulong value)
    {
        switch (target.Length)
        {
            case 1: target[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(target, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(target, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(target, value); break;
        }
    }

    private static ulong BoundaryValue(Random random, int fileLength) => random.Next(10) switch
    {
        0 => 0,
        1 => 1,
        2 => ulong.MaxValue,
        3 => (ulong)long.MaxValue,
        4 => uint.MaxValue,
        5 => ushort.MaxValue,
        6 => (ulong)fileLength,
        7 => (ulong)fileLength - 1,
        8 => (ulong)fileLength + 1,
        _ => (ulong)random.NextInt64(),
    };

    /// <summary>Mostly inside the structures the reader interprets, sometimes anywhere.</summary>
    private static int PickOffset(Image image, Random random, int width)
    {
        if (random.Next(10) == 0)
        {
            return random.Next(image.Original.Length - width);
        }
        (int start, int count) = image.Targets[random.Next(image.Targets.Length)];
        return Math.Min(start + random.Next(Math.Max(count, 1)), image.Original.Length - width);
    }

    /// <summary>Cut points near and inside the interesting structures, where truncation matters.</summary>
    private static int TruncationPoint(Image image, Random random)
    {
        if (random.Next(4) == 0)
        {
            return random.Next(image.Original.Length);
        }
        (int start, int count) = image.Targets[random.Next(image.Targets.Length)];
        return Math.Min(start + random.Next(count + 1), image.Original.Length);
    }

    private static Image[] LoadImages()
    {
        var paths = new List<string>
        {
            TestPaths.LibProbes,
            Fixtures.Build(FixtureKind.Pie, "-O2"),
            Fixtures.Build(FixtureKind.NonPie, "-O0"),
            Fixtures.Build(FixtureKind.SharedLibrary, "-O2"),
            OperandFixture.Build(FixtureKind.NonPie, "-O2").ProbeFile,
            OperandFixture.Build(FixtureKind.Pie, "-O3").ProbeFile,
            OperandFixture.Build(FixtureKind.SharedLibrary, "-O2").ProbeFile,
        };
        paths.AddRange(new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/bin/python3.11" }.Where(File.Exists));
        return paths.Select(Load).ToArray();
    }

    /// <summary>The byte ranges the reader interprets, found from the intact image: tables, note sections, and each stapsdt argument spec.</summary>
    private static Image Load(string path)
    {
        byte[] original = File.ReadAllBytes(path);
        using ElfFile elf = ElfFile.Parse(original, path);
        var targets = new List<(int, int)> { (0, 64) };
        var notes = new List<(int, int)>();
        var specs = new List<(int, int)>();
        var symbols = new List<(int, int)>();
        int phoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(0x20));
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(0x28));
        targets.Add((phoff, elf.Segments.Count * 56));
        targets.Add((shoff, elf.Sections.Count * 64));
        foreach (ElfSection section in elf.Sections)
        {
            if (section.Type == ElfSection.TypeNote || section.Name == ".shstrtab")
            {
                targets.Add(((int)section.Offset, (int)section.Size));
            }
            if (section.Type == ElfSection.TypeNote)
            {
                notes.Add(((int)section.Offset, (int)section.Size));
            }
            if (section.Name == UsdtNoteReader.NoteSectionName)
            {
                specs.AddRange(SpecRanges(elf, section));
            }
            if (section.Type is ElfSection.TypeSymbolTable or ElfSection.TypeDynamicSymbolTable)
            {
                symbols.Add(((int)section.Offset, (int)section.Size));
                ElfSection names = elf.Sections[(int)section.Link];
                symbols.Add(((int)names.Offset, (int)names.Size));
                targets.Add((shoff + (section.Index * 64), 64));
                targets.Add((shoff + (names.Index * 64), 64));
            }
        }
        return new Image(Path.GetFileName(path), original, (byte[])original.Clone(), targets.ToArray(), notes.ToArray(), specs.ToArray(), symbols.ToArray());
    }

    /// <summary>File ranges of the argument specs: the third string after a stapsdt descriptor's three addresses.</summary>
    private static IEnumerable<(int Start, int Length)> SpecRanges(ElfFile elf, ElfSection section)
    {
        foreach (ElfNote note in elf.ReadNotes(section).Where(n => n.Owner == StapsdtNote.Owner))
        {
            int descriptor = (int)section.Offset + note.Offset + 12 + ((StapsdtNote.Owner.Length + 1 + 3) & ~3);
            ReadOnlySpan<byte> strings = note.Descriptor.Span[24..];
            int provider = strings.IndexOf((byte)0);
            int name = strings[(provider + 1)..].IndexOf((byte)0);
            int specStart = provider + 1 + name + 1;
            int specLength = strings[specStart..].IndexOf((byte)0);
            yield return (descriptor + 24 + specStart, specLength);
        }
    }
}
