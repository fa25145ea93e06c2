namespace Probes.Consumer.Phases;

/// <summary>
/// A phase whose begin and end were both seen, paired by process and span id. An async phase
/// may end on another thread than it began on (<paramref name="EndTid"/>).
/// </summary>
public sealed record CompletedPhase(
    string Container,
    int Pid,
    int BeginTid,
    uint PhaseId,
    string Name,
    ulong SpanId,
    ulong ParentSpanId,
    ulong StartNs,
    ulong EndNs,
    PhaseStatus Status,
    int EndTid = 0)
{
    public ulong DurationNs => EndNs - StartNs;
}

/// <summary>A phase that began and had not ended when tracing stopped (or its process exited).</summary>
public sealed record UnfinishedPhase(string Container, int Pid, int BeginTid, uint PhaseId, string Name, ulong SpanId, ulong ParentSpanId, ulong StartNs);
