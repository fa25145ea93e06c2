using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Resolution;
using Probes.Consumer.Tracing.Run;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Agent;

/// <summary>
/// The files the agent is attached to, kept in step with what processes map (<see cref="Update"/>,
/// each rescan): a process mapping a copy of the shim not seen before has that file read and
/// pinned; if the kernel's uprobe for it would land on a file already attached (replicas of one
/// image share the layer's inode, <see cref="DistinctRealFiles"/>), the new pin is closed and the
/// attached file now serves that process too; otherwise its phase probes are added to the run
/// (attached at once). A file that no process has mapped for <paramref name="linger"/> is detached
/// and unpinned, so nothing stays in the kernel for containers that are gone; until then a new
/// container of the same image is covered from its first probe (detached at once, a replica started
/// a second after the last one exited would only be found by the next scan, its startup missed). Mappings are keyed by process and by the
/// identity the process's maps show, so a pid or an overlay device reused later is read afresh.
/// Runs on the run's thread (between reads of the ring), like every call into a <see cref="TraceRun"/>.
/// </summary>
/// <param name="withContext">Attach ABI v2's <c>phase_context</c> too where a file has it (OTLP export: raising its semaphore makes the SDK read <c>Activity.Current</c>).</param>
public sealed class AttachedShims(TraceRun run, IDiagnosticSink sink, TimeSpan linger, bool withContext = false) : IDisposable
{
    /// <summary>Each known mapping: the real file it reaches, or null for a file without phase probes (or refused), not read again.</summary>
    private readonly Dictionary<(int Pid, FileIdentity Identity), FileIdentity?> _mappings = new();
    private readonly Dictionary<FileIdentity, TracePlan> _attached = new();
    private readonly Dictionary<FileIdentity, long> _unmappedSince = new();
    private readonly Dictionary<FileLook, FileIdentity> _attachedByLook = new();
    private uint _nextProbeId;

    /// <summary>Distinct files attached now.</summary>
    public int Count => _attached.Count;

    /// <summary>Files <see cref="AttachFile"/> found attached by their look alone (<see cref="FileLook"/>), without reading them.</summary>
    public ulong AnsweredByLook { get; private set; }

    /// <summary>Follows <paramref name="current"/> (every shim mapping on the host now); returns the pids that mapped a file before it was attached (their earlier phases were missed).</summary>
    /// <param name="now">Milliseconds on a monotonic clock.</param>
    public List<int> Update(IReadOnlyList<ShimMapping> current, long now)
    {
        var late = new List<int>();
        var fresh = current.Where(m => !_mappings.ContainsKey(m.Key)).DistinctBy(m => m.Key).ToList();
        if (fresh.Count > 0)
        {
            late.AddRange(Add(fresh));
        }
        var present = current.Select(m => m.Key).ToHashSet();
        foreach ((int, FileIdentity) gone in _mappings.Keys.Where(key => !present.Contains(key)).ToList())
        {
            _mappings.Remove(gone);
        }
        var reached = _mappings.Values.OfType<FileIdentity>().ToHashSet();
        foreach (FileIdentity real in _attached.Keys.ToList())
        {
            if (reached.Contains(real))
            {
                _unmappedSince.Remove(real);
            }
            else if (!_unmappedSince.TryAdd(real, now) && now - _unmappedSince[real] >= linger.TotalMilliseconds)
            {
                _unmappedSince.Remove(real);
                Detach(real);
            }
        }
        return late;
    }

    /// <summary>
    /// Attaches <paramref name="file"/> (pinned; found in a container's root filesystem before the
    /// container runs, <see cref="HookListener"/>) unless its real file is attached already. No
    /// process maps it yet, so the grace period starts now. False when it has no phase probes or
    /// was refused.
    /// </summary>
    public bool AttachFile(TargetFile file, long now)
    {
        FileLook? look = file.Pinned is { } opened ? FileLook.Of(opened) : null;
        if (look is { } seen && _attachedByLook.TryGetValue(seen, out FileIdentity known) && _attached.ContainsKey(known))
        {
            file.Pinned!.Dispose();
            AnsweredByLook++;
            return true;
        }
        IReadOnlyList<ListedProbe> found = new ProbeDiscovery(sink, keepPinned: true).ListFiles([file]);
        List<ListedProbe> wanted = found.Where(ProbeRequirement.Phases.Wants).ToList();
        ListedProbe.ReleaseFiles(found.Where(p => !wanted.Contains(p)));
        if (wanted.Count == 0 || wanted[0].File.Pinned is not { } pinned || !ProbeRequirement.Phases.IsMetBy(wanted))
        {
            ListedProbe.ReleaseFiles(wanted);
            return false;
        }
        FileIdentity real = DistinctRealFiles.RealIdentities([pinned], sink.Warning)[pinned];
        if (_attached.ContainsKey(real))
        {
            Remember(look, real);
            ListedProbe.ReleaseFiles(wanted);
            return true;
        }
        if (!Attach(real, wanted))
        {
            return false;
        }
        Remember(look, real);
        _unmappedSince[real] = now;
        return true;
    }

