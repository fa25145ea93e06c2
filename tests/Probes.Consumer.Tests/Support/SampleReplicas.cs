using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// Containers of the sample image for the replica tests: each waits for a tracer before its
/// startup phases (<c>--wait-for-tracer</c>), so every phase it runs is traced from its begin,
/// reports every phase instance about itself (<c>--self-report</c>), and is removed at the end.
/// </summary>
public sealed partial class SampleReplicas(string podman, string image) : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly List<string> _names = [];

    /// <summary>Host pid of each container's main process, by container name.</summary>
    public Dictionary<string, int> Pids { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _names;

    /// <summary>A unique container name for this test run.</summary>
    public static string NameFor(string role) => $"probes-rep-{role}-{Environment.ProcessId}";

    /// <summary>
    /// Runs a container that waits until a tracer raises its semaphores, then serves
    /// <paramref name="requests"/> requests <paramref name="intervalMilliseconds"/> apart; with
    /// <paramref name="waitForShim"/> waits until it maps the shim and returns its host pid.
    /// <paramref name="beforeStart"/> runs on the created, not yet started container (copy-up).
    /// <paramref name="podmanOptions"/> go before the subcommand (<c>--hooks-dir DIR</c>).
    /// </summary>
    public int Run(string name, int requests, int intervalMilliseconds, bool waitForTracer = true, bool waitForShim = true, Action<string>? beforeStart = null,
        IReadOnlyList<string>? podmanOptions = null)
    {
        string[] options = ["--runtime", "runc", .. podmanOptions ?? [], "create", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--name", name, image,
            .. waitForTracer ? new[] { "--wait-for-tracer", "120" } : [],
            "--requests", requests.ToString(CultureInfo.InvariantCulture), "--interval-ms", intervalMilliseconds.ToString(CultureInfo.InvariantCulture), "--self-report"];
        _names.Add(name);
        ProcessRunner.Run(podman, options, Timeout).EnsureSuccess($"podman create {name}");
        beforeStart?.Invoke(name);
        ProcessRunner.Run(podman, [.. podmanOptions ?? [], "start", name], Timeout).EnsureSuccess($"podman start {name}");
        if (!waitForShim)
        {
            return 0;
        }
        int pid = int.Parse(ProcessRunner.Run(podman, ["inspect", "-f", "{{.State.Pid}}", name], Timeout).EnsureSuccess("podman inspect").Stdout.Trim(), CultureInfo.InvariantCulture);
        Wait.Until(() => File.ReadAllText($"/proc/{pid}/maps").Contains(SampleImage.ShimInImage, StringComparison.Ordinal), Timeout, $"{name} maps the shim");
        Pids[name] = pid;
        return pid;
    }

    /// <summary>Removes these containers, made elsewhere, at the end too.</summary>
    public void Adopt(params string[] names) => _names.AddRange(names);

    /// <summary>Rewrites the shim inside a created container through its mounted root: overlayfs copies it up into the container's own layer.</summary>
    public void CopyUpShim(string name)
    {
        string merged = ProcessRunner.Run(podman, ["mount", name], Timeout).EnsureSuccess($"podman mount {name}").Stdout.Trim();
        try
        {
            string shim = merged + SampleImage.ShimInImage;
            byte[] bytes = File.ReadAllBytes(shim);
            using (var stream = new FileStream(shim, FileMode.Open, FileAccess.Write)) // opening for writing is what copies it up
            {
                stream.Write(bytes);
            }
        }
        finally
        {
            ProcessRunner.Run(podman, ["umount", name], Timeout).EnsureSuccess($"podman umount {name}");
        }
    }

    /// <summary>Waits until the container's output contains <paramref name="text"/>.</summary>
    public void WaitForLog(string name, string text) =>
        Wait.Until(() => ProcessRunner.Run(podman, ["logs", name], Timeout).Stdout.Contains(text, StringComparison.Ordinal), Timeout, $"{name} logs '{text}'");

    public void WaitAll() => ProcessRunner.Run(podman, ["wait", .. _names], Timeout).EnsureSuccess("podman wait");

    /// <summary>How many phase instances the container reported about itself.</summary>
    public int SelfReported(string name) => SelfReport().Matches(ProcessRunner.Run(podman, ["logs", name], Timeout).EnsureSuccess("podman logs").Stdout).Count;

    /// <summary>The shim each container maps, as its /proc/PID/maps names it (the overlay's device and inode).</summary>
    public HashSet<FileIdentity> MappedShims() => Pids.Values.Select(ShimMappedBy).ToHashSet();

    /// <summary>
    /// Waits until no process but the replicas maps a shim at the image's path. A uprobe_multi
    /// link shows only that path, the same in every container, so the uprobes <c>--all</c> rightly
    /// puts on another container's shim (one a previous test left dying, or another image's)
    /// could not be told from the replicas' own; fails naming the process if one stays.
    /// </summary>
    public void WaitUntilOnlyTheReplicasMapTheShim()
    {
        HashSet<FileIdentity> ours = MappedShims();
        string others = "";
        bool Alone()
        {
            others = string.Join(", ", OtherProcessesMappingTheShim(ours));
            return others.Length == 0;
        }
        Wait.Until(Alone, TimeSpan.FromSeconds(30), $"no process but the replicas maps {SampleImage.ShimInImage} (still: {others})");
    }

    private static IEnumerable<string> OtherProcessesMappingTheShim(HashSet<FileIdentity> ours)
    {
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
            {
                continue;
            }
            string[] maps;
            string comm;
            try
            {
                maps = File.ReadAllLines($"{directory}/maps");
                comm = File.ReadAllText($"{directory}/comm").Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile
            }
            foreach (string line in maps)
            {
                if (ProcMapping.TryParse(line, out ProcMapping? mapping) && mapping!.Path == SampleImage.ShimInImage && !ours.Contains(mapping.Identity))
                {
                    yield return $"pid {pid} ({comm})";
                    break;
                }
            }
        }
    }

    /// <summary>File offsets of the phase_begin and phase_end sites and of their semaphores, from <c>probes list</c> of a replica.</summary>
    public static (ulong Begin, ulong End) PhaseSites(int pid)
    {
        List<JsonProbe> probes = ProbesBinary.ListJson("--pid", pid.ToString(CultureInfo.InvariantCulture));
        return (probes.Single(p => p.Provider == "probes" && p.Name == "phase_begin").PcOffset, probes.Single(p => p.Provider == "probes" && p.Name == "phase_end").PcOffset);
    }

    /// <summary>File offsets of the phase_begin and phase_end semaphores in the shim, from <c>probes list</c> of a replica.</summary>
    public static (ulong Begin, ulong End) PhaseSemaphoreOffsets(int pid)
    {
        List<JsonProbe> probes = ProbesBinary.ListJson("--pid", pid.ToString(CultureInfo.InvariantCulture));
        return (probes.Single(p => p.Provider == "probes" && p.Name == "phase_begin").SemaphoreOffset,
            probes.Single(p => p.Provider == "probes" && p.Name == "phase_end").SemaphoreOffset);
    }

    /// <summary>
    /// The phase_begin and phase_end semaphores of a replica, read from its memory (quick: no
    /// <c>probes list</c>, the offsets come from <see cref="PhaseSemaphoreOffsets"/>). The kernel
    /// raises a semaphore by one in every process mapping a file for each uprobe on that file's
    /// site (perf uprobe or uprobe_multi link alike), so 1 means exactly one uprobe on the file
    /// this process really maps, 0 none, 2 a duplicate.
    /// </summary>
    public static (ushort Begin, ushort End) PhaseSemaphores(int pid, (ulong Begin, ulong End) offsets)
    {
        var mappings = File.ReadLines($"/proc/{pid}/maps")
            .Select(line => ProcMapping.TryParse(line, out ProcMapping? mapping) ? mapping : null)
            .OfType<ProcMapping>()
            .Where(m => m.Path == SampleImage.ShimInImage)
            .ToList();
        ushort Read(ulong fileOffset)
        {
            ProcMapping mapping = mappings.Single(m => fileOffset >= m.Offset && fileOffset < m.Offset + (m.End - m.Start));
            using var memory = new FileStream($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read);
            memory.Seek((long)(mapping.Start + fileOffset - mapping.Offset), SeekOrigin.Begin);
            Span<byte> value = stackalloc byte[2];
            memory.ReadExactly(value);
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(value);
        }
        return (Read(offsets.Begin), Read(offsets.End));
    }

    /// <summary>
    /// How many of the tracer's uprobes sit at each file offset on one of <paramref name="files"/>:
    /// each uprobe was opened through the tracer's pinned descriptor (<c>/proc/self/fd/N</c>), which
    /// stays open while it traces, so the file is told by that descriptor's statx. A uprobe_multi
    /// link only shows the file's path, which files of different containers can share
    /// (<see cref="UprobeAttachments"/>): tell those apart with <see cref="PhaseSemaphores"/>.
    /// </summary>
    public static Dictionary<ulong, int> UprobesOn(int tracerPid, IReadOnlySet<FileIdentity>? files)
    {
        var counts = new Dictionary<ulong, int>();
        foreach (UprobeAttachment attachment in UprobeAttachments.Of(tracerPid))
        {
            Match fd = SelfFd().Match(attachment.Path);
            Assert.IsTrue(fd.Success, $"uprobe opened with {attachment.Path}, not a pinned descriptor");
            FileIdentity identity = NativeFiles.Status($"/proc/{tracerPid}/fd/{fd.Groups[1].Value}").Identity;
            if (files is null || files.Contains(identity))
            {
                counts[attachment.Offset] = counts.GetValueOrDefault(attachment.Offset) + 1;
            }
        }
        return counts;
    }

    /// <summary>Per container key of a phases JSON report, the number of completed phases.</summary>
    public static Dictionary<string, long> CountedPerContainer(JsonElement report) =>
        report.GetProperty("phases").EnumerateArray().GroupBy(r => r.GetProperty("container").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.GetProperty("count").GetInt64()));

    public void Dispose() => ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. _names], Timeout);

    private static FileIdentity ShimMappedBy(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/maps"))
        {
            if (ProcMapping.TryParse(line, out ProcMapping? mapping) && mapping!.Path == SampleImage.ShimInImage)
            {
                return mapping.Identity;
            }
        }
        throw new InvalidOperationException($"pid {pid} does not map {SampleImage.ShimInImage}");
    }

    [GeneratedRegex(@"self-report phase=\S+ seq=\d+ ns=\d+")]
    private static partial Regex SelfReport();

    [GeneratedRegex(@"^/proc/self/fd/(\d+)$")]
    private static partial Regex SelfFd();
}
