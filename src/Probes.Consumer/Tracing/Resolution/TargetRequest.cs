namespace Probes.Consumer.Tracing.Resolution;

/// <summary>
/// What tracing is pointed at, as asked: exactly one of an ELF <see cref="File"/> (every process
/// mapping it), a process (<see cref="Pid"/>), one or more <see cref="Containers"/> (names, ids or
/// id prefixes), a podman <see cref="Image"/> (every container of it, including later ones), or
/// <see cref="All"/> (every process mapping libprobes.so now). <see cref="TargetResolver"/> turns
/// it into a <see cref="TraceTarget"/>.
/// </summary>
public sealed record TargetRequest
{
    public string? File { get; init; }

    public int? Pid { get; init; }

    public IReadOnlyList<string> Containers { get; init; } = [];

    public string? Image { get; init; }

    public bool All { get; init; }

    /// <summary>Processes mapping libprobes.so whose name matches this glob (<see cref="ProcessNames"/>).</summary>
    public string? Name { get; init; }

    /// <summary>How many kinds of target are set; a request is resolvable when this is 1.</summary>
    public int KindsGiven => (File is not null ? 1 : 0) + (Pid is not null ? 1 : 0) + (Containers.Count > 0 ? 1 : 0) + (Image is not null ? 1 : 0) + (All ? 1 : 0) + (Name is not null ? 1 : 0);
}
