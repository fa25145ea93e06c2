using System.Text.Json;

namespace Probes.Consumer.Tests.Architecture;

/// <summary>
/// probes serializes JSON only through its source-generated contracts (Output/Json): the
/// executable's runtime configuration turns reflection-based serialization off, so a call that
/// would need it fails in every CLI test instead of working until Native AOT removes it.
/// </summary>
[TestClass]
public sealed class JsonSerializationTests
{
    [TestMethod]
    public void The_probes_executable_runs_with_reflection_based_serialization_off()
    {
        string config = Path.Combine(AppContext.BaseDirectory, "probes.runtimeconfig.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(config));
        JsonElement switches = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.IsFalse(switches.GetProperty("System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault").GetBoolean());
    }
}
