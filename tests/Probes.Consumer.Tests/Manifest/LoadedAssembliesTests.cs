using System.IO.MemoryMappedFiles;
using System.Text;
using Probes.Consumer.Manifest;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Manifest;

[TestClass]
public sealed class LoadedAssembliesTests
{
    [TestMethod]
    public void Maps_lines_give_each_assembly_file_once_through_the_process_root()
    {
        string[] maps =
        [
            "7f0000000000-7f0000001000 r--p 00000000 08:01 1234    /app/Shop.dll",
            "7f0000001000-7f0000002000 r-xp 00001000 08:01 1234    /app/Shop.dll",
            "7f0000002000-7f0000003000 r--p 00000000 08:01 99      /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Runtime.dll",
            "7f0000003000-7f0000004000 r-xp 00000000 08:01 77      /usr/lib/libprobes.so",
            "7f0000004000-7f0000005000 rw-p 00000000 00:00 0       [heap]",
            "7f0000005000-7f0000006000 rw-p 00000000 00:00 0",
        ];
        CollectionAssert.AreEqual(
            new[] { "/proc/42/root/app/Shop.dll", "/proc/42/root/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Runtime.dll" },
            LoadedAssemblies.Parse(maps, "/proc/42/root").ToArray());
    }

    [TestMethod]
    public void This_test_process_has_its_own_assembly_mapped()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("/proc/PID/maps is Linux only");
        }
        IReadOnlyList<string> files = LoadedAssemblies.Of(Environment.ProcessId);
        Assert.IsTrue(files.Any(f => f.EndsWith("/Probes.Consumer.Tests.dll", StringComparison.Ordinal)), string.Join("\n", files));
        Assert.IsTrue(files.All(File.Exists), "a path through /proc/PID/root does not resolve");
    }

    [TestMethod]
    public void A_mapped_assembly_with_a_malformed_manifest_is_one_warning_and_the_others_are_still_read()
    {
        string bad = Path.Combine(TestPaths.ScratchDirectory, $"Malformed-{Guid.NewGuid():N}.dll");
        string good = Path.Combine(TestPaths.ScratchDirectory, $"Woven-{Guid.NewGuid():N}.dll");
        File.WriteAllBytes(bad, TinyAssembly.With((PhaseManifestReader.ResourceName, Encoding.UTF8.GetBytes("{\"version\":1"))));
        File.WriteAllBytes(good, TinyAssembly.With((PhaseManifestReader.ResourceName, Encoding.UTF8.GetBytes("{\"version\":1,\"assembly\":\"Good\",\"phases\":[]}"))));
        // Mapped into this process, as the runtime maps the assemblies it loads.
        using MemoryMappedFile badMap = MemoryMappedFile.CreateFromFile(bad, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using MemoryMappedViewAccessor badView = badMap.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        using MemoryMappedFile goodMap = MemoryMappedFile.CreateFromFile(good, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using MemoryMappedViewAccessor goodView = goodMap.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);

        var warnings = new List<string>();
        var manifests = LoadedAssemblies.Manifests(Environment.ProcessId, warnings.Add).ToList();

        Assert.IsTrue(manifests.Any(m => m.Manifest.Assembly == "Good"), "the well-formed assembly is still read");
        string warning = warnings.Single(w => w.Contains("Malformed-", StringComparison.Ordinal));
        StringAssert.StartsWith(warning, $"pid {Environment.ProcessId}: {bad}: the Probes.Manifest.json resource is malformed: ");
    }
}
