using System.Text;
using Probes.Consumer.Cli;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;
using CliApp = Probes.Consumer.Cli.ProbesCli;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// Hostile notes: copies of our shim whose stapsdt notes point the probe site or the semaphore
/// where the kernel must never patch or write, or exceed a reader limit (an argument spec that
/// cannot be decoded only costs its probe, see the last tests). Each is refused when
/// the file is read, before anything could attach, with one line naming the file, the probe
/// and the address (or the limit), and the exit code BadInput: checked in-process and through
/// the real binary. <c>probes list</c> is the command because it reads exactly what
/// <c>trace</c> and <c>phases</c> attach to.
/// </summary>
[TestClass]
[TestCategory("Cli")]
public sealed class CraftedNoteTests
{
    private const string Refusing = "; refusing to attach there";
    private static readonly Dictionary<string, Lazy<(string Path, string Line)>> Cases = new()
    {
        ["site in a writable segment"] = Case(p =>
        {
            PatchedNote begin = p.Note("phase_begin");
            p.SetPc(begin, begin.Semaphore);
            return $"probe probes:phase_begin: site 0x{begin.Semaphore:x} lies in no executable loadable segment{Refusing}";
        }),
        ["site past the file-backed part of its segment"] = Case(p =>
        {
            PatchedSegment code = p.ExecutableSegment;
            p.SetSegment(code, memorySize: code.FileSize + 0x1000);
            ulong pc = code.VirtualAddress + code.FileSize + 0x10;
            p.SetPc(p.Note("phase_begin"), pc);
            return $"probe probes:phase_begin: site 0x{pc:x} lies past the file-backed part of its executable segment (0x{code.FileSize:x} of 0x{code.FileSize + 0x1000:x} bytes){Refusing}";
        }),
        ["site outside the file"] = Case(p =>
        {
            // The segment claims more file bytes than there are; the site is 0x10 past the end.
            PatchedSegment code = p.ExecutableSegment;
            ulong size = (ulong)p.Length - code.Offset + 0x1000;
            p.SetSegment(code, fileSize: size, memorySize: size);
            ulong pc = code.VirtualAddress + ((ulong)p.Length - code.Offset) + 0x10;
            p.SetPc(p.Note("phase_begin"), pc);
            return $"probe probes:phase_begin: site 0x{pc:x} (file offset 0x{p.Length + 0x10:x}) lies outside the file (0x{p.Length:x} bytes){Refusing}";
        }),
        ["site not a nop"] = Case(p =>
        {
            // One byte on: the instruction after sdt.h's nop (the function's ret).
            PatchedNote begin = p.Note("phase_begin");
            ulong pc = begin.Pc + 1;
            ulong offset = p.FileOffsetOf(pc);
            Assert.AreNotEqual(0x90, p.ByteAt(offset), "the byte after the nop must not be a nop for this case to mean anything");
            p.SetPc(begin, pc);
            return $"probe probes:phase_begin: site 0x{pc:x} is not a nop (found 0x{p.ByteAt(offset):x2} 0x{p.ByteAt(offset + 1):x2}){Refusing}";
        }),
        ["site in a file for another instruction set"] = Case(p =>
        {
            // EM_RISCV: no nop is known for it here, so no site of such a file can be proved.
            p.SetMachine(243);
            return $"probe probes:phase_begin: site 0x{p.Note("phase_begin").Pc:x} cannot be checked: nops are known for x86-64 and aarch64, not e_machine 243{Refusing}";
        }),
        ["semaphore in code"] = Case(p =>
        {
            PatchedNote begin = p.Note("phase_begin");
            p.SetSemaphore(begin, begin.Pc);
            return $"probe probes:phase_begin: semaphore 0x{begin.Pc:x} lies in no writable, non-executable loadable segment{Refusing}";
        }),
        ["semaphore in read-only data"] = Case(p =>
        {
            PatchedSegment readOnly = p.Segment(s => !s.IsWritable && !s.IsExecutable && s.VirtualAddress != 0);
            ulong semaphore = readOnly.VirtualAddress + 2;
            p.SetSemaphore(p.Note("phase_begin"), semaphore);
            return $"probe probes:phase_begin: semaphore 0x{semaphore:x} lies in no writable, non-executable loadable segment{Refusing}";
        }),
        ["semaphore running past its segment"] = Case(p =>
        {
            PatchedSegment data = p.WritableSegment;
            ulong semaphore = data.VirtualAddress + data.MemorySize - 1;
            p.SetSemaphore(p.Note("phase_begin"), semaphore);
            return $"probe probes:phase_begin: semaphore 0x{semaphore:x} (2 bytes) runs past the end of its segment (0x{data.VirtualAddress:x} + 0x{data.MemorySize:x}){Refusing}";
        }),
        ["semaphore not 2-byte aligned"] = Case(p =>
        {
            PatchedNote begin = p.Note("phase_begin");
            ulong semaphore = begin.Semaphore + 1;
            p.SetSemaphore(begin, semaphore);
            return $"probe probes:phase_begin: semaphore 0x{semaphore:x} has file offset 0x{p.FileOffsetOf(semaphore):x}, which is not 2-byte aligned as the kernel requires{Refusing}";
        }),
        ["semaphore offset beyond 32 bits"] = Case(p =>
        {
            // A data segment of 8 GiB in memory (its tail not in the file, like .bss) puts the
            // semaphore's file offset past what perf_event_attr.config can carry.
            PatchedSegment data = p.WritableSegment;
            p.SetSegment(data, memorySize: 0x2_0000_0000);
            ulong semaphore = data.VirtualAddress + 0x1_0000_0000;
            p.SetSemaphore(p.Note("phase_begin"), semaphore);
            return $"probe probes:phase_begin: semaphore 0x{semaphore:x} has file offset 0x{data.Offset + 0x1_0000_0000:x}, beyond the 32 bits of perf's ref_ctr_offset{Refusing}";
        }),
        ["semaphore aliasing code bytes"] = Case(p =>
        {
            // The data segment is moved in the file so that the semaphore's bytes are code bytes.
            PatchedNote begin = p.Note("phase_begin");
            PatchedSegment data = p.WritableSegment;
            ulong target = p.ExecutableSegment.Offset + 0x10;
            p.SetSegment(data, offset: target - (begin.Semaphore - data.VirtualAddress));
            return $"probe probes:phase_begin: semaphore 0x{begin.Semaphore:x} has file offset 0x{target:x}, among the file bytes of an executable segment{Refusing}";
        }),
        ["too many probes"] = Case(p =>
        {
            RawNote begin = p.OriginalNotes()[0];
            p.ReplaceNotes(Enumerable.Repeat(begin, UsdtLimits.MaxProbesPerFile + 1));
            return $"{UsdtLimits.MaxProbesPerFile + 1} stapsdt probes, more than the limit of {UsdtLimits.MaxProbesPerFile} per file";
        }),
        ["too many notes"] = Case(p =>
        {
            p.ReplaceNotes(Enumerable.Repeat(new RawNote([], 0, []), ElfLimits.MaxNotesPerSection + 1));
            return $"section .note.stapsdt: more than {ElfLimits.MaxNotesPerSection} notes";
        }),
        ["note owner too long"] = Case(p =>
        {
            byte[] owner = Encoding.ASCII.GetBytes(new string('o', ElfLimits.MaxNoteOwnerBytes) + "\0");
            p.ReplaceNotes([new RawNote(owner, 3, p.OriginalNotes()[0].Descriptor)]);
            return $"section .note.stapsdt: note at offset 0x0 has an owner name of {ElfLimits.MaxNoteOwnerBytes + 1} bytes, more than the limit of {ElfLimits.MaxNoteOwnerBytes}";
        }),
        ["provider too long"] = Case(p => Rewritten(p, provider: new string('p', UsdtLimits.MaxNameBytes + 1),
            line: $"stapsdt note at offset 0x0: provider is longer than the limit of {UsdtLimits.MaxNameBytes} bytes")),
        ["name too long"] = Case(p => Rewritten(p, name: new string('n', UsdtLimits.MaxNameBytes + 1),
            line: $"stapsdt note at offset 0x0: name is longer than the limit of {UsdtLimits.MaxNameBytes} bytes")),
        ["argument spec too long"] = Case(p => Rewritten(p, arguments: string.Concat(Enumerable.Repeat("8@%rax ", 600))[..(UsdtLimits.MaxArgumentSpecBytes + 1)],
            line: $"stapsdt note at offset 0x0: argument spec is longer than the limit of {UsdtLimits.MaxArgumentSpecBytes} bytes")),
        ["provider with a terminal escape"] = Case(p => Rewritten(p, provider: "pro\u001b[2Jbes",
            line: "stapsdt note at offset 0x0: provider holds byte 0x1b at position 3; only printable ASCII without spaces is accepted")),
        ["name without a NUL in the note"] = Case(p =>
        {
            PatchedNote begin = p.Notes[0];
            p.ReplaceNotes([new RawNote(RawNote.StapsdtOwner, 3, RawNote.StapsdtDescriptor(begin.Pc, begin.Base, begin.Semaphore, "probes\0phase_begin"u8.ToArray()))]);
            return "stapsdt note at offset 0x0: name is not NUL-terminated inside the note";
        }),
        ["argument spec whose NUL lies in the padding"] = Case(p =>
        {
            // The descriptor ends one byte early: the spec's NUL is in the note padding, outside
            // the descriptor, where a reader that trusted the section would find it.
            PatchedNote begin = p.Notes[0];
            byte[] strings = Encoding.ASCII.GetBytes($"probes\0phase_begin\0{begin.Arguments}");
            Assert.AreNotEqual(0, (24 + strings.Length) % 4, "the descriptor must be followed by padding for this case to mean anything");
            p.ReplaceNotes([new RawNote(RawNote.StapsdtOwner, 3, RawNote.StapsdtDescriptor(begin.Pc, begin.Base, begin.Semaphore, strings))]);
            return "stapsdt note at offset 0x0: argument spec is not NUL-terminated inside the note";
        }),
        ["descriptor shorter than its addresses"] = Case(p =>
        {
            p.ReplaceNotes([new RawNote(RawNote.StapsdtOwner, 3, new byte[16])]);
            return "stapsdt note at offset 0x0: descriptor of 16 bytes is too short for its three addresses";
        }),
    };

