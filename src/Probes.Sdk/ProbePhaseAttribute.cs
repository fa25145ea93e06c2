namespace Probes;

/// <summary>
/// Makes a method one phase: the Probes weaver (Probes.Fody) rewrites it at build time so
/// that <c>probes:phase_begin</c> fires at entry and <c>probes:phase_end</c> when it returns,
/// throws, or (for async methods) when the asynchronous operation completes. On a class it
/// makes every public method of that class a phase.
/// </summary>
/// <example>
/// <code>
/// [ProbePhase]                     // phase "ConfigLoader.Load"
/// public Config Load() { ... }
///
/// [ProbePhase("ConnectDatabase")]  // explicit name
/// public async Task ConnectAsync() { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class ProbePhaseAttribute : Attribute
{
    /// <summary>Names the phase <c>TypeName.MethodName</c> (on a class: each public method so).</summary>
    public ProbePhaseAttribute()
    {
    }

    /// <summary>Names the phase explicitly (on a class: the prefix used instead of the type name).</summary>
    public ProbePhaseAttribute(string name) => Name = name;

    /// <summary>The explicit name, or null for the default one.</summary>
    public string? Name { get; }
}
