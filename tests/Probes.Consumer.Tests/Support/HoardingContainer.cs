using System.Globalization;
using Probes.Consumer.Targets;
using Probes.Consumer.Tests.Security;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A hostile container for the resource-exhaustion tests. Its static program (tests/Fixtures/hoard.c) maps, in this
/// order: a copy of our shim at <see cref="ShimInContainer"/> (read+exec for the probe sites,
/// and private read+write so the kernel has a place to raise the semaphores); a copy of the
/// shim whose <c>.note.stapsdt</c> holds <see cref="CrowdedProbeCount"/> probes, one more than
/// <see cref="UsdtLimits.MaxProbesPerFile"/>, at <see cref="CrowdedInContainer"/>; then
/// <see cref="HoardedFileCount"/> distinct one-page files it creates under
/// <see cref="HoardDirectory"/>, more than <see cref="TargetLimits.MaxFilesPerTarget"/>. Each
/// descriptor is closed once mapped, so the container's nofile limit of 1024 is no obstacle.
///
/// The consumer examines a process's files in address order and stops at the bound, so the
/// shim and the crowded file are placed at fixed low addresses (above the non-PIE program and
/// its heap, below the top-down mmap area the hoard lands in): they are among the files
/// examined, and the hoard is what the bound cuts off. <see cref="MappedFilesInAddressOrder"/>
/// lets the test check that layout instead of trusting it.
/// </summary>
public sealed class HoardingContainer : IDisposable
{
    public const string ProgramInContainer = "/hoard";

    public const string ShimInContainer = "/app/libprobes.so";

    public const string CrowdedInContainer = "/app/crowded.so";

    public const string HoardDirectory = "/tmp/hoard";

    /// <summary>Well past the bound of 1,024, well under vm.max_map_count (65,530).</summary>
    public const int HoardedFileCount = 1_500;

    public const int CrowdedProbeCount = UsdtLimits.MaxProbesPerFile + 1;

    private readonly RootfsContainer _container;

    public HoardingContainer(string podman)
    {
        _container = new RootfsContainer(podman, "probes-hoard", root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "tmp"));
            RootfsContainer.CompileStatic("hoard.c", Path.Combine(root, ProgramInContainer.TrimStart('/')));
            RootfsContainer.Place(root, TestPaths.LibProbes, ShimInContainer);
            RootfsContainer.Place(root, CrowdedShim(), CrowdedInContainer);
        }, [ProgramInContainer, ShimInContainer, CrowdedInContainer, HoardDirectory, HoardedFileCount.ToString(CultureInfo.InvariantCulture)]);
        try
        {
            _container.WaitForLog("ready");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name => _container.Name;

    public int HostPid => _container.HostPid;

    /// <summary>The distinct paths of the process's file mappings, first mapping of each, in address order (as the kernel lists them).</summary>
    public List<string> MappedFilesInAddressOrder()
    {
        var paths = new List<string>();
        foreach (string line in File.ReadLines($"/proc/{HostPid}/maps"))
        {
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6 && fields[5].StartsWith('/') && !paths.Contains(fields[5].Trim()))
            {
                paths.Add(fields[5].Trim());
            }
        }
        return paths;
    }

    public bool IsRunning() => _container.IsRunning();

    public void Dispose() => _container.Dispose();

    /// <summary>The shim with its three notes replaced by <see cref="CrowdedProbeCount"/> copies of phase_begin's.</summary>
    private static string CrowdedShim()
    {
        ElfNotePatcher patcher = ElfNotePatcher.Shim();
        PatchedNote note = patcher.Note("phase_begin");
        RawNote begin = RawNote.Stapsdt(note.Pc, note.Base, note.Semaphore, note.Provider, note.Name, note.Arguments);
        return patcher.ReplaceNotes(Enumerable.Repeat(begin, CrowdedProbeCount)).Save($"crowded-libprobes-{Guid.NewGuid():N}.so");
    }

}
