namespace Probes.Consumer.Manifest;

/// <summary>One phase the weaver wove into an assembly.</summary>
/// <param name="Name">The phase name the probes carry.</param>
/// <param name="Id">FNV-1a 32 of the UTF-8 name: the <c>phase_id</c> probe argument.</param>
/// <param name="Kind"><c>sync</c> or <c>async</c>.</param>
/// <param name="Method">The woven method, <c>Namespace.Type::Method(ParameterTypes)</c>.</param>
/// <param name="File">Source file, when the assembly was built with symbols.</param>
/// <param name="Line">First line of the method's code, when the assembly was built with symbols.</param>
public sealed record PhaseEntry(string Name, uint Id, string Kind, string Method, string? File, int? Line);

/// <summary>The phases declared by one woven assembly (resource <c>Probes.Manifest.json</c>, version 1).</summary>
public sealed record PhaseManifest(int Version, string Assembly, IReadOnlyList<PhaseEntry> Phases);

/// <summary>A manifest resource that is present but cannot be read as version 1.</summary>
public sealed class ManifestFormatException(string message, Exception? inner = null) : ProbesException(ErrorKind.BadInput, message, inner);
