using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tracing;

/// <summary>One selected probe of one file, with every one of its call sites.</summary>
public sealed record TracedProbe(uint Id, string Provider, string Name, string File, IReadOnlyList<ListedProbe> Sites, IReadOnlyList<int> StringArguments)
{
    /// <summary>"provider:name", built once: it goes into every event line.</summary>
    public string FullName { get; } = $"{Provider}:{Name}";

    /// <summary>Signedness per argument, from the first site (all sites of a probe pass the same C types).</summary>
    public bool IsSigned(int argument) => argument < Sites[0].Arguments.Count && Sites[0].Arguments[argument].IsSigned;
}

/// <summary>A selected probe that is not traced, because an argument of one of its sites cannot be decoded.</summary>
public sealed record SkippedProbe(string Provider, string Name, string File, int SiteCount, IReadOnlyList<UsdtArgumentError> Errors)
{
    /// <summary>"python:line in /usr/bin/python3.11 (arg1 '8@x(%rip)': symbol 'x' is not defined ...)"; the console escapes it for the terminal.</summary>
    public override string ToString() => $"{Provider}:{Name} in {File} ({string.Join(", ", Errors)})";
}

/// <summary>
/// Which probes to trace and where to attach them: turns the probes found in the target and
/// the <c>--probe</c>/<c>--str</c> selections into session sites. A selected probe whose
/// arguments cannot all be decoded is skipped (<see cref="Skipped"/>, one line for the user);
/// only when no selected probe is left does building fail (<see cref="UsdtSpecException"/>, exit
/// code 4). Pure apart from closing descriptors: no kernel calls, so the selection rules are
/// unit-tested.
///
/// The plan owns the pinned files of its sites (<see cref="TargetFile.Pinned"/>): their
/// <c>/proc/self/fd/N</c> paths are what the uprobes are opened with, so they must stay open
/// until the session has attached; dispose the plan after <c>UsdtSession.Start</c> (or at the
/// end). Files found but not selected are closed by <see cref="Build"/>.
/// </summary>
public sealed class TracePlan : IDisposable
{
    /// <summary>Our own probes: the phase or mark name is argument 1, always read as a string.</summary>
    public const string OwnProvider = "probes";

    private TracePlan(IReadOnlyList<TracedProbe> probes, IReadOnlyList<SkippedProbe> skipped, int? pid)
    {
        Probes = probes;
        Skipped = skipped;
        Pid = pid;
    }

    public IReadOnlyList<TracedProbe> Probes { get; }

    /// <summary>Selected probes left out because an argument of one of their sites cannot be decoded.</summary>
    public IReadOnlyList<SkippedProbe> Skipped { get; }

    /// <summary>One line naming every skipped probe and why, or null when none was skipped.</summary>
    public string? SkippedSummary => Skipped.Count == 0
        ? null
        : $"skipping {Skipped.Count} selected probe(s) whose arguments cannot be decoded: {string.Join("; ", Skipped)}";

    /// <summary>Only this process (perf pid filter), or null for every process mapping the files.</summary>
    public int? Pid { get; }

    public int SiteCount => Probes.Sum(p => p.Sites.Count);

    /// <summary>Files attached to, by the path the uprobes are opened with: one per real file once <see cref="DistinctRealFiles"/> has run.</summary>
    public int FileCount => Probes.SelectMany(p => p.Sites).Select(s => s.File.KernelPath).Distinct(StringComparer.Ordinal).Count();

    /// <param name="firstProbeId">The first probe id to number from: plans added to one run later (a node agent's new files) number theirs apart.</param>
    public static TracePlan Build(IReadOnlyList<ListedProbe> found, IReadOnlyList<ProbePattern> patterns, IReadOnlyCollection<int> strings, int? pid, string targetDescription, uint firstProbeId = 0)
    {
        TracePlan plan;
        try
        {
            plan = Select(found, patterns, strings, pid, targetDescription, firstProbeId);
        }
        catch
        {
            ReleaseFiles(found);
            throw;
        }
        var attached = PinnedFiles(plan.Probes.SelectMany(p => p.Sites)).ToHashSet();
        ReleaseFiles(found.Where(p => p.File.Pinned is { } pinned && !attached.Contains(pinned)));
        return plan;
    }

    /// <summary>Closes the plan's pinned files; the uprobes already attached keep their inodes.</summary>
    public void Dispose() => ReleaseFiles(Probes.SelectMany(p => p.Sites));

    private static IEnumerable<PinnedFile> PinnedFiles(IEnumerable<ListedProbe> probes) => probes.Select(p => p.File.Pinned).OfType<PinnedFile>().Distinct();

