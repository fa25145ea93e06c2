using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace Probes.Consumer.Manifest;

/// <summary>
/// Reads the phase manifest that Probes.Fody embeds into a woven assembly, from the file
/// alone: System.Reflection.Metadata walks the PE's managed resources, nothing is loaded or
/// executed, so it works on any assembly of any target framework, also from another
/// process's root (<c>/proc/PID/root/...</c>).
/// </summary>
public static class PhaseManifestReader
{
    /// <summary>The name of the embedded resource the weaver writes.</summary>
    public const string ResourceName = "Probes.Manifest.json";

    /// <summary>
    /// The assembly is the target's: its length field is not trusted. A manifest lists one small
    /// object per woven method (about 200 bytes), so 4 MiB is some 20,000 phases.
    /// </summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The manifest of <paramref name="assemblyPath"/>, or null when the file is not a .NET
    /// assembly or was not woven by Probes.
    /// </summary>
    /// <exception cref="ManifestFormatException">The manifest is present but malformed.</exception>
    public static PhaseManifest? Read(string assemblyPath)
    {
        using FileStream file = File.OpenRead(assemblyPath);
        return Read(file);
    }

    /// <inheritdoc cref="Read(string)"/>
    public static PhaseManifest? Read(Stream assembly)
    {
        // A PE image is addressed with 32-bit offsets (PEReader refuses more): a bigger file,
        // which any process can map, is bad input, not a reason to fail a whole listing.
        if (assembly.Length - assembly.Position > int.MaxValue)
        {
            throw new ManifestFormatException($"{assembly.Length - assembly.Position} bytes, larger than a .NET assembly can be (2 GiB)");
        }
        byte[]? json = FindResource(assembly);
        return json is null ? null : Parse(json);
    }

    private static byte[]? FindResource(Stream assembly)
    {
        using var pe = new PEReader(assembly, PEStreamOptions.LeaveOpen);
        try
        {
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
            {
                return null;
            }
            MetadataReader metadata = pe.GetMetadataReader();
            foreach (ManifestResourceHandle handle in metadata.ManifestResources)
            {
                ManifestResource resource = metadata.GetManifestResource(handle);
                // Implementation nil: embedded in this file (not linked from another one).
                if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, ResourceName))
                {
                    continue;
                }
                // Each embedded resource is a 32-bit little-endian length, then the bytes.
                PEMemoryBlock resources = pe.GetSectionData(cor.ResourcesDirectory.RelativeVirtualAddress);
                BlobReader reader = resources.GetReader((int)resource.Offset, resources.Length - (int)resource.Offset);
                int length = reader.ReadInt32();
                if (length < 0 || length > MaxManifestBytes)
                {
                    throw new ManifestFormatException($"the {ResourceName} resource claims {(uint)length} bytes, over the {MaxManifestBytes}-byte limit");
                }
                return reader.ReadBytes(length);
            }
            return null;
        }
        catch (BadImageFormatException)
        {
            return null; // not a PE or not managed: simply no manifest
        }
    }

    /// <summary>Parses manifest JSON (version 1).</summary>
    public static PhaseManifest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray());
            JsonElement root = document.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != 1)
            {
                throw new ManifestFormatException($"manifest version {version} is not supported (this reader knows version 1)");
            }
            var phases = new List<PhaseEntry>();
            foreach (JsonElement phase in root.GetProperty("phases").EnumerateArray())
            {
                phases.Add(new PhaseEntry(
                    phase.GetProperty("name").GetString() ?? throw new ManifestFormatException("a phase has no name"),
                    phase.GetProperty("id").GetUInt32(),
                    phase.GetProperty("kind").GetString() ?? "sync",
                    phase.GetProperty("method").GetString() ?? "",
                    phase.TryGetProperty("file", out JsonElement file) && file.ValueKind == JsonValueKind.String ? file.GetString() : null,
                    phase.TryGetProperty("line", out JsonElement line) && line.ValueKind == JsonValueKind.Number ? line.GetInt32() : null));
            }
            return new PhaseManifest(version, root.GetProperty("assembly").GetString() ?? "", phases);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ManifestFormatException($"the {ResourceName} resource is malformed: {e.Message}", e);
        }
    }
}
