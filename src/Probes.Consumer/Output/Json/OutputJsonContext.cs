using System.Text.Json.Serialization;

namespace Probes.Consumer.Output.Json;

/// <summary>
/// Every JSON document of the CLI, generated at build time. Names are snake_case (the README's
/// contract) except the Chrome trace format's own camelCase keys, which name themselves.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(IReadOnlyList<ProbeJson>))]
[JsonSerializable(typeof(IReadOnlyList<ContainerJson>))]
[JsonSerializable(typeof(IReadOnlyList<ProcessJson>))]
[JsonSerializable(typeof(IReadOnlyList<DeclaredPhaseJson>))]
[JsonSerializable(typeof(PhaseReportJson))]
[JsonSerializable(typeof(PhaseTreeJson))]
[JsonSerializable(typeof(PhaseWindowJson))]
[JsonSerializable(typeof(ChromeTraceJson))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;