    private static void ReleaseFiles(IEnumerable<ListedProbe> probes) => ListedProbe.ReleaseFiles(probes);

    private static TracePlan Select(IReadOnlyList<ListedProbe> found, IReadOnlyList<ProbePattern> patterns, IReadOnlyCollection<int> strings, int? pid, string targetDescription, uint firstProbeId)
    {
        if (patterns.Count == 0)
        {
            if (!found.Any(p => p.Probe.Provider == OwnProvider))
            {
                // Not found (3), like a --probe that matches nothing and like phases without phase probes: the
                // command line is fine, the target lacks what it asks for by default.
                throw new TargetNotFoundException($"{targetDescription} has no '{OwnProvider}' probes; choose probes with --probe PROVIDER:NAME ('probes list' shows them)");
            }
            patterns = [ProbePattern.Parse(OwnProvider + ":*")];
        }

        var selected = found.Where(p => patterns.Any(pattern => pattern.Matches(p.Probe))).ToList();
        foreach (ProbePattern unmatched in patterns.Where(pattern => !found.Any(p => pattern.Matches(p.Probe))))
        {
            throw new TargetNotFoundException($"no probe matches '{unmatched}' in {targetDescription} ('probes list' shows what there is)");
        }

        // A probe is traced at every site or not at all: counting the hits of some of its sites
        // would be a count that looks whole and is not.
        var probes = new List<TracedProbe>();
        var skipped = new List<SkippedProbe>();
        foreach (IGrouping<(string HostPath, string Provider, string Name), ListedProbe> group in selected.GroupBy(p => (p.File.HostPath, p.Probe.Provider, p.Probe.Name)))
        {
            List<ListedProbe> sites = group.ToList();
            if (sites.FirstOrDefault(s => !s.IsTraceable) is { } undecodable)
            {
                skipped.Add(new SkippedProbe(group.Key.Provider, group.Key.Name, sites[0].File.Path, sites.Count, undecodable.ArgumentErrors));
                continue;
            }
            int argumentCount = sites.Min(s => s.Arguments.Count);
            var stringArguments = strings.Where(index => index < argumentCount).ToHashSet();
            if (group.Key.Provider == OwnProvider && argumentCount > 1)
            {
                stringArguments.Add(1);
            }
            probes.Add(new TracedProbe(firstProbeId + (uint)probes.Count, group.Key.Provider, group.Key.Name, sites[0].File.Path, sites, stringArguments.Order().ToList()));
        }
        if (probes.Count == 0)
        {
            throw new UsdtSpecException($"none of the {skipped.Count} selected probe(s) in {targetDescription} can be traced, as their arguments cannot be decoded: {string.Join("; ", skipped)}");
        }
        foreach (int index in strings.Where(index => probes.All(p => index >= p.Sites.Min(s => s.Arguments.Count))))
        {
            throw new UsageException($"--str {index}: no selected probe has an argument {index} (arguments count from 0)");
        }
        return new TracePlan(probes, skipped, pid);
    }

    /// <summary>
    /// The session sites: one program per call site, one uprobe per site. Our phase_begin comes
    /// last: its semaphore is the one the SDK tests, so when it rises every other probe of the
    /// phase (the ends) is already attached and no begun phase can lose its end. The uprobe's
    /// path is the pinned file's <c>/proc/self/fd/N</c>: the kernel follows that link to exactly
    /// the inode whose notes were read, whatever the target's path now leads to.
    /// </summary>
    /// <summary>phase_begin and phase_end of the own provider are paired in the kernel when the session does that.</summary>
    private static PhaseProbeRole RoleOf(TracedProbe probe) => probe.Provider != OwnProvider ? PhaseProbeRole.None : probe.Name switch
    {
        "phase_begin" => PhaseProbeRole.Begin,
        "phase_end" => PhaseProbeRole.End,
        _ => PhaseProbeRole.None,
    };

    public IEnumerable<(UsdtProgramSpec Spec, UprobeTarget Target)> Sites()
    {
        foreach (TracedProbe probe in Probes.OrderBy(p => p.Provider == OwnProvider && p.Name == "phase_begin"))
        {
            foreach (ListedProbe site in probe.Sites)
            {
                var spec = new UsdtProgramSpec(probe.Id, site.Arguments, probe.StringArguments, SiteVirtualAddress: site.Probe.SiteAddress, Role: RoleOf(probe));
                var target = new UprobeTarget(site.File.KernelPath, site.Probe.PcOffset, site.Probe.HasSemaphore ? site.Probe.SemaphoreOffset : null, Pid)
                {
                    ShownPath = site.File.HostPath,
                };
                yield return (spec, target);
            }
        }
    }
}
