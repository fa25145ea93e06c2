using System.Globalization;

namespace Probes.Consumer.Tests.Containers;

/// <summary>
/// A recorded-style /proc tree in a temporary directory: per pid a <c>cgroup</c>, a
/// <c>status</c> with its <c>PPid:</c>, <c>ns/pid</c> and <c>ns/mnt</c> links whose targets read
/// like the kernel's (<c>pid:[INODE]</c>, dangling as on a recorded tree) and a <c>maps</c>.
/// </summary>
internal sealed class FakeProc : IDisposable
{
    public FakeProc()
    {
        Root = Path.Combine(Path.GetTempPath(), $"probes-fake-proc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(Root, "self"));
    }

    public string Root { get; }

    public void Add(int pid, int parent, string cgroupPath, ulong pidNamespace = 4026531836, ulong mountNamespace = 4026531841, params string[] mappedFiles)
    {
        string directory = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(directory, "ns"));
        // Hybrid hierarchy as on this host: v1 controllers and the v2 line alike name the container.
        File.WriteAllText(Path.Combine(directory, "cgroup"), $"8:pids:{cgroupPath}\n4:memory:{cgroupPath}\n0::{cgroupPath}\n");
        File.WriteAllText(Path.Combine(directory, "status"), $"Name:\tproc{pid}\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t{parent}\n");
        File.CreateSymbolicLink(Path.Combine(directory, "ns", "pid"), $"pid:[{pidNamespace}]");
        File.CreateSymbolicLink(Path.Combine(directory, "ns", "mnt"), $"mnt:[{mountNamespace}]");
        ulong address = 0x7f0000000000;
        var maps = new List<string> { "5581c0a00000-5581c0a21000 r--p 00000000 00:2e 1311 /usr/bin/app" };
        foreach (string file in mappedFiles)
        {
            maps.Add($"{address:x}-{address + 0x1000:x} r-xp 00001000 00:2e 1400 {file}");
            address += 0x10000;
        }
        maps.Add("7ffd4b1e0000-7ffd4b201000 rw-p 00000000 00:00 0                          [stack]");
        File.WriteAllLines(Path.Combine(directory, "maps"), maps);
    }

    /// <summary>The reader's own <c>self/ns/pid</c>: the pid namespace this /proc belongs to.</summary>
    public void AddSelf(ulong pidNamespace)
    {
        Directory.CreateDirectory(Path.Combine(Root, "self", "ns"));
        File.CreateSymbolicLink(Path.Combine(Root, "self", "ns", "pid"), $"pid:[{pidNamespace}]");
    }

    /// <summary>A process that exited between the directory listing and the reads: only its directory remains.</summary>
    public void AddVanished(int pid) => Directory.CreateDirectory(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
