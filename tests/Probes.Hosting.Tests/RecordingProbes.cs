namespace Probes.Hosting.Tests;

/// <summary>One call the application made on <see cref="IProbes"/>.</summary>
internal sealed record ProbeCall(string Kind, string Name, ulong SpanId, ulong ParentSpanId, long Value);

/// <summary>
/// A replacement <see cref="IProbes"/> of the kind an application's tests register: it keeps the
/// calls in order and forwards to the real probes, so span ids are real when the semaphores are up.
/// </summary>
internal sealed class RecordingProbes : IProbes
{
    private readonly List<ProbeCall> _calls = new();

    public IReadOnlyList<ProbeCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return _calls.ToList();
            }
        }
    }

    public bool IsEnabled => Probe.IsEnabled;

    public PhaseScope Phase(string name) => Record("phase", name, Probe.Phase(name), parent: 0);

    public PhaseScope Phase(string name, PhaseScope parent) => Record("phase", name, Probe.Phase(name, parent), parent.SpanId);

    public void Mark(string name, long value)
    {
        lock (_calls)
        {
            _calls.Add(new ProbeCall("mark", name, 0, 0, value));
        }
        Probe.Mark(name, value);
    }

    private PhaseScope Record(string kind, string name, PhaseScope scope, ulong parent)
    {
        lock (_calls)
        {
            _calls.Add(new ProbeCall(kind, name, scope.SpanId, parent, 0));
        }
        return scope;
    }
}
