
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tests.Containers;

/// <summary>
/// Discovery over a fake /proc with recorded state files and a stand-in podman (a script that
/// prints recorded <c>podman ps</c> output): grouping, init pid, namespaces, libprobes.so, names.
/// </summary>
[TestClass]
public sealed class ContainerCatalogTests
{
    private const string Shim = "/app/runtimes/linux-x64/native/libprobes.so";
    private const string PodmanId = "b6e13a7a243dc62673dc100db736b7fe6778beec646f9c3cb356ce3e4801809e";

    private FakeProc _proc = null!;
    private string _podmanScript = "";
    private string _podmanCalls = "";

    [TestInitialize]
    public void CreateHost()
    {
        _proc = new FakeProc();
        _proc.Add(1, 0, "/init.scope");
        // podman: conmon (39) outside, init 40, its child 41, and 42 started by `podman exec` (parent conmon too).
        _proc.Add(39, 1, "/libpod_parent/conmon");
        _proc.Add(40, 39, $"/libpod_parent/libpod-{PodmanId}", 4026532180, 4026532177);
        _proc.Add(41, 40, $"/libpod_parent/libpod-{PodmanId}", 4026532180, 4026532177);
        _proc.Add(42, 39, $"/libpod_parent/libpod-{PodmanId}", 4026532180, 4026532177);
        // docker: the shim's child 50 is init; its child 51 is the one that maps the shim (deleted since).
        _proc.Add(49, 1, "/system.slice/containerd.service");
        _proc.Add(50, 49, $"/system.slice/docker-{ContainerSamples.Docker}.scope", 4026532300, 4026532301);
        _proc.Add(51, 50, $"/system.slice/docker-{ContainerSamples.Docker}.scope", 4026532300, 4026532301, "/usr/lib/libc.so.6", Shim + " (deleted)");
        // containerd under Kubernetes with the cgroupfs driver: a bare id, the runtime is told by its state file.
        _proc.Add(60, 59, $"/kubepods/burstable/pod8e1d2c3b-4a59-4687-b7c6-d5e4f3a2b1c0/{ContainerSamples.Containerd}", 4026532400, 4026532401, Shim);
        // CRI-O with the systemd driver; pids listed out of order and a higher pid as init is fine.
        _proc.Add(75, 74, $"/kubepods.slice/kubepods-besteffort.slice/crio-{ContainerSamples.CriO}.scope", 4026532500, 4026532501);
        _proc.AddVanished(77);

        string scratch = Path.Combine(_proc.Root, "..", $"probes-fake-podman-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        _podmanScript = Path.Combine(scratch, "podman");
        _podmanCalls = Path.Combine(scratch, "calls");
        File.WriteAllText(_podmanScript, $$"""
            #!/bin/sh
            echo "$*" >> '{{_podmanCalls}}'
            cat <<'JSON'
            [{"Id": "{{PodmanId}}", "Image": "localhost/ctrexp:1", "Names": ["ctrexp1"], "PodName": ""}]
            JSON
            """);
        if (!OperatingSystem.IsWindows()) // the analyzer's guard; these tests run on Linux only
        {
            File.SetUnixFileMode(_podmanScript, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [TestCleanup]
    public void RemoveHost()
    {
        _proc.Dispose();
        Directory.Delete(Path.GetDirectoryName(_podmanScript)!, recursive: true);
    }

    private ContainerCatalog Catalog(string? podman = null) =>
        new(_proc.Root, ContainerSamples.Roots, new PodmanState(podman ?? _podmanScript, TimeSpan.FromSeconds(20)));

    [TestMethod]
    public void Lists_every_container_once_with_its_metadata_init_pid_namespaces_and_shim()
    {
        IReadOnlyList<HostContainer> listed = Catalog().List();

        Assert.AreEqual(
            string.Join('\n', [
                $"{PodmanId} podman ctrexp1 localhost/ctrexp:1 -/- init=40 pids=40,41,42 ns=4026532180/4026532177 shim=-",
                $"{ContainerSamples.Containerd} containerd orders registry.example.com/shop/orders:2.0.1 shop/orders-5b8c9d7f6-k7m2p init=60 pids=60 ns=4026532400/4026532401 shim={Shim}",
                $"{ContainerSamples.CriO} criO payments registry.example.com/billing/payments:3.2 billing/payments-6c7d8e9f0-q4w5e init=75 pids=75 ns=4026532500/4026532501 shim=-",
                $"{ContainerSamples.Docker} docker web-1 registry.example.com/shop/web:1.4.2 -/- init=50 pids=50,51 ns=4026532300/4026532301 shim={Shim}",
            ]),
            string.Join('\n', listed.Select(Describe)));
        CollectionAssert.AreEqual(new[] { "ps --format json" }, File.ReadAllLines(_podmanCalls), "one podman call for all containers, none per container");
    }

    [TestMethod]
    public void Without_podman_its_containers_are_listed_unnamed_after_the_named_ones()
    {
        IReadOnlyList<HostContainer> listed = Catalog("/nonexistent/podman").List();

        HostContainer last = listed[^1];
        Assert.AreEqual(ContainerMetadata.Unnamed(PodmanId, ContainerRuntime.Podman), last.Metadata);
        Assert.AreEqual(40, last.InitPid);
    }

    [TestMethod]
    public void Metadata_of_one_container_is_asked_once_and_then_cached()
    {
        ContainerCatalog catalog = Catalog();

        ContainerMetadata first = catalog.Metadata(PodmanId, ContainerRuntime.Podman);
        ContainerMetadata second = catalog.Metadata(PodmanId, ContainerRuntime.Podman);

        Assert.AreEqual("ctrexp1", first.Name);
        Assert.AreSame(first, second);
        CollectionAssert.AreEqual(new[] { $"ps --format json --all --filter id={PodmanId}" }, File.ReadAllLines(_podmanCalls));
    }

    [TestMethod]
    public void An_id_no_runtime_knows_is_asked_again_only_after_a_few_seconds()
    {
        long now = 1_000;
        var catalog = new ContainerCatalog(_proc.Root, ContainerSamples.Roots, new PodmanState(_podmanScript, TimeSpan.FromSeconds(20)), () => now);
        string stranger = new('e', 64);

        Assert.AreEqual(ContainerMetadata.Unnamed(stranger, ContainerRuntime.Podman), catalog.Metadata(stranger, ContainerRuntime.Podman));
        catalog.Metadata(stranger, ContainerRuntime.Podman);
        now += 4_999;
        catalog.Metadata(stranger, ContainerRuntime.Podman);
        Assert.HasCount(1, File.ReadAllLines(_podmanCalls), "within the retry interval the unknown answer is reused");

        now += 1;
        catalog.Metadata(stranger, ContainerRuntime.Podman);
        Assert.HasCount(2, File.ReadAllLines(_podmanCalls), "after it, podman is asked again (the container may have finished starting)");
    }

    [TestMethod]
    public void Metadata_of_an_id_with_an_unknown_runtime_reads_the_state_files_before_asking_podman()
    {
        ContainerMetadata found = Catalog().Metadata(ContainerSamples.CriO);

        Assert.AreEqual("payments", found.Name);
        Assert.IsFalse(File.Exists(_podmanCalls), "podman was not needed");
    }

    [TestMethod]
    public void A_process_is_labelled_with_its_containers_metadata_and_host_processes_with_none()
    {
        ContainerCatalog catalog = Catalog();

        Assert.AreEqual(new ContainerMetadata(ContainerSamples.Containerd, ContainerRuntime.Containerd, "orders", "registry.example.com/shop/orders:2.0.1", "orders-5b8c9d7f6-k7m2p", "shop"), catalog.OfProcess(60));
        Assert.AreEqual("web-1", catalog.OfProcess(51)?.Name);
        Assert.AreEqual("ctrexp1", catalog.OfProcess(42)?.Name);
        Assert.IsNull(catalog.OfProcess(39), "conmon is not part of the container");
        Assert.IsNull(catalog.OfProcess(77), "exited");
        Assert.IsNull(catalog.OfProcess(99999), "never existed");
    }

    [TestMethod]
    public void Init_is_the_member_whose_parent_is_outside_even_when_it_is_not_the_lowest_pid()
    {
        var processes = new ContainerProcesses("x", ContainerRuntime.Podman, [10, 11, 12]);
        var parents = new Dictionary<int, int> { [10] = 11, [11] = 5, [12] = 11 };

        Assert.AreEqual(11, processes.InitPid(pid => parents[pid]));
        Assert.AreEqual(10, processes.InitPid(_ => null), "no parents readable: lowest pid");
    }

    [TestMethod]
    [DataRow("pid:[4026532180]", "pid", 4026532180UL)]
    [DataRow("mnt:[4026531841]", "mnt", 4026531841UL)]
    [DataRow("mnt:[4026531841]", "pid", null)]
    [DataRow("pid:[]", "pid", null)]
    [DataRow("pid:4026532180", "pid", null)]
    public void Namespace_link_text_parses_to_its_inode(string link, string kind, ulong? inode)
    {
        Assert.AreEqual(inode, NamespaceInode.Parse(link, kind));
    }

    [TestMethod]
    public void Empty_host_lists_nothing()
    {
        using var empty = new FakeProc();
        empty.Add(1, 0, "/init.scope");
        Assert.IsEmpty(new ContainerCatalog(empty.Root, ContainerSamples.Roots, new PodmanState(_podmanScript, TimeSpan.FromSeconds(20))).List());
        Assert.IsFalse(File.Exists(_podmanCalls), "no podman container, no podman call");
    }

    private static string Describe(HostContainer c)
    {
        ContainerMetadata m = c.Metadata;
        string runtime = char.ToLowerInvariant(m.Runtime.ToString()[0]) + m.Runtime.ToString()[1..];
        return $"{m.Id} {runtime} {m.Name} {m.Image} {m.PodNamespace ?? "-"}/{m.Pod ?? "-"} init={c.InitPid} pids={string.Join(',', c.Pids)} ns={c.PidNamespace}/{c.MountNamespace} shim={c.ProbesLibrary ?? "-"}";
    }
}
