using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// What a trace run does when a traced container goes away (its last process exited:
/// stopped, killed or removed). While others remain: one line, the uprobes that served only the
/// removed containers are detached, and tracing goes on. When the last one goes: tracing stops
/// with "container C removed" as the reason, like a traced pid that exits. When every container
/// is gone by the time the probes are attached, the command fails as not found.
/// Runs on the run's thread, between reads of the ring; <paramref name="detach"/> is
/// <see cref="UsdtSession.Detach"/>, which is safe there.
/// </summary>
public sealed class ContainerRemovals(
    ContainerWatch watch, Func<string, string> nameOf, Func<IReadOnlySet<string>, Func<UprobeTarget, bool>> servesOnly,
    Func<Func<UprobeTarget, bool>, int> detach, TraceStop stop, IDiagnosticSink sink)
{
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal);

    /// <summary>The check right after the attach.</summary>
    public void AfterAttach()
    {
        IReadOnlyList<string> gone = watch.CheckNow();
        if (gone.Count > 0 && watch.Remaining.Count == 0)
        {
            throw new TargetNotFoundException(gone.Count == 1
                ? $"container {nameOf(gone[0])} was removed before the probes were attached"
                : $"containers {string.Join(", ", gone.Select(nameOf))} were removed before the probes were attached");
        }
        Handle(gone);
    }

    /// <summary>The periodic check from the tracing loop (rate-limited by the watch).</summary>
    public void Poll() => Handle(watch.Poll());

    private void Handle(IReadOnlyList<string> gone)
    {
        if (gone.Count == 0)
        {
            return;
        }
        _gone.UnionWith(gone);
        if (watch.Remaining.Count == 0)
        {
            foreach (string id in gone.SkipLast(1))
            {
                sink.Note($"container {nameOf(id)} removed");
            }
            stop.Stop($"container {nameOf(gone[^1])} removed");
            return;
        }
        foreach (string id in gone)
        {
            sink.Note($"container {nameOf(id)} removed; still tracing {watch.Remaining.Count} container(s)");
        }
        int detached = detach(servesOnly(_gone));
        sink.Detail($"detached {detached} uprobe(s) that served only removed containers");
    }
}