    public static IEnumerable<object[]> Refusals => Cases.Keys.Select(name => new object[] { name });

    [TestMethod]
    [DynamicData(nameof(Refusals))]
    public void InProcessRefusalIsOneLineWithBadInput(string refusal)
    {
        (string path, string line) = Cases[refusal].Value;
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(["list", path], new CliConsole(output, error));
        AssertRefused(code, output.ToString(), error.ToString(), line);
    }

    [TestMethod]
    [DynamicData(nameof(Refusals))]
    public void RealBinaryRefusalIsOneLineWithBadInput(string refusal)
    {
        (string path, string line) = Cases[refusal].Value;
        ProcessResult result = ProbesBinary.Run("list", path);
        AssertRefused(result.ExitCode, result.Stdout, result.Stderr, line);
    }

    /// <summary>
    /// A spec with more arguments than sys/sdt.h can write is counted before anything is parsed,
    /// and costs only its probe: the file lists, the probe with one spec-wide error, and a trace
    /// of it alone fails as bad input (nothing else selected could be attached).
    /// </summary>
    [TestMethod]
    public void TooManyArgumentsListTheProbeWithAnErrorAndLeaveNothingToTrace()
    {
        string spec = string.Join(' ', Enumerable.Repeat("8@%rax", UsdtLimits.MaxArguments + 1));
        ElfNotePatcher patcher = ElfNotePatcher.Shim();
        Rewritten(patcher, "", arguments: spec);
        string path = patcher.Save($"crafted-{Guid.NewGuid():N}.so");
        string reason = $"{UsdtLimits.MaxArguments + 1} arguments, more than the limit of {UsdtLimits.MaxArguments} (sys/sdt.h emits at most 12)";

        ProcessResult listed = ProbesBinary.Run("list", "--json", path);
        Assert.AreEqual(0, listed.ExitCode, listed.Stderr);
        using (var json = System.Text.Json.JsonDocument.Parse(listed.Stdout))
        {
            System.Text.Json.JsonElement error = json.RootElement[0].GetProperty("argument_errors").EnumerateArray().Single();
            Assert.AreEqual(-1, error.GetProperty("index").GetInt32());
            Assert.AreEqual(reason, error.GetProperty("error").GetString());
        }

        IReadOnlyList<ListedProbe> found = new ProbeDiscovery(new ConsoleDiagnostics(new CliConsole(TextWriter.Null, TextWriter.Null), verbose: false)).ListFile(path);
        var refusal = Assert.ThrowsExactly<UsdtSpecException>(() => TracePlan.Build(found, [ProbePattern.Parse("probes:*")], [], null, path));
        Assert.AreEqual($"none of the 1 selected probe(s) in {path} can be traced, as their arguments cannot be decoded: probes:phase_begin in {path} ({reason})", refusal.Message);
    }

