using System.Text.Json.Serialization;

namespace Probes.Consumer.Output.Json;

// The listings' JSON shapes (probes list --json, list --phases --json, containers --json), in the
// order the README documents their fields. A field that is absent for some entries is left out
// (WhenWritingNull); a field that is always there but may be unknown is written as null.

/// <summary>One probe of <c>probes list --json</c>.</summary>
public sealed record ProbeJson(
    string File,
    string Provider,
    string Name,
    ulong Pc,
    ulong Base,
    ulong Semaphore,
    string Args,
    ulong PcOffset,
    ulong SemaphoreOffset)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Pid { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HostPath { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Container { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ArgumentErrorJson>? ArgumentErrors { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ArgumentJson>? Arguments { get; init; }
}

/// <summary>An argument that does not decode (index -1: the spec string as a whole).</summary>
public sealed record ArgumentErrorJson(int Index, string Spec, string Error);

/// <summary>One argument with <c>--verbose</c>: decoded, or its spec and why it does not decode.</summary>
public sealed record ArgumentJson(string Spec)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Size { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Signed { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Base { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Index { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Scale { get; init; }

    /// <summary>A constant's value (then there is no displacement).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Value { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Displacement { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Symbol { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Tpoff { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? SymbolValue { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Segment { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BitOffset { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Float { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

/// <summary>One phase an assembly declares (<c>probes list --phases --json</c>).</summary>
public sealed record DeclaredPhaseJson(string Assembly, string Path, string Name, uint Id, string Kind, string Method, string? File, int? Line);

/// <summary>One container of <c>probes containers --json</c>: full id, nulls for what is unknown.</summary>
public sealed record ContainerJson(
    string Id,
    string? Name,
    string? Image,
    string? Runtime,
    int Pid,
    ulong? PidNamespace,
    ulong? MountNamespace,
    bool LoadsProbes,
    string? ProbesLibrary,
    string? Pod,
    string? PodNamespace);

/// <summary>
/// <c>probes ps --json</c>: a process mapping libprobes.so. <c>command_line</c> is its arguments
/// joined by spaces, cut at 4,096 bytes (then ending in "…"); <c>container</c>,
/// <c>container_id</c> and <c>image</c> are null on the host; <c>phases</c> are the names its
/// woven assemblies declare (sorted, at most 256; <c>phases_not_shown</c> counts the rest).
/// </summary>
public sealed record ProcessJson(
    int Pid,
    string? Comm,
    string? CommandLine,
    string? Container,
    string? ContainerId,
    string? Image,
    string Library,
    IReadOnlyList<string> Phases,
    int PhasesNotShown);
