using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>The VMA iterator that tells which inode backs each file mapping of this process.</summary>
[TestClass]
public sealed class MappedFileInodesTests
{
    [TestMethod]
    public void Records_are_start_device_and_inode_and_a_partial_tail_is_ignored()
    {
        byte[] output = new byte[24 * 2 + 5];
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(0), 0x7f0000001000);
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(8), (0xfeu << 20) | 1);
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(16), 933985);
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(24), 0x7f0000009000);
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(32), 0x2e);
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(40), 12);

        CollectionAssert.AreEqual(
            new[] { new MappedInode(0x7f0000001000, (0xfeu << 20) | 1, 933985), new MappedInode(0x7f0000009000, 0x2e, 12) },
            MappedFileInodes.Parse(output).ToArray());
    }

    [TestMethod]
    public void A_kernel_device_number_splits_into_major_and_minor_as_maps_prints_them() =>
        Assert.AreEqual("dev fe:01 inode 7", FileIdentity.FromKernelDevice((0xfeu << 20) | 1, 7).ToString());

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_plain_file_mapped_here_is_reported_with_its_statx_identity()
    {
        Requirements.Root();
        string path = Path.Combine(TestPaths.ScratchDirectory, $"mapped-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, new byte[8192]);
        using PinnedFile pinned = TargetFileOpener.PinPath(path);
        using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using MemoryMappedViewAccessor view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        ulong start = (ulong)view.SafeMemoryMappedViewHandle.DangerousGetHandle();

        IReadOnlyList<MappedInode> mappings = MappedFileInodes.OfCurrentProcess();

        MappedInode ours = mappings.Single(m => m.Start == start);
        Assert.AreEqual(pinned.Identity, FileIdentity.FromKernelDevice(ours.Device, ours.Inode));
        Assert.IsTrue(mappings.Count > 10, "the test host's own libraries are listed too");
    }
}