    /// <summary>
    /// A file of nothing but undecodable operands costs at most
    /// <see cref="UsdtLimits.MaxArgumentErrorsPerFile"/> errors (each an exception and a
    /// message); past that its probes share one error, and every probe is still listed.
    /// </summary>
    [TestMethod]
    public void UndecodableArgumentsCostAtMostTheErrorBudgetOfTheFile()
    {
        ElfNotePatcher patcher = ElfNotePatcher.Shim();
        PatchedNote begin = patcher.Note("phase_begin");
        string spec = string.Join(' ', Enumerable.Repeat("8@%xyz", UsdtLimits.MaxArguments));
        const int Probes = 30; // 360 bad arguments
        patcher.ReplaceNotes(Enumerable.Range(0, Probes).Select(i => RawNote.Stapsdt(begin.Pc, begin.Base, begin.Semaphore, "probes", $"bad{i}", spec)));
        string path = patcher.Save($"crafted-{Guid.NewGuid():N}.so");

        IReadOnlyList<ListedProbe> listed = new ProbeDiscovery(new ConsoleDiagnostics(new CliConsole(TextWriter.Null, TextWriter.Null), verbose: false)).ListFile(path);

        Assert.HasCount(Probes, listed);
        Assert.IsTrue(listed.All(p => !p.IsTraceable && p.Arguments.Count == 0));
        List<UsdtArgumentError> errors = listed.SelectMany(p => p.ArgumentErrors).ToList();
        Assert.AreEqual(UsdtLimits.MaxArgumentErrorsPerFile, errors.Count(e => e.Index >= 0));
        Assert.AreEqual(new UsdtArgumentError(0, "8@%xyz", "unknown register '%xyz'"), errors[0]);
        UsdtArgumentError shared = listed[^1].ArgumentErrors.Single();
        Assert.AreEqual($"not decoded: this file's argument specs hold more than {UsdtLimits.MaxArgumentErrorsPerFile} errors", shared.Reason);
        Assert.AreSame(shared, listed[^2].ArgumentErrors.Single(), "one shared error, not one per probe");
    }

