
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tests.Targets;

/// <summary>The /proc/PID/maps parser on lines recorded from real processes.</summary>
[TestClass]
public sealed class ProcMappingTests
{
    // Recorded from `cat /proc/<dotnet pid>/maps` on Debian 12 (kernel 6.18) and trimmed.
    private static readonly string[] Recorded =
    [
        "55d0c8a00000-55d0c8a02000 r--p 00000000 08:01 1311753                    /usr/bin/python3.11",
        "55d0c8a02000-55d0c8c9b000 r-xp 00002000 08:01 1311753                    /usr/bin/python3.11",
        "55d0c9ffd000-55d0ca0a1000 rw-p 00000000 00:00 0                          [heap]",
        "7f1c29a00000-7f1c29a9a000 r--p 00000000 08:01 1320142                    /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
        "7f1c29a9a000-7f1c29bc3000 r-xp 0009a000 08:01 1320142                    /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
        "7f1c2a000000-7f1c2a200000 rw-p 00000000 00:00 0 ",
        "7f1c2b400000-7f1c2b401000 r--s 00000000 00:05 3075                       /memfd:doublemapper (deleted)",
        "7f1c2b600000-7f1c2b610000 r-xp 00000000 08:01 2099321                    /tmp/My App/lib probes.so (deleted)",
        "7f1c2b800000-7f1c2b801000 r--p 00000000 08:01 2099322                    /tmp/My App/data file.bin",
        "7f1c2c000000-7f1c2c001000 r--p 00000000 00:18 12                         /dev/shm/ring",
        "7ffd2a1d4000-7ffd2a1f5000 rw-p 00000000 00:00 0                          [stack]",
        "7ffd2a1f8000-7ffd2a1fc000 r--p 00000000 00:00 0                          [vvar]",
        "7ffd2a1fc000-7ffd2a1fe000 r-xp 00000000 00:00 0                          [vdso]",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
    ];

    [TestMethod]
    public void ParsesEveryFieldOfAFileMapping()
    {
        Assert.IsTrue(ProcMapping.TryParse(Recorded[4], out ProcMapping? mapping));
        Assert.AreEqual(new ProcMapping(0x7f1c29a9a000, 0x7f1c29bc3000, "r-xp", 0x9a000, "08:01", 1320142, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"), mapping);
        Assert.IsTrue(mapping!.IsFileBacked);
        Assert.IsFalse(mapping.IsDeleted);
    }

    [TestMethod]
    public void KeepsSpacesInPathsAndRecognisesDeletedFiles()
    {
        Assert.IsTrue(ProcMapping.TryParse(Recorded[7], out ProcMapping? deleted));
        Assert.AreEqual("/tmp/My App/lib probes.so (deleted)", deleted!.Path);
        Assert.IsTrue(deleted.IsDeleted);
        Assert.IsTrue(ProcMapping.TryParse(Recorded[8], out ProcMapping? spaced));
        Assert.AreEqual("/tmp/My App/data file.bin", spaced!.Path);
        Assert.IsFalse(spaced.IsDeleted);
    }

    [TestMethod]
    public void AnonymousAndPseudoMappingsAreNotFileBacked()
    {
        foreach (int line in new[] { 2, 5, 10, 11, 12, 13 })
        {
            Assert.IsTrue(ProcMapping.TryParse(Recorded[line], out ProcMapping? mapping), Recorded[line]);
            Assert.IsFalse(mapping!.IsFileBacked, Recorded[line]);
        }
        Assert.IsTrue(ProcMapping.TryParse(Recorded[5], out ProcMapping? anonymous));
        Assert.AreEqual("", anonymous!.Path);
    }

    [TestMethod]
    public void DistinctFileMappingsKeepsFirstMappingOfEachPathInOrder()
    {
        string[] paths = ProcessTarget.DistinctFileMappings(Recorded).Select(m => m.Path).ToArray();
        CollectionAssert.AreEqual(
            new[]
            {
                "/usr/bin/python3.11",
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
                "/memfd:doublemapper (deleted)",
                "/tmp/My App/lib probes.so (deleted)",
                "/tmp/My App/data file.bin",
                "/dev/shm/ring",
            },
            paths);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("garbage")]
    [DataRow("7f-zz r--p 00000000 08:01 1 /x")]
    [DataRow("7f1c2a000000-7f1c2a200000 rw-p 00000000 00:00")]
    [DataRow("7f1c2a000000-7f1c2a200000 rw-p 0000000g 00:00 0 /x")]
    public void RejectsMalformedLines(string line) => Assert.IsFalse(ProcMapping.TryParse(line, out _));
}
