using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Probes.Consumer.Tests.Manifest;

/// <summary>
/// Writes a minimal managed assembly with the given embedded resources, so the reader is
/// tested on real PE bytes without building or weaving anything.
/// </summary>
internal static class TinyAssembly
{
    public static byte[] With(params (string Name, byte[] Data)[] resources)
    {
        var metadata = new MetadataBuilder();
        metadata.AddModule(0, metadata.GetOrAddString("Tiny.dll"), metadata.GetOrAddGuid(Guid.NewGuid()), default, default);
        metadata.AddAssembly(metadata.GetOrAddString("Tiny"), new Version(1, 0, 0, 0), default, default, default, AssemblyHashAlgorithm.Sha1);
        metadata.AddTypeDefinition(default, default, metadata.GetOrAddString("<Module>"), default,
            MetadataTokens.FieldDefinitionHandle(1), MetadataTokens.MethodDefinitionHandle(1));

        var managedResources = new BlobBuilder();
        foreach ((string name, byte[] data) in resources)
        {
            metadata.AddManifestResource(ManifestResourceAttributes.Public, metadata.GetOrAddString(name), default, (uint)managedResources.Count);
            managedResources.WriteInt32(data.Length);
            managedResources.WriteBytes(data);
            managedResources.Align(8);
        }

        var pe = new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(metadata), new BlobBuilder(), managedResources: managedResources);
        var image = new BlobBuilder();
        pe.Serialize(image);
        return image.ToArray();
    }
}