    /// <summary>The untouched shim lists, so every refusal above comes from its one change.</summary>
    [TestMethod]
    public void TheUntouchedCopyIsAccepted()
    {
        string path = ElfNotePatcher.Shim().ReplaceNotes(ElfNotePatcher.Shim().OriginalNotes()).Save("untouched-copy.so");
        Assert.HasCount(4, ProbesBinary.ListJson(path)); // ABI v2: phase_begin, phase_end, mark, phase_context
    }

    /// <summary>
    /// No false refusal: every probe of real binaries on this machine (python, libpython,
    /// libstdc++ and g++ with its static copy of it, libc, our shim in both builds, the
    /// fixtures in every link mode) passes the site and semaphore checks, as many as readelf shows.
    /// </summary>
    [TestMethod]
    public void RealBinariesKeepAllTheirProbes()
    {
        var files = new List<string>
        {
            "/usr/bin/python3.11",
            "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/bin/g++-12",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            TestPaths.LibProbes,
            Path.Combine(Path.GetDirectoryName(TestPaths.LibProbes)!, "libprobes-counting.so"),
        };
        files.AddRange(from kind in Enum.GetValues<FixtureKind>() from level in Fixtures.OptimisationLevels select Fixtures.Build(kind, level));

        int checkedFiles = 0, probes = 0;
        foreach (string path in files.Where(File.Exists))
        {
            using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
            IReadOnlyList<UsdtProbe> read = UsdtNoteReader.ReadProbes(elf);
            Assert.HasCount(ReadelfNotes.Read(path).Count, read, path);
            checkedFiles++;
            probes += read.Count;
        }
        Console.WriteLine($"{checkedFiles} files, {probes} probe sites and their semaphores passed");
        Assert.IsGreaterThanOrEqualTo(10, checkedFiles);
    }

    private static Lazy<(string, string)> Case(Func<ElfNotePatcher, string> craft) => new(() =>
    {
        ElfNotePatcher patcher = ElfNotePatcher.Shim();
        string problem = craft(patcher);
        string path = patcher.Save($"crafted-{Guid.NewGuid():N}.so");
        return (path, $"probes: error: {path}: {problem}");
    });

    /// <summary>Replaces the notes by the shim's first note with some of its strings changed.</summary>
    private static string Rewritten(ElfNotePatcher patcher, string line, string? provider = null, string? name = null, string? arguments = null)
    {
        PatchedNote first = patcher.Notes[0];
        patcher.ReplaceNotes([RawNote.Stapsdt(first.Pc, first.Base, first.Semaphore, provider ?? first.Provider, name ?? first.Name, arguments ?? first.Arguments)]);
        return line;
    }

    private static void AssertRefused(int code, string stdout, string stderr, string line)
    {
        Assert.AreEqual((int)ExitCode.BadInput, code, $"exit code; stderr: {stderr}");
        Assert.AreEqual("", stdout, "nothing listed from a refused file");
        Assert.AreEqual(line + "\n", stderr.ReplaceLineEndings("\n"));
    }
}
