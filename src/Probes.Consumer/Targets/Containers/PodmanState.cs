using System.Text.Json;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Names and images of podman's containers, asked of podman itself (its state is a database,
/// not files another program should read): <c>podman ps --format json</c>, once for all
/// running containers or filtered to one id. Every call is bounded by a timeout, so a stuck
/// podman costs seconds, not a hung CLI; then the names are simply unknown.
/// </summary>
public sealed class PodmanState(string? podmanPath, TimeSpan timeout)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly string? _podman = podmanPath ?? Executables.Find("podman");

    public bool IsInstalled => _podman is not null;

    /// <summary>Every running podman container by full id; empty when podman is missing, failed or timed out.</summary>
    public IReadOnlyDictionary<string, ContainerMetadata> Running() => Ps([]);

    /// <summary>
    /// One container, or null when podman does not know it (or could not be asked). With
    /// <c>--all</c>: a container whose process already runs may still be "created" in podman's
    /// records while <c>podman run</c> finishes starting it.
    /// </summary>
    public ContainerMetadata? One(string id) => Ps(["--all", "--filter", $"id={id}"]).GetValueOrDefault(id);

    private Dictionary<string, ContainerMetadata> Ps(string[] filter)
    {
        if (_podman is null)
        {
            return [];
        }
        var result = ExternalCommand.Run(_podman, ["ps", "--format", "json", .. filter], timeout);
        return result is { ExitCode: 0 } ok ? ParsePs(ok.Stdout) : [];
    }

    /// <summary>
    /// Parses <c>podman ps --format json</c>: an array of objects with <c>Id</c> (full),
    /// <c>Names</c> (array), <c>Image</c> (as given to <c>run</c>) and <c>PodName</c> ("" outside a pod).
    /// </summary>
    public static Dictionary<string, ContainerMetadata> ParsePs(string json)
    {
        var containers = new Dictionary<string, ContainerMetadata>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return containers; // podman 4 prints nothing at all when no container runs
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return containers;
            }
            foreach (JsonElement entry in document.RootElement.EnumerateArray())
            {
                if (JsonText.String(entry, "Id") is not { } id)
                {
                    continue;
                }
                string? name = entry.TryGetProperty("Names", out JsonElement names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() > 0
                    && names[0].ValueKind == JsonValueKind.String ? names[0].GetString() : null;
                containers[id] = new ContainerMetadata(id, ContainerRuntime.Podman, name, JsonText.String(entry, "Image"), JsonText.String(entry, "PodName"));
            }
        }
        catch (JsonException)
        {
            // An unexpected podman output format: names stay unknown rather than fail the listing.
        }
        return containers;
    }
}
