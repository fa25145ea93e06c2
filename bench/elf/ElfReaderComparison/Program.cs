using System.Diagnostics;
using System.Globalization;
using ElfReaderComparison;

// ELFSharp 2.17.3 against the project's Elf/ reader, side by side in one process:
//   1. which stapsdt notes each exposes on real files (readelf -n is the reference);
//   2. bytes allocated and time taken on real and crafted files, in alternating rounds;
//   3. which exceptions each lets out on damaged copies of the shim.
// Usage: ElfReaderComparison --shim native/build/libprobes.so [--rounds 5] [--mutants 2000] [FILE...]

string shim = "native/build/libprobes.so";
int rounds = 5, mutantCount = 2000;
var realFiles = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--shim": shim = args[++i]; break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--mutants": mutantCount = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: realFiles.Add(args[i]); break;
    }
}
if (realFiles.Count == 0)
{
    realFiles.AddRange(new[]
    {
        "/usr/bin/python3.11",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
    }.Where(File.Exists));
}
realFiles.Insert(0, shim);
string elfSharp = typeof(ELFSharp.ELF.ELFReader).Assembly.Location;
Console.WriteLine($"ELFSharp {FileVersionInfo.GetVersionInfo(elfSharp).ProductVersion}, .NET {Environment.Version}, GC heap limit {Mib(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)}");

Reader[] noteReaders = [Reader.ElfSharpNoteSection, Reader.ElfSharpContents, Reader.Ours];
Console.WriteLine();
Console.WriteLine("### stapsdt notes found");
Console.WriteLine();
Console.WriteLine("| file | readelf -n | " + string.Join(" | ", noteReaders.Select(r => r.Name)) + " |");
Console.WriteLine("|---|---:|" + string.Concat(noteReaders.Select(_ => "---:|")));
foreach (string file in realFiles)
{
    Console.WriteLine($"| {file} | {ReadelfStapsdtCount(file)} | " + string.Join(" | ", noteReaders.Select(r => Measurement.Once(r, file).Outcome)) + " |");
}

byte[] seed = File.ReadAllBytes(shim);
string scratch = Directory.CreateTempSubdirectory("elf-reader-comparison-").FullName;
var crafted = new List<(string Path, string What)>
{
    (Save("notes-10000.so", CraftedFiles.ManyNotes(seed, 10_000)), "10,000 stapsdt notes"),
    (Save("strtab-x200.so", CraftedFiles.StringTableFanOut(seed, 200)), "200 SHT_STRTAB headers on one 4 MiB region"),
    (Save("symtab-x16.so", CraftedFiles.SymbolTableFanOut(seed, 16)), "16 SHT_SYMTAB headers on one 4 MiB region"),
    (Save("strtab-x16000.so", CraftedFiles.StringTableFanOut(seed, 16_000)), "16,000 SHT_STRTAB headers on one 4 MiB region"),
};

Reader[] costReaders = [Reader.ElfSharpContents, Reader.ElfSharpBudgeted, Reader.Ours, Reader.OursWithUsdt];
foreach (Reader reader in costReaders)
{
    _ = Measurement.Once(reader, shim); // JIT and first-use costs stay out of the rounds
}
Console.WriteLine();
Console.WriteLine($"### cost to read the notes (median of {rounds} alternating rounds)");
Console.WriteLine();
Console.WriteLine("| file | size | reader | outcome | read from file | allocated | time | allocated / ours | time / ours |");
Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|---:|");
foreach ((string path, string what) in realFiles.Select(f => (f, Path.GetFileName(f))).Concat(crafted))
{
    Dictionary<Reader, Sample> medians = Measurement.Compare(path, costReaders, rounds);
    Sample ours = medians[Reader.Ours];
    foreach (Reader reader in costReaders)
    {
        Sample s = medians[reader];
        Console.WriteLine($"| {what} | {Mib(SizeOf(path))} | {reader.Name} | {s.Outcome} | {(s.BytesRead is long read ? Mib(read) : "")} | {Mib(s.AllocatedBytes)} | {s.Elapsed.TotalMilliseconds:F1} ms | " +
            $"{(double)s.AllocatedBytes / ours.AllocatedBytes:F1}x | {s.Elapsed / ours.Elapsed:F1}x |");
    }
}

Reader[] censusReaders = [Reader.ElfSharpContents, Reader.ElfSharpBudgeted, Reader.Ours];
var census = censusReaders.ToDictionary(r => r, _ => new SortedDictionary<string, int>(StringComparer.Ordinal));
var slowest = censusReaders.ToDictionary(r => r, _ => (Elapsed: TimeSpan.Zero, Outcome: ""));
var firstOutOfMemory = new Dictionary<Reader, string>();
string mutantPath = Path.Combine(scratch, "mutant.so");
foreach (byte[] mutant in Mutants.Of(seed, mutantCount, randomSeed: 13))
{
    File.WriteAllBytes(mutantPath, mutant);
    foreach (Reader reader in censusReaders)
    {
        Sample s = Measurement.Once(reader, mutantPath);
        string outcome = s.Outcome.EndsWith(" notes", StringComparison.Ordinal) ? "read without error" : s.Outcome;
        census[reader][outcome] = census[reader].GetValueOrDefault(outcome) + 1;
        if (s.Elapsed > slowest[reader].Elapsed)
        {
            slowest[reader] = (s.Elapsed, s.Outcome);
        }
        if (s.Error is OutOfMemoryException oom && !firstOutOfMemory.ContainsKey(reader))
        {
            string? frame = oom.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("ELFSharp.", StringComparison.Ordinal));
            firstOutOfMemory[reader] = $"{mutant.Length} byte mutant, after {Mib(s.AllocatedBytes)} allocated, {frame}";
        }
    }
}
Console.WriteLine();
Console.WriteLine($"### outcomes on {mutantCount} damaged copies of {Path.GetFileName(shim)} (seed 13)");
Console.WriteLine();
Console.WriteLine("| reader | outcome | mutants |");
Console.WriteLine("|---|---|---:|");
foreach (Reader reader in censusReaders)
{
    foreach ((string outcome, int count) in census[reader])
    {
        Console.WriteLine($"| {reader.Name} | {outcome} | {count} |");
    }
    Console.WriteLine($"| {reader.Name} | slowest mutant ({slowest[reader].Outcome}) | {slowest[reader].Elapsed.TotalMilliseconds:F1} ms |");
}
foreach ((Reader reader, string where) in firstOutOfMemory)
{
    Console.WriteLine();
    Console.WriteLine($"First OutOfMemoryException of {reader.Name}: {where}");
}

Directory.Delete(scratch, recursive: true);
return 0;

string Save(string name, byte[] bytes)
{
    string path = Path.Combine(scratch, name);
    File.WriteAllBytes(path, bytes);
    return path;
}

static long SizeOf(string path)
{
    using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path);
    return RandomAccess.GetLength(handle);
}

static string Mib(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / 1048576.0:F1} MiB" : $"{bytes / 1024.0:F1} KiB";

static int ReadelfStapsdtCount(string file)
{
    var start = new ProcessStartInfo("readelf", ["-n", "--wide", file]) { RedirectStandardOutput = true };
    using Process readelf = Process.Start(start)!;
    int count = readelf.StandardOutput.ReadToEnd().Split('\n').Count(line => line.Contains("NT_STAPSDT", StringComparison.Ordinal));
    readelf.WaitForExit();
    return count;
}
