using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The native executable (PROBES_CLI, set by scripts/test.sh's second pass) needs only what the
/// README promises: glibc's libc, libm and loader. It runs in a root filesystem holding those three
/// files and nothing else (podman --rootfs adds only the /proc, /dev and /sys mounts of any container).
/// </summary>
[TestClass]
[TestCategory("Native")]
[TestCategory("Container")]
public sealed class NativeRootfsTests
{
    private static readonly string[] Promised = ["libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"];

    [TestMethod]
    public void Needs_only_libc_libm_and_the_loader()
    {
        string native = NativeExecutable();
        ProcessResult dynamic = ProcessRunner.Run(Requirements.Tool("readelf"), ["-d", native], ProbesBinary.Timeout).EnsureSuccess("readelf -d");

        string[] needed = dynamic.Stdout.Split('\n').Where(line => line.Contains("(NEEDED)", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf('[') + 1)..line.IndexOf(']')]).Order(StringComparer.Ordinal).ToArray();

        CollectionAssert.AreEqual(Promised.Order(StringComparer.Ordinal).ToArray(), needed, string.Join(", ", needed));
    }

    [TestMethod]
    public void Lists_a_file_in_a_glibc_only_root()
    {
        string podman = Requirements.RootWithPodman();
        string native = NativeExecutable();
        string root = Path.Combine(TestPaths.ScratchDirectory, $"glibc-only-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "lib", "x86_64-linux-gnu"));
        Directory.CreateDirectory(Path.Combine(root, "lib64"));
        File.Copy(native, Path.Combine(root, "probes"));
        File.Copy("/lib/x86_64-linux-gnu/libc.so.6", Path.Combine(root, "lib", "x86_64-linux-gnu", "libc.so.6"));
        File.Copy("/lib/x86_64-linux-gnu/libm.so.6", Path.Combine(root, "lib", "x86_64-linux-gnu", "libm.so.6"));
        File.Copy("/lib64/ld-linux-x86-64.so.2", Path.Combine(root, "lib64", "ld-linux-x86-64.so.2"));
        File.Copy(TestPaths.LibProbes, Path.Combine(root, "libprobes.so"));
        try
        {
            ProcessResult listed = ProcessRunner.Run(podman,
                ["--runtime", "runc", "run", "--rm", "--name", $"probes-glibc-only-{Environment.ProcessId}", "--network", "none",
                 "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--rootfs", root, "/probes", "list", "--json", "/libprobes.so"],
                ProbesBinary.Timeout).EnsureSuccess("podman run --rootfs ROOT /probes list --json /libprobes.so");

            string[] expected = ProbesBinary.ListJson(TestPaths.LibProbes).Select(p => $"{p.Provider}:{p.Name}@{p.PcOffset:x}").ToArray();
            string[] actual = ProbesBinary.ParseJson(listed.Stdout).Select(p => $"{p.Provider}:{p.Name}@{p.PcOffset:x}").ToArray();
            Assert.IsNotEmpty(actual);
            CollectionAssert.AreEqual(expected, actual);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The executable under test, when it is the native one; a skip (a failure under PROBES_REQUIRE_KERNEL) otherwise.</summary>
    private static string NativeExecutable()
    {
        string executable = TestPaths.ProbesExecutable;
        if (Environment.GetEnvironmentVariable("PROBES_CLI") is not { Length: > 0 } || File.Exists(Path.ChangeExtension(executable, ".dll")))
        {
            Requirements.Missing("needs the Native AOT probes: PROBES_CLI=artifacts/probes-linux-x64/probes (scripts/test.sh's second pass sets it)");
        }
        return executable;
    }
}
