using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Tracing.Resolution;

/// <summary>
/// Which probes a consumer needs from each target it resolves. <c>phases</c> needs
/// <c>probes:phase_begin</c> and <c>phase_end</c> (<see cref="Phases"/>): a target without them
/// is not found, and of several containers one without them is skipped with a warning. Without a
/// requirement every probe found is kept and the <see cref="TracePlan"/>'s selection decides.
/// </summary>
public abstract class ProbeRequirement
{
    /// <summary>The phase probes of libprobes.so (ABI v1, and v2's phase_context, which only OTLP export attaches).</summary>
    public static ProbeRequirement Phases { get; } = new PhaseProbes();

    /// <summary>Whether <paramref name="found"/> has everything the consumer needs.</summary>
    public abstract bool IsMetBy(IReadOnlyList<ListedProbe> found);

    /// <summary>Whether the consumer wants this probe; the others' files are closed.</summary>
    public abstract bool Wants(ListedProbe probe);

    /// <summary>The failure (not found) for a target that lacks them, <paramref name="where"/> naming it.</summary>
    public abstract string NotMetBy(string where);

    /// <summary>The failure when none of several containers has them.</summary>
    public abstract string NotMetByAny(int containers);

    private sealed class PhaseProbes : ProbeRequirement
    {
        public override bool IsMetBy(IReadOnlyList<ListedProbe> found) =>
            found.Any(p => Wants(p) && p.Probe.Name == "phase_begin") && found.Any(p => Wants(p) && p.Probe.Name == "phase_end");

        public override bool Wants(ListedProbe probe) => probe.Probe.Provider == TracePlan.OwnProvider && probe.Probe.Name is "phase_begin" or "phase_end" or "mark" or "phase_context";

        public override string NotMetBy(string where) => $"{where} has no probes:phase_begin/phase_end (is {TargetResolver.ShimFileName} loaded there?)";

        public override string NotMetByAny(int containers) => $"none of the {containers} containers has probes:phase_begin/phase_end";
    }
}
