using System.Buffers.Binary;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tests.Targets;

/// <summary>The identity a maps line reports and the identity statx reports for a descriptor, and their comparison.</summary>
[TestClass]
public sealed class FileIdentityTests
{
    [TestMethod]
    [DataRow("fd:01", 0xfdu, 0x01u)]      // device-mapper root on a typical host
    [DataRow("08:01", 8u, 1u)]            // /dev/sda1
    [DataRow("00:28", 0u, 0x28u)]         // an overlay mount (anonymous device 0:40), as a container's files show
    [DataRow("103:1a5", 0x103u, 0x1a5u)]  // majors and minors wider than two hex digits are printed in full
    public void Maps_devices_are_hex_major_and_minor(string device, uint major, uint minor)
    {
        Assert.IsTrue(FileIdentity.TryParseMaps(device, 934223, out FileIdentity identity));
        Assert.AreEqual(new FileIdentity(major, minor, 934223), identity);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("28")]
    [DataRow(":28")]
    [DataRow("00:")]
    [DataRow("zz:01")]
    [DataRow("-1:01")]
    public void Malformed_devices_are_rejected(string device) => Assert.IsFalse(FileIdentity.TryParseMaps(device, 1, out _));

    [TestMethod]
    public void A_maps_line_with_a_malformed_device_is_not_a_mapping() =>
        Assert.IsFalse(ProcMapping.TryParse("7f0000000000-7f0000001000 r-xp 00000000 0828 934223 /app/libprobes.so", out _));

    [TestMethod]
    public void A_maps_line_gives_its_identity()
    {
        Assert.IsTrue(ProcMapping.TryParse("7f08fcfd6000-7f08fcfdb000 r-xp 00000000 00:28 934223                    /app/libprobes.so", out ProcMapping? mapping));
        Assert.AreEqual(new FileIdentity(0, 40, 934223), mapping!.Identity);
    }

    [TestMethod]
    public void Shown_in_the_notation_of_maps() =>
        Assert.AreEqual("dev 00:28 inode 934223", new FileIdentity(0, 0x28, 934223).ToString());

    [TestMethod]
    public void Same_device_and_inode_is_the_same_file_and_nothing_else_is()
    {
        Assert.IsTrue(FileIdentity.TryParseMaps("00:28", 934223, out FileIdentity mapped));
        Assert.AreEqual(new FileIdentity(0, 40, 934223), mapped, "stat's 0:40 is maps' 00:28");
        Assert.AreNotEqual(new FileIdentity(0, 41, 934223), mapped);
        Assert.AreNotEqual(new FileIdentity(0, 40, 934224), mapped);
        Assert.AreNotEqual(new FileIdentity(1, 40, 934223), mapped);
    }

    [TestMethod]
    public void Statx_buffer_fields_are_read_at_their_uapi_offsets()
    {
        byte[] statx = new byte[FileStatus.BufferSize];
        BinaryPrimitives.WriteUInt16LittleEndian(statx.AsSpan(28), 0x81ed);            // stx_mode: S_IFREG | 0755
        BinaryPrimitives.WriteUInt64LittleEndian(statx.AsSpan(32), 0x1_0000_0001);     // stx_ino, beyond 32 bits
        BinaryPrimitives.WriteUInt32LittleEndian(statx.AsSpan(128), 0xdead);           // stx_rdev_major: not the file's device
        BinaryPrimitives.WriteUInt32LittleEndian(statx.AsSpan(136), 0x103);            // stx_dev_major
        BinaryPrimitives.WriteUInt32LittleEndian(statx.AsSpan(140), 0x1a5);            // stx_dev_minor

        FileStatus status = FileStatus.FromStatx(statx);

        Assert.AreEqual(new FileIdentity(0x103, 0x1a5, 0x1_0000_0001), status.Identity);
        Assert.IsTrue(status.IsRegularFile);
        Assert.IsFalse(status.IsDirectory);
        Assert.IsFalse(status.IsDevice);
    }

    [TestMethod]
    public void Statx_of_a_real_file_agrees_with_coreutils_stat()
    {
        using PinnedFile pinned = TargetFileOpener.PinPath("/usr/bin/env");
        Assert.AreEqual(CoreutilsIdentity("/usr/bin/env"), pinned.Identity.ToString());
    }

    [TestMethod]
    public void Our_own_mapping_of_a_plain_file_shows_the_statx_identity()
    {
        using PinnedFile pinned = TargetFileOpener.PinPath("/usr/bin/env");
        Assert.AreEqual(pinned.Identity, MirrorMapping.IdentityOf(pinned.Handle));
    }

    /// <summary>coreutils' own reading of st_dev (major %Hd, minor %Ld) and st_ino, independent of ours.</summary>
    internal static string CoreutilsIdentity(string path)
    {
        string[] parts = ProcessRunner.Run(Requirements.Tool("stat"), ["-L", "-c", "%Hd %Ld %i", path], TimeSpan.FromSeconds(30))
            .EnsureSuccess($"stat {path}").Stdout.Trim().Split(' ');
        return new FileIdentity(uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            ulong.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)).ToString();
    }
}
