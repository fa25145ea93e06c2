using System.Text.Json;

namespace Probes.Consumer.Targets.Containers;

/// <summary>Tolerant reads of optional JSON properties: a missing, null or mistyped value is absent, never an exception.</summary>
internal static class JsonText
{
    public static string? String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text ? text : null;

    public static JsonElement? Object(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Object
            ? value : null;

    /// <summary>A string map (OCI annotations, docker labels) as a dictionary; non-string values are skipped.</summary>
    public static IReadOnlyDictionary<string, string> StringMap(JsonElement? element)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (JsonProperty property in obj.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    map[property.Name] = property.Value.GetString()!;
                }
            }
        }
        return map;
    }
}
