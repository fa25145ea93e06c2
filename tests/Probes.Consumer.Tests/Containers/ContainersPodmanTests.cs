using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Containers;

/// <summary>
/// <c>probes containers</c> against real podman containers: the sample service (self-contained
/// .NET, loads libprobes.so) and a static fixture without the shim. Every value is checked
/// against podman itself and against the kernel's view (stat of the namespace files).
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class ContainersPodmanTests
{
    private const string SampleShim = "/app/runtimes/linux-x64/native/libprobes.so";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [TestMethod]
    public void Lists_the_sample_with_its_shim_and_a_plain_container_without()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string sample = $"probes-ctrs-{Guid.NewGuid():N}"[..24];
        using var plain = new PodmanContainer(podman, Fixtures.Build(FixtureKind.Static, "-O2"), "/fixture");
        try
        {
            ProcessRunner.Run(podman, ["--runtime", "runc", "run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "--name", sample, image, "--requests", "100000", "--interval-ms", "50"], Timeout).EnsureSuccess("podman run sample");
            string sampleId = Podman(podman, "inspect", "-f", "{{.Id}}", sample);
            int samplePid = int.Parse(Podman(podman, "inspect", "-f", "{{.State.Pid}}", sample), CultureInfo.InvariantCulture);

            // The SDK maps the shim at its first probe, a moment after the process starts.
            JsonElement listed = default;
            Wait.Until(() => (listed = Find(ListJson(), sample)).ValueKind == JsonValueKind.Object && listed.GetProperty("loads_probes").GetBoolean(), Timeout, "the sample maps libprobes.so");

            Assert.AreEqual(sampleId, listed.GetProperty("id").GetString());
            Assert.AreEqual(image, listed.GetProperty("image").GetString());
            Assert.AreEqual("podman", listed.GetProperty("runtime").GetString());
            Assert.AreEqual(samplePid, listed.GetProperty("pid").GetInt32());
            Assert.AreEqual(NamespaceInodeByStat(samplePid, "pid"), listed.GetProperty("pid_namespace").GetUInt64());
            Assert.AreEqual(NamespaceInodeByStat(samplePid, "mnt"), listed.GetProperty("mount_namespace").GetUInt64());
            Assert.AreNotEqual(NamespaceInodeByStat(Environment.ProcessId, "pid"), listed.GetProperty("pid_namespace").GetUInt64(), "its own pid namespace, not ours");
            Assert.IsTrue(listed.GetProperty("loads_probes").GetBoolean());
            Assert.AreEqual(SampleShim, listed.GetProperty("probes_library").GetString());
            Assert.AreEqual(JsonValueKind.Null, listed.GetProperty("pod").ValueKind);

            JsonElement other = Find(ListJson(), plain.Name);
            Assert.AreEqual(JsonValueKind.Object, other.ValueKind, "the plain container is listed");
            Assert.AreEqual(plain.Id, other.GetProperty("id").GetString());
            Assert.AreEqual($"localhost/{plain.Name}:1", other.GetProperty("image").GetString());
            Assert.AreEqual(plain.HostPid, other.GetProperty("pid").GetInt32());
            Assert.AreEqual(NamespaceInodeByStat(plain.HostPid, "pid"), other.GetProperty("pid_namespace").GetUInt64());
            Assert.IsFalse(other.GetProperty("loads_probes").GetBoolean());
            Assert.AreEqual(JsonValueKind.Null, other.GetProperty("probes_library").ValueKind);

            // Text: the one table style (header, rule, one row each; cells padded, so trimmed here), short id first, the shim's path last (or "-").
            string[] lines = ProbesBinary.Run("containers").EnsureSuccess("probes containers").Stdout.ReplaceLineEndings("\n").Split('\n')
                .Select(line => line.Trim(' ')).Where(line => line.Length > 0).ToArray();
            StringAssert.StartsWith(lines[0], "ID ");
            string sampleRow = lines.Single(line => line.StartsWith(sampleId[..12] + " ", StringComparison.Ordinal));
            StringAssert.Contains(sampleRow, $" {sample} ");
            StringAssert.EndsWith(sampleRow, " " + SampleShim);
            StringAssert.EndsWith(lines.Single(line => line.StartsWith(plain.Id[..12] + " ", StringComparison.Ordinal)), " -");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", sample], Timeout);
        }
    }

    [TestMethod]
    public void A_stopped_container_is_no_longer_listed()
    {
        string podman = Requirements.RootWithPodman();
        using var plain = new PodmanContainer(podman, Fixtures.Build(FixtureKind.Static, "-O2"), "/fixture");
        Assert.AreEqual(JsonValueKind.Object, Find(ListJson(), plain.Name).ValueKind, "listed while running");

        ProcessRunner.Run(podman, ["stop", "-t", "0", plain.Name], Timeout).EnsureSuccess("podman stop");

        Assert.AreEqual(JsonValueKind.Undefined, Find(ListJson(), plain.Name).ValueKind, "gone once stopped");
    }

    private static List<JsonElement> ListJson()
    {
        string stdout = ProbesBinary.Run("containers", "--json").EnsureSuccess("probes containers --json").Stdout;
        using JsonDocument document = JsonDocument.Parse(stdout);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static JsonElement Find(List<JsonElement> containers, string name) =>
        containers.FirstOrDefault(c => c.GetProperty("name").GetString() == name);

    /// <summary>The namespace's inode as stat(1) sees it: an independent check of the link-text parsing.</summary>
    private static ulong NamespaceInodeByStat(int pid, string kind) =>
        ulong.Parse(ProcessRunner.Run(Requirements.Tool("stat"), ["-L", "-c", "%i", $"/proc/{pid}/ns/{kind}"], Timeout).EnsureSuccess("stat").Stdout.Trim(), CultureInfo.InvariantCulture);

    private static string Podman(string podman, params string[] args) =>
        ProcessRunner.Run(podman, args, Timeout).EnsureSuccess($"podman {string.Join(' ', args)}").Stdout.Trim();
}
