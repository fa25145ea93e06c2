using Mono.Cecil;

namespace Probes.Weaver;

/// <summary>How a phase method is woven.</summary>
internal enum PhaseKind
{
    Sync,

    /// <summary>Not async, but returns Task/ValueTask: the phase spans the returned task.</summary>
    TaskReturning,
    Async,
    AsyncVoid,
}

/// <summary>A method that becomes a phase, with the name its probes carry.</summary>
internal sealed class PhaseMethod
{
    public PhaseMethod(MethodDefinition method, string name, PhaseKind kind)
    {
        Method = method;
        Name = name;
        Kind = kind;
    }

    public MethodDefinition Method { get; }

    public string Name { get; }

    public PhaseKind Kind { get; }

    /// <summary>The static field that caches the phase's ProbeName (set before weaving).</summary>
    public FieldReference? NameField { get; set; }

    /// <summary>The phase id consumers see: FNV-1a 32 over the UTF-8 name, as Probes.PhaseId computes it.</summary>
    public uint Id => Fnv1a.Hash(Name);
}
