using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// What each source says about the shim in two containers of one image, one of which rewrote it
/// (overlayfs copied it up into the container's own layer), measured on real overlay mounts:
/// statx and our own /proc/self/maps give the overlay's device (one per container) and the layer
/// file's inode number even after the copy-up; the kernel's answer for a mapping gives the file a
/// uprobe lands on: the image layer's file, or the container's upper copy.
/// </summary>
[TestClass]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class BackingInodeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [TestMethod]
    public void The_kernel_names_the_layer_file_for_a_replica_and_the_upper_file_after_a_copy_up()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        using var replicas = new SampleReplicas(podman, image);
        string plain = SampleReplicas.NameFor("bi-plain"), rewritten = SampleReplicas.NameFor("bi-copy");
        foreach (string name in new[] { plain, rewritten })
        {
            ProcessRunner.Run(podman, ["--runtime", "runc", "create", "--name", name, image], Timeout).EnsureSuccess("podman create");
        }
        replicas.Adopt(plain, rewritten);
        replicas.CopyUpShim(rewritten);
        string lower = Inspect(podman, plain, "{{.GraphDriver.Data.LowerDir}}").Split(':')[0];
        string upper = Inspect(podman, rewritten, "{{.GraphDriver.Data.UpperDir}}");
        try
        {
            using PinnedFile plainCopy = TargetFileOpener.PinPath(Mount(podman, plain) + SampleImage.ShimInImage);
            using PinnedFile rewrittenCopy = TargetFileOpener.PinPath(Mount(podman, rewritten) + SampleImage.ShimInImage);
            FileIdentity layerFile = IdentityOf(lower + SampleImage.ShimInImage);
            FileIdentity upperFile = IdentityOf(upper + SampleImage.ShimInImage);

            Assert.AreNotEqual(plainCopy.Identity, rewrittenCopy.Identity, "statx: one overlay device per container");
            Assert.AreEqual(layerFile.Inode, plainCopy.Identity.Inode, "statx: the layer file's inode number");
            Assert.AreEqual(layerFile.Inode, rewrittenCopy.Identity.Inode, "statx: the inode number survives the copy-up");
            Assert.AreNotEqual(layerFile.Inode, upperFile.Inode, "the copy-up made a file of its own");

            var kernel = BackingInode.Of([plainCopy, rewrittenCopy],
                () => MappedFileInodes.OfCurrentProcess().ToDictionary(m => m.Start, m => FileIdentity.FromKernelDevice(m.Device, m.Inode)));
            Assert.AreEqual(layerFile, kernel[plainCopy]);
            Assert.AreEqual(upperFile, kernel[rewrittenCopy]);

            var maps = BackingInode.Of([plainCopy, rewrittenCopy], BackingInode.FromOwnMaps);
            Assert.AreEqual(plainCopy.Identity, maps[plainCopy], "since Linux 6.8 maps shows the overlay's identity, as statx does");
            Assert.AreEqual(rewrittenCopy.Identity, maps[rewrittenCopy]);
        }
        finally
        {
            ProcessRunner.Run(podman, ["umount", plain, rewritten], Timeout);
        }
    }

    private static FileIdentity IdentityOf(string path)
    {
        using PinnedFile file = TargetFileOpener.PinPath(path);
        return file.Identity;
    }

    private static string Mount(string podman, string name) => ProcessRunner.Run(podman, ["mount", name], Timeout).EnsureSuccess("podman mount").Stdout.Trim();

    private static string Inspect(string podman, string name, string format) =>
        ProcessRunner.Run(podman, ["inspect", "-f", format, name], Timeout).EnsureSuccess("podman inspect").Stdout.Trim();
}
