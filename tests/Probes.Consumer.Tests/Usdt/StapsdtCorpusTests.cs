using System.Text;
using System.Text.Json;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Usdt;

/// <summary>
/// Every ELF file of this machine that has a .note.stapsdt section (python3.11, libpython,
/// libstdc++, gcc's tools, the JDKs' libjvm.so with 500+ hotspot probes, postgres, ...), listed
/// by the real `probes list --json --verbose` and compared with `readelf -n` probe for probe,
/// with every argument of every probe decoded: the test prints how many files, probes and
/// arguments it saw, the count of each operand form, and how many arguments did not decode,
/// which must be none.
/// </summary>
[TestClass]
[TestCategory("Cli")]
public sealed class StapsdtCorpusTests
{
    /// <summary>Where installed programs and libraries live (the JDKs are under /usr/lib/jvm).</summary>
    private static readonly string[] Roots = ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec", "/usr/local", "/opt"];

    private static readonly byte[] SectionName = Encoding.ASCII.GetBytes(".note.stapsdt");

    [TestMethod]
    public void Every_stapsdt_file_on_the_machine_lists_as_readelf_does_and_every_argument_decodes()
    {
        (List<string> corpus, int examined, int elf, int refused, List<string> unreadable) = FindCorpus();
        Console.WriteLine($"{examined} files examined under {string.Join(' ', Roots)}: {elf} ELF files ({refused} refused by our reader, {unreadable.Count} of them naming .note.stapsdt), {corpus.Count} with .note.stapsdt");
        // A file our reader refuses must not be one that has probes (binutils decides that).
        foreach (string suspect in unreadable)
        {
            string sections = ProcessRunner.Run(Requirements.Tool("readelf"), ["-SW", suspect], TimeSpan.FromMinutes(1)).Stdout;
            Assert.DoesNotContain(".note.stapsdt", sections, $"{suspect} has stapsdt notes, but our ELF reader refused it");
        }
        Assert.Contains("/usr/bin/python3.11", corpus, "Debian's python3.11 carries stapsdt notes on every machine of this kind");

        int probes = 0, arguments = 0;
        var forms = new Dictionary<string, int>(StringComparer.Ordinal);
        var unsupported = new List<string>();
        foreach (string path in corpus)
        {
            List<ReadelfProbe> expected = ReadelfNotes.Read(path);
            ProcessResult result = ProbesBinary.Run("list", "--json", "--verbose", path).EnsureSuccess($"probes list --json --verbose {path}");
            using JsonDocument json = JsonDocument.Parse(result.Stdout);
            JsonElement[] listed = json.RootElement.EnumerateArray().ToArray();

            var expectedRows = expected.Select(p => (p.Provider, p.Name, p.Location, p.Base, p.Semaphore, p.Arguments)).ToList();
            var actualRows = listed.Select(p => (
                p.GetProperty("provider").GetString()!, p.GetProperty("name").GetString()!, p.GetProperty("pc").GetUInt64(),
                p.GetProperty("base").GetUInt64(), p.GetProperty("semaphore").GetUInt64(), p.GetProperty("args").GetString()!)).ToList();
            CollectionAssert.AreEqual(expectedRows, actualRows, $"probes list differs from readelf -n for {path}");

            foreach (JsonElement probe in listed)
            {
                probes++;
                foreach (JsonElement argument in probe.GetProperty("arguments").EnumerateArray())
                {
                    arguments++;
                    string spec = argument.GetProperty("spec").GetString()!;
                    if (argument.TryGetProperty("error", out JsonElement error))
                    {
                        unsupported.Add($"{path} {probe.GetProperty("provider").GetString()}:{probe.GetProperty("name").GetString()} {spec}: {error.GetString()}");
                    }
                    else
                    {
                        string form = OperandForms.Of(spec);
                        forms[form] = forms.GetValueOrDefault(form) + 1;
                    }
                }
                if (probe.TryGetProperty("argument_errors", out JsonElement errors) && errors.EnumerateArray().Any(e => e.GetProperty("index").GetInt32() < 0))
                {
                    unsupported.Add($"{path} {probe.GetProperty("provider").GetString()}:{probe.GetProperty("name").GetString()}: {errors}");
                }
            }
            Console.WriteLine($"  {path}: {listed.Length} probes");
        }

        Console.WriteLine($"corpus: {corpus.Count} files, {probes} probes, {arguments} arguments in {forms.Count} forms; unsupported: {unsupported.Count}");
        foreach ((string form, int count) in forms.OrderByDescending(f => f.Value).ThenBy(f => f.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {count,6}  {form}");
        }
        foreach (string problem in unsupported)
        {
            Console.WriteLine($"  unsupported: {problem}");
        }
        Assert.IsEmpty(unsupported, string.Join('\n', unsupported));
        foreach (string jvm in corpus.Where(p => p.EndsWith("/server/libjvm.so", StringComparison.Ordinal)))
        {
            Assert.IsGreaterThan(500, ReadelfNotes.Read(jvm).Count, $"{jvm}: a HotSpot JVM has 500+ probes");
        }
    }

    /// <summary>
    /// Regular files (not symlinks: each file once) under the roots; ELF ones opened with our
    /// reader. Files it refuses are returned if their bytes so much as mention .note.stapsdt,
    /// for binutils to judge.
    /// </summary>
    private static (List<string> Corpus, int Examined, int Elf, int Refused, List<string> Unreadable) FindCorpus()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var corpus = new List<string>();
        var unreadable = new List<string>();
        int examined = 0, elf = 0, refused = 0;
        foreach (string root in Roots.Where(Directory.Exists))
        {
            foreach (string path in Directory.EnumerateFiles(root, "*", options))
            {
                examined++;
                try
                {
                    using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path);
                    if (!ElfFile.HasElfMagic(handle))
                    {
                        continue;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                elf++;
                try
                {
                    using ElfFile file = ElfFile.Open(File.OpenHandle(path), path);
                    if (file.FindSection(".note.stapsdt") is not null)
                    {
                        corpus.Add(path);
                    }
                }
                catch (ElfFormatException)
                {
                    refused++;
                    if (File.ReadAllBytes(path).AsSpan().IndexOf(SectionName) >= 0)
                    {
                        unreadable.Add(path);
                    }
                }
            }
        }
        corpus.Sort(StringComparer.Ordinal);
        return (corpus, examined, elf, refused, unreadable);
    }
}
