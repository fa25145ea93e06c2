using Probes.Consumer.Bpf;
using Probes.Consumer.Targets;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>One selected probe of one file, with every one of its call sites.</summary>
public sealed record TracedProbe(uint Id, string Provider, string Name, string File, IReadOnlyList<ListedProbe> Sites, IReadOnlyList<int> StringArguments)
{
    /// <summary>"provider:name", built once: it goes into every event line.</summary>
    public string FullName { get; } = $"{Provider}:{Name}";

    /// <summary>Signedness per argument, from the first site (all sites of a probe pass the same C types).</summary>
    public bool IsSigned(int argument) => argument < Sites[0].Arguments.Count && Sites[0].Arguments[argument].IsSigned;
}

/// <summary>
/// Which probes to trace and where to attach them: turns the probes found in the target and
/// the <c>--probe</c>/<c>--str</c> selections into session sites. Pure: no kernel calls, so
/// the selection rules are unit-tested.
/// </summary>
public sealed class TracePlan
{
    /// <summary>Our own probes: the phase or mark name is argument 1, always read as a string.</summary>
    public const string OwnProvider = "probes";

    private TracePlan(IReadOnlyList<TracedProbe> probes, int? pid)
    {
        Probes = probes;
        Pid = pid;
    }

    public IReadOnlyList<TracedProbe> Probes { get; }

    /// <summary>Only this process (perf pid filter), or null for every process mapping the files.</summary>
    public int? Pid { get; }

    public int SiteCount => Probes.Sum(p => p.Sites.Count);

    public int FileCount => Probes.Select(p => p.File).Distinct(StringComparer.Ordinal).Count();

    public static TracePlan Build(IReadOnlyList<ListedProbe> found, IReadOnlyList<ProbePattern> patterns, IReadOnlyCollection<int> strings, int? pid, string targetDescription)
    {
        if (patterns.Count == 0)
        {
            if (!found.Any(p => p.Probe.Provider == OwnProvider))
            {
                throw new UsageException($"{targetDescription} has no '{OwnProvider}' probes; choose probes with --probe PROVIDER:NAME ('probes list' shows them)");
            }
            patterns = [ProbePattern.Parse(OwnProvider + ":*")];
        }

        var selected = found.Where(p => patterns.Any(pattern => pattern.Matches(p.Probe))).ToList();
        foreach (ProbePattern unmatched in patterns.Where(pattern => !found.Any(p => pattern.Matches(p.Probe))))
        {
            throw new TargetNotFoundException($"no probe matches '{unmatched}' in {targetDescription} ('probes list' shows what there is)");
        }

        var probes = new List<TracedProbe>();
        foreach (IGrouping<(string HostPath, string Provider, string Name), ListedProbe> group in selected.GroupBy(p => (p.File.HostPath, p.Probe.Provider, p.Probe.Name)))
        {
            List<ListedProbe> sites = group.ToList();
            int argumentCount = sites.Min(s => s.Arguments.Count);
            var stringArguments = strings.Where(index => index < argumentCount).ToHashSet();
            if (group.Key.Provider == OwnProvider && argumentCount > 1)
            {
                stringArguments.Add(1);
            }
            probes.Add(new TracedProbe((uint)probes.Count, group.Key.Provider, group.Key.Name, sites[0].File.Path, sites, stringArguments.Order().ToList()));
        }
        foreach (int index in strings.Where(index => probes.All(p => index >= p.Sites.Min(s => s.Arguments.Count))))
        {
            throw new UsageException($"--str {index}: no selected probe has an argument {index} (arguments count from 0)");
        }
        return new TracePlan(probes, pid);
    }

    /// <summary>
    /// The session sites: one program per call site, one uprobe per site. Our phase_begin comes
    /// last: its semaphore is the one the SDK tests, so when it rises every other probe of the
    /// phase (the ends) is already attached and no begun phase can lose its end.
    /// </summary>
    public IEnumerable<(UsdtProgramSpec Spec, UprobeTarget Target)> Sites()
    {
        foreach (TracedProbe probe in Probes.OrderBy(p => p.Provider == OwnProvider && p.Name == "phase_begin"))
        {
            foreach (ListedProbe site in probe.Sites)
            {
                var spec = new UsdtProgramSpec(probe.Id, site.Arguments, probe.StringArguments, SiteVirtualAddress: site.Probe.Pc);
                var target = new UprobeTarget(site.File.HostPath, site.Probe.PcOffset, site.Probe.HasSemaphore ? site.Probe.SemaphoreOffset : null, Pid);
                yield return (spec, target);
            }
        }
    }
}