    private void Remember(FileLook? look, FileIdentity real)
    {
        if (look is { } seen)
        {
            _attachedByLook[seen] = real;
        }
    }

    private List<int> Add(List<ShimMapping> fresh)
    {
        // A discovery per scan: it bounds the files it keeps pinned, which an agent running for weeks would reach.
        IReadOnlyList<ListedProbe> found = new ProbeDiscovery(sink, keepPinned: true).ListFiles(fresh.Select(m => m.File));
        // Only the phase probes are kept pinned; a file without them is remembered as such and not read again.
        List<ListedProbe> wanted = found.Where(ProbeRequirement.Phases.Wants).ToList();
        var keptPins = wanted.Select(p => p.File.Pinned).ToHashSet();
        ListedProbe.ReleaseFiles(found.Where(p => !keptPins.Contains(p.File.Pinned)));
        foreach (ShimMapping mapping in fresh)
        {
            _mappings[mapping.Key] = null;
        }

        var byPin = wanted.Where(p => p.File.Pinned is not null).GroupBy(p => p.File.Pinned!).ToList();
        Dictionary<PinnedFile, FileIdentity> real = byPin.Count == 0 ? new() : DistinctRealFiles.RealIdentities(byPin.Select(g => g.Key), sink.Warning);
        var attachedNow = new HashSet<FileIdentity>();
        var late = new List<int>();
        foreach (IGrouping<PinnedFile, ListedProbe> file in byPin)
        {
            FileIdentity identity = real[file.Key];
            FileLook? look = FileLook.Of(file.Key); // before the pin may be released below
            TargetFile first = file.First().File;
            List<ListedProbe> probes = file.ToList();
            if (_attached.ContainsKey(identity) || !ProbeRequirement.Phases.IsMetBy(probes))
            {
                ListedProbe.ReleaseFiles(probes); // served by the attached file's uprobes already, or nothing to attach
            }
            else if (Attach(identity, probes))
            {
                attachedNow.Add(identity);
            }
            if (first.Pid is int pid && first.Mapping is { } mapping && _attached.ContainsKey(identity))
            {
                Remember(look, identity);
                _mappings[(pid, mapping.Identity)] = identity;
                if (attachedNow.Contains(identity))
                {
                    late.Add(pid); // it mapped the file before the uprobes were there
                }
            }
        }
        return late;
    }

    private bool Attach(FileIdentity identity, List<ListedProbe> probes)
    {
        List<ProbePattern> patterns = [ProbePattern.Parse("probes:phase_begin"), ProbePattern.Parse("probes:phase_end")];
        foreach (string optional in withContext ? (string[])["mark", "phase_context"] : ["mark"])
        {
            if (probes.Any(p => p.Probe.Name == optional))
            {
                patterns.Add(ProbePattern.Parse("probes:" + optional));
            }
        }
        string description = $"{probes[0].File.Path}{(probes[0].File.Pid is int pid ? $" of pid {pid}" : "")}";
        TracePlan? plan = null;
        try
        {
            plan = TracePlan.Build(probes, patterns, [], null, description, _nextProbeId);
            _nextProbeId += (uint)plan.Probes.Count;
            run.Add(plan);
            _attached[identity] = plan;
            sink.Detail($"attached to {description} ({identity})");
            return true;
        }
        catch (ProbesException e)
        {
            // One refused file (bad notes, a kernel refusal) must not stop the agent's work on the others.
            sink.Warning($"not attached to {description}: {e.Message}");
            if (plan is not null)
            {
                HashSet<string> paths = KernelPaths(plan);
                run.Detach(uprobe => paths.Contains(uprobe.Path));
                plan.Dispose();
            }
            else
            {
                ListedProbe.ReleaseFiles(probes);
            }
            return false;
        }
    }

    private void Detach(FileIdentity identity)
    {
        TracePlan plan = _attached[identity];
        _attached.Remove(identity);
        foreach (FileLook look in _attachedByLook.Where(pair => pair.Value == identity).Select(pair => pair.Key).ToList())
        {
            _attachedByLook.Remove(look);
        }
        // Matched by the pinned descriptor's path, unique while the plan keeps it open.
        HashSet<string> paths = KernelPaths(plan);
        int detached = run.Detach(uprobe => paths.Contains(uprobe.Path));
        plan.Dispose();
        sink.Detail($"detached {detached} uprobe(s) from {identity}: no process has mapped it for {linger.TotalSeconds:0.#} s");
    }

    private static HashSet<string> KernelPaths(TracePlan plan) =>
        plan.Probes.SelectMany(p => p.Sites).Select(s => s.File.KernelPath).ToHashSet(StringComparer.Ordinal);

    public void Dispose()
    {
        foreach (TracePlan plan in _attached.Values)
        {
            plan.Dispose();
        }
        _attached.Clear();
    }
}
