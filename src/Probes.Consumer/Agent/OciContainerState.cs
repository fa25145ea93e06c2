using System.Text.Json;

namespace Probes.Consumer.Agent;

/// <summary>
/// What an OCI hook is given: the container's state (on the hook's stdin, at most 1 MiB) names its
/// bundle, whose config.json (at most 4 MiB) names the root filesystem, relative to the bundle
/// unless absolute. Both come from the container runtime, run as root; they are parsed bounded
/// all the same, and every failure is an <see cref="InvalidDataException"/> or <see cref="IOException"/>.
/// </summary>
public static class OciContainerState
{
    public const int MaxStateBytes = 1 << 20;
    private const int MaxConfigBytes = 4 << 20;

    /// <summary>The root filesystem's path, as the runtime names it (a host path); <paramref name="hostPath"/> maps a host path to one we can open.</summary>
    public static string RootFilesystem(ReadOnlySpan<byte> state, Func<string, string> hostPath)
    {
        string bundle;
        try
        {
            using JsonDocument parsed = JsonDocument.Parse(state.ToArray());
            bundle = parsed.RootElement.ValueKind == JsonValueKind.Object && parsed.RootElement.TryGetProperty("bundle", out JsonElement value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new InvalidDataException("the container state has no bundle");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the container state is not JSON: {e.Message}", e);
        }
        if (!Path.IsPathRooted(bundle) || bundle.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidDataException("the container state's bundle is not an absolute path");
        }
        string root;
        using (FileStream configFile = File.OpenRead(hostPath(Path.Combine(bundle, "config.json"))))
        {
            try
            {
                using JsonDocument config = JsonDocument.Parse(ReadBounded(configFile, MaxConfigBytes, "config.json"));
                root = config.RootElement.TryGetProperty("root", out JsonElement rootElement) && rootElement.TryGetProperty("path", out JsonElement pathElement) && pathElement.ValueKind == JsonValueKind.String
                    ? pathElement.GetString()!
                    : throw new InvalidDataException("config.json has no root.path");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"config.json is not JSON: {e.Message}", e);
            }
        }
        string full = Path.GetFullPath(Path.IsPathRooted(root) ? root : Path.Combine(bundle, root));
        return full.Contains('\n', StringComparison.Ordinal) ? throw new InvalidDataException("the root filesystem's path has a line feed") : full;
    }

    public static byte[] ReadBounded(Stream stream, int limit, string what)
    {
        using var bytes = new MemoryStream();
        var buffer = new byte[65536];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (bytes.Length + read > limit)
            {
                throw new InvalidDataException($"{what} is longer than {limit} bytes");
            }
            bytes.Write(buffer, 0, read);
        }
        return bytes.ToArray();
    }
}
