using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// One BPF program attached to a uprobe through a descriptor of some process: a perf event, or a
/// uprobe_multi link (then with the site's cookie and semaphore offset, which fdinfo shows).
/// </summary>
public sealed record UprobeAttachment(int Fd, uint ProgramId, string Path, ulong Offset, ulong? Cookie = null, ulong? SemaphoreOffset = null);

/// <summary>
/// The uprobes a process holds, asked of the kernel with BPF_TASK_FD_QUERY for each of its
/// perf event descriptors (what <c>bpftool perf</c> prints): the path the uprobe was opened
/// with and the file offset of its site; and, for each uprobe_multi link descriptor, one per
/// offset its fdinfo lists (what <c>bpftool link</c> prints). Counting them per offset tells how
/// many uprobes sit on each probe site, independently of what the traced process says. Test-only.
///
/// A uprobe_multi link keeps no path string, only the file it resolved to (fdinfo shows its
/// d_path); the process's descriptor on that same file (its /proc/PID/fd link shows the same
/// d_path) stands in for the path, as <c>/proc/self/fd/N</c>, which is how probes opens it.
/// </summary>
public static partial class UprobeAttachments
{
    private const long SysBpf = 321;
    private const int TaskFdQuery = 20;       // BPF_TASK_FD_QUERY
    private const uint FdTypeUprobe = 4;      // BPF_FD_TYPE_UPROBE
    private const uint FdTypeUretprobe = 5;   // BPF_FD_TYPE_URETPROBE

    public static IReadOnlyList<UprobeAttachment> Of(int pid)
    {
        var found = new List<UprobeAttachment>();
        var descriptors = new List<(int Fd, string Target)>();
        foreach (string link in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            string? target = new FileInfo(link).LinkTarget;
            if (target is not null && int.TryParse(Path.GetFileName(link), out int fd))
            {
                descriptors.Add((fd, target));
            }
        }
        foreach ((int fd, string target) in descriptors)
        {
            if (target == "anon_inode:[perf_event]" && Query(pid, fd) is { } attachment)
            {
                found.Add(attachment);
            }
            else if (target == "anon_inode:bpf_link")
            {
                found.AddRange(UprobeMultiLink(pid, fd, descriptors));
            }
        }
        return found;
    }

    /// <summary>The sites of a uprobe_multi link, from /proc/PID/fdinfo/FD; nothing for other links.</summary>
    private static IEnumerable<UprobeAttachment> UprobeMultiLink(int pid, int fd, List<(int Fd, string Target)> descriptors)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/fdinfo/{fd}");
        }
        catch (IOException)
        {
            yield break; // closed meanwhile
        }
        string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim() ?? "";
        if (Field("link_type") != "uprobe_multi")
        {
            yield break;
        }
        string path = Field("path");
        uint programId = uint.Parse(Field("prog_id"), System.Globalization.CultureInfo.InvariantCulture);
        int same = descriptors.FindIndex(d => d.Target == path);
        string shown = same >= 0 ? $"/proc/self/fd/{descriptors[same].Fd}" : path;
        // After the header "cookie offset ref_ctr_offset": one line per site, e.g. "3\t 0x1130\t 0x4000".
        int header = Array.FindIndex(lines, l => l.StartsWith("cookie", StringComparison.Ordinal));
        foreach (string line in lines.Skip(header + 1))
        {
            string[] columns = line.Split('\t', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (header >= 0 && columns.Length >= 3)
            {
                yield return new UprobeAttachment(fd, programId, shown, Convert.ToUInt64(columns[1], 16),
                    ulong.Parse(columns[0], System.Globalization.CultureInfo.InvariantCulture), Convert.ToUInt64(columns[2], 16));
            }
        }
    }

    /// <summary>How many uprobes <paramref name="pid"/> holds at each file offset.</summary>
    public static Dictionary<ulong, int> PerOffset(int pid) =>
        Of(pid).GroupBy(a => a.Offset).ToDictionary(g => g.Key, g => g.Count());

    private static unsafe UprobeAttachment? Query(int pid, int fd)
    {
        byte[] name = new byte[4096];
        byte[] attr = new byte[48];
        fixed (byte* buffer = name)
        fixed (byte* attribute = attr)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(0), (uint)pid);
            BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(4), (uint)fd);
            BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(12), (uint)name.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(16), (ulong)buffer);
            if (syscall(SysBpf, TaskFdQuery, (nint)attribute, attr.Length) < 0)
            {
                return null; // a perf event without a BPF program, or gone meanwhile
            }
        }
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(attr.AsSpan(28));
        if (type is not (FdTypeUprobe or FdTypeUretprobe))
        {
            return null;
        }
        int length = Array.IndexOf(name, (byte)0);
        return new UprobeAttachment(fd, BinaryPrimitives.ReadUInt32LittleEndian(attr.AsSpan(24)),
            Encoding.UTF8.GetString(name, 0, length < 0 ? name.Length : length), BinaryPrimitives.ReadUInt64LittleEndian(attr.AsSpan(32)));
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint command, nint attr, nint size);
}
