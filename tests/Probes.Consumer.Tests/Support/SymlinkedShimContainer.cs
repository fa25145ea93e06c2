using System.Globalization;
using System.Text.RegularExpressions;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A hostile container for the symlink-escape tests. Its static program (tests/Fixtures/symlinked_shim.c) maps a copy of our
/// shim at <c>/app/libprobes.so</c> (once read+exec for the probe sites, once private
/// read+write so the kernel has a place to raise the semaphores), then mounts a tmpfs over
/// <c>/app</c> and puts there a symlink <c>/app/libprobes.so</c> -> <see cref="HostTarget"/>.
/// The maps line still names <c>/app/libprobes.so</c>, but <c>/proc/PID/root/app/libprobes.so</c>
/// now resolves against the HOST's root, to the host's libstdc++ (which has stapsdt notes).
/// Inside the container, the same absolute path is <see cref="DecoyInImage"/>: a copy of the
/// static fixture, so a path resolved inside the container root leads to a file that has
/// probes too, but is not the mapped one. Needs <c>--cap-add SYS_ADMIN</c> for the mount.
/// </summary>
public sealed partial class SymlinkedShimContainer : IDisposable
{
    /// <summary>A host file with stapsdt notes (libstdcxx:throw, ...); Debian's libc has none.</summary>
    public const string HostTarget = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

    public const string ShimInContainer = "/app/libprobes.so";

    /// <summary>What <see cref="HostTarget"/>'s path holds inside the image: not the mapped file.</summary>
    public const string DecoyInImage = HostTarget;

    private static readonly TimeSpan CommandLimit = RootfsContainer.CommandLimit;

    private readonly RootfsContainer _container;

    public SymlinkedShimContainer(string podman)
    {
        _container = new RootfsContainer(podman, "probes-symlink", root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "app"));
            RootfsContainer.CompileStatic("symlinked_shim.c", Path.Combine(root, "hostile"));
            RootfsContainer.Place(root, TestPaths.LibProbes, ShimInContainer);
            RootfsContainer.Place(root, Fixtures.Build(FixtureKind.Static, "-O0"), DecoyInImage);
        }, ["/hostile", ShimInContainer, HostTarget], ["--cap-add", "SYS_ADMIN"]);
        try
        {
            Match addresses = Ready().Match(_container.WaitForLog("ready"));
            Assert.IsTrue(addresses.Success, "the hostile program printed its addresses");
            WritableCopy = ulong.Parse(addresses.Groups["data"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name => _container.Name;

    public string Id => _container.Id;

    public int HostPid => _container.HostPid;

    /// <summary>Address of the private writable mapping of the whole shim (file offset 0): semaphores live at this + their file offset.</summary>
    public ulong WritableCopy { get; }

    /// <summary>The u16 semaphore at <paramref name="fileOffset"/> of the shim, as the container process sees it.</summary>
    public ushort Semaphore(ulong fileOffset)
    {
        using var memory = new FileStream($"/proc/{HostPid}/mem", FileMode.Open, FileAccess.Read);
        memory.Seek((long)(WritableCopy + fileOffset), SeekOrigin.Begin);
        Span<byte> value = stackalloc byte[2];
        memory.ReadExactly(value);
        return (ushort)(value[0] | (value[1] << 8));
    }

    /// <summary>The dev and inode fields of the container process's maps line for the shim, as the kernel printed them.</summary>
    public string MappedShimIdentity()
    {
        foreach (string line in File.ReadLines($"/proc/{HostPid}/maps"))
        {
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6 && fields[5].Trim() == ShimInContainer)
            {
                return $"dev {fields[3]} inode {fields[4]}";
            }
        }
        throw new InvalidOperationException($"pid {HostPid} does not map {ShimInContainer}");
    }

    public void Dispose() => _container.Dispose();

    /// <summary>Device and inode of <paramref name="path"/> (symlinks followed), by coreutils stat, in the notation of /proc/PID/maps.</summary>
    public static string IdentityOf(string path)
    {
        string[] parts = ProcessRunner.Run(Requirements.Tool("stat"), ["-L", "-c", "%Hd %Ld %i", path], CommandLimit).EnsureSuccess($"stat {path}").Stdout.Trim().Split(' ');
        uint major = uint.Parse(parts[0], CultureInfo.InvariantCulture);
        uint minor = uint.Parse(parts[1], CultureInfo.InvariantCulture);
        return $"dev {major:x2}:{minor:x2} inode {parts[2]}";
    }

    [GeneratedRegex(@"ready code=0x(?<code>[0-9a-f]+) data=0x(?<data>[0-9a-f]+)")]
    private static partial Regex Ready();
}
