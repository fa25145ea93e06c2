using System.Security.Cryptography;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// However `probes trace` ends, nothing of it stays behind: the traced process keeps running,
/// its semaphores fall back to 0, and tracefs holds no uprobe of ours (we never write there).
/// No verb leaves a file, touches tracefs or the BPF file system, or writes into the traced file.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class TraceCleanupTests
{
    private const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    [DataRow(Signals.SIGINT, "interrupted")]
    [DataRow(Signals.SIGTERM, "terminated")]
    [DataRow(Signals.SIGKILL, null)]
    public void Nothing_stays_behind_after_the_tracer_stops(int signal, string? reason)
    {
        Requirements.Root();
        EnsureTracefs();
        string before = File.ReadAllText(UprobeEvents);
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "5");
        sample.WaitForStdout("ready", Timeout);
        ulong begin = SampleService.SemaphoreOffset("phase_begin");
        ulong end = SampleService.SemaphoreOffset("phase_end");
        ushort Semaphore(ulong offset) => sample.ReadMappedUInt16(SampleService.Shim, offset);
        Assert.AreEqual(0, Semaphore(begin));

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--pid", $"{sample.Pid}", "--json"]);
        tracer.WaitForStderr("attached", Timeout);
        Wait.Until(() => Semaphore(begin) == 1 && Semaphore(end) == 1, Timeout, "the tracer raised the semaphores");
        tracer.WaitForStdout("HandleRequest", Timeout);

        tracer.Signal(signal);
        tracer.WaitForExit(Timeout);
        if (reason is not null)
        {
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            StringAssert.Matches(tracer.Stderr[^1], new System.Text.RegularExpressions.Regex($@"^probes: \d+ events, 0 lost \({reason}\)$"));
        }
        else
        {
            Assert.AreEqual(128 + Signals.SIGKILL, tracer.ExitCode);
        }

        Wait.Until(() => Semaphore(begin) == 0 && Semaphore(end) == 0, Timeout, "the semaphores fell back to 0");
        Assert.AreEqual(before, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
        Assert.IsFalse(sample.HasExited, "the traced process died");
        Assert.AreEqual(0, sample.Stderr.Count, "the traced process complained: " + string.Join('\n', sample.Stderr));
    }

    [TestMethod]
    public void No_verb_leaves_a_file_or_kernel_state_behind_or_writes_into_the_target()
    {
        Requirements.Root();
        EnsureTracefs();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "5");
        sample.WaitForStdout("ready", Timeout);
        string pid = $"{sample.Pid}";
        Dictionary<string, string?> tracefs = TracefsState.Snapshot();
        string[] bpffs = BpfFileSystem();
        (string Hash, DateTime Modified) shim = Fingerprint(SampleService.Shim);

        string[][] verbs =
        [
            ["list", "--pid", pid],
            ["trace", "--pid", pid, "--duration", "1"],
            ["phases", "--pid", pid, "--duration", "1", "--format", "json"],
            ["phases", SampleService.Shim, "--duration", "1", "--format", "json"],
            ["containers"],
        ];
        foreach (string[] verb in verbs)
        {
            // Its own empty working, home and temporary directories: whatever it (or the runtime) left would be there.
            string scratch = Directory.CreateTempSubdirectory("probes-leftovers-").FullName;
            try
            {
                string work = Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName;
                string home = Directory.CreateDirectory(Path.Combine(scratch, "home")).FullName;
                string temp = Directory.CreateDirectory(Path.Combine(scratch, "tmp")).FullName;
                ProcessResult result = ProcessRunner.Run(TestPaths.ProbesExecutable, verb, Timeout,
                    new Dictionary<string, string> { ["HOME"] = home, ["TMPDIR"] = temp, ["DOTNET_CLI_HOME"] = home }, work);
                string what = $"probes {string.Join(' ', verb)}";
                Assert.AreEqual(0, result.ExitCode, $"{what}: {result.Stderr}");
                foreach (string directory in new[] { work, home, temp })
                {
                    CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(directory, "*", SearchOption.AllDirectories), $"{what} left files in {directory}");
                }
                CollectionAssert.AreEqual(tracefs, TracefsState.Snapshot(), $"{what} changed tracefs");
                CollectionAssert.AreEqual(bpffs, BpfFileSystem(), $"{what} changed /sys/fs/bpf");
                Assert.AreEqual(shim, Fingerprint(SampleService.Shim), $"{what} changed the traced file");
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
        Assert.IsFalse(sample.HasExited, "the traced process died");
    }

    /// <summary>Everything pinned in the BPF file system (empty, or not even mounted, here).</summary>
    private static string[] BpfFileSystem() =>
        Directory.Exists("/sys/fs/bpf") ? Directory.GetFileSystemEntries("/sys/fs/bpf", "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : [];

    private static (string Hash, DateTime Modified) Fingerprint(string path) =>
        (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), File.GetLastWriteTimeUtc(path));

    private static void EnsureTracefs()
    {
        if (!File.Exists(UprobeEvents))
        {
            ProcessRunner.Run(Requirements.Tool("mount"), ["-t", "tracefs", "nodev", "/sys/kernel/tracing"], Timeout).EnsureSuccess("mount tracefs");
        }
    }
}

/// <summary>Where tracefs keeps the probe definitions a tracer that writes text there would leave behind.</summary>
internal static class TracefsState
{
    public const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";
    public const string KprobeEvents = "/sys/kernel/tracing/kprobe_events";
    public const string DynamicEvents = "/sys/kernel/tracing/dynamic_events";

    /// <summary>Each file's text, or null where this kernel has no such file.</summary>
    public static Dictionary<string, string?> Snapshot() =>
        new[] { UprobeEvents, KprobeEvents, DynamicEvents }.ToDictionary(path => path, path => File.Exists(path) ? File.ReadAllText(path) : null);
}
