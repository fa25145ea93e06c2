using System.IO.MemoryMappedFiles;
using System.Text;
using Probes.Consumer.Manifest;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Manifest;

[TestClass]
public sealed class LoadedAssembliesTests
{
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
