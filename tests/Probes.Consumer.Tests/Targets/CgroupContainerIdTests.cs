
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Targets;

/// <summary>Container ids from /proc/PID/cgroup lines, one recorded line per runtime and cgroup layout.</summary>
[TestClass]
public sealed class CgroupContainerIdTests
{
    private const string Id = "750281e108c56b77965390ae578a6b7e8d5d039c696226f989dd296faf525797";

    [TestMethod]
    // podman with the cgroupfs manager, recorded on this host (hybrid v1 + v2): every hierarchy names the container.
    [DataRow("0::/libpod_parent/libpod-" + Id)]
    [DataRow("8:pids:/libpod_parent/libpod-" + Id)]
    [DataRow("9:name=systemd:/libpod_parent/libpod-" + Id)]
    // podman with the systemd manager (rootful, then rootless with its inner "container" cgroup).
    [DataRow("0::/machine.slice/libpod-" + Id + ".scope")]
    [DataRow("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + Id + ".scope/container")]
    // docker, systemd driver and cgroupfs driver.
    [DataRow("0::/system.slice/docker-" + Id + ".scope")]
    [DataRow("12:memory:/docker/" + Id)]
    // containerd's CRI plugin under Kubernetes, systemd driver.
    [DataRow("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f1a7d9e_2c0b_4f7e_9a55_0c8d7e6f5a41.slice/cri-containerd-" + Id + ".scope")]
    // CRI-O under Kubernetes, systemd driver.
    [DataRow("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0d7c2e8a_1b3f_4c5d_8e9f_a0b1c2d3e4f5.slice/crio-" + Id + ".scope")]
    // Kubernetes with the cgroupfs driver (any runtime): /kubepods/<qos>/pod<uid>/<id>, and guaranteed pods without a qos level.
    [DataRow("11:cpu,cpuacct:/kubepods/burstable/pod4f1a7d9e-2c0b-4f7e-9a55-0c8d7e6f5a41/" + Id)]
    [DataRow("0::/kubepods/pod4f1a7d9e-2c0b-4f7e-9a55-0c8d7e6f5a41/" + Id)]
    // docker inside Kubernetes (dockershim era), systemd driver.
    [DataRow("0::/kubepods.slice/kubepods-pod4f1a7d9e_2c0b.slice/docker-" + Id + ".scope")]
    public void FindsTheIdInEveryRuntimeForm(string line) => Assert.AreEqual(Id, CgroupContainerId.FromLine(line));

    [TestMethod]
    // podman's conmon (recorded on this host) and CRI-O's conmon are monitors, not container processes.
    [DataRow("8:pids:/libpod_parent/conmon")]
    [DataRow("0::/machine.slice/libpod-conmon-" + Id + ".scope")]
    [DataRow("0::/kubepods.slice/kubepods-besteffort.slice/crio-conmon-" + Id + ".scope")]
    // Ordinary host processes.
    [DataRow("0::/")]
    [DataRow("0::/init.scope")]
    [DataRow("0::/system.slice/ssh.service")]
    [DataRow("0::/user.slice/user-0.slice/session-3.scope")]
    // A pod's own cgroup (its pause/sandbox level) is not one container.
    [DataRow("0::/kubepods/burstable/pod4f1a7d9e-2c0b-4f7e-9a55-0c8d7e6f5a41")]
    // Near misses: a short id, uppercase hex, and a bare id outside any runtime's parent.
    [DataRow("0::/system.slice/docker-750281e108c5.scope")]
    [DataRow("0::/system.slice/docker-750281E108C56B77965390AE578A6B7E8D5D039C696226F989DD296FAF525797.scope")]
    [DataRow("0::/some/" + Id)]
    [DataRow("not a cgroup line")]
    public void FindsNoIdOutsideContainers(string line) => Assert.IsNull(CgroupContainerId.FromLine(line));

    [TestMethod]
    // A container with a delegated cgroup names a child after another container, or nests one
    // (docker in docker): the host's runtime placed the outer one, so the outer id is the container.
    [DataRow("0::/libpod_parent/libpod-" + Id + "/libpod-" + OtherId)]
    [DataRow("0::/machine.slice/libpod-" + Id + ".scope/container/docker-" + OtherId + ".scope")]
    [DataRow("0::/docker/" + Id + "/docker/" + OtherId)]
    public void A_cgroup_made_inside_a_container_cannot_claim_another_containers_id(string line) => Assert.AreEqual(Id, CgroupContainerId.FromLine(line));

    private const string OtherId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [TestMethod]
    public void ReadsTheWholeFileOfAHybridHost()
    {
        string[] file =
        [
            "9:name=systemd:/",
            "8:pids:/libpod_parent/libpod-" + Id,
            "0::/",
        ];
        Assert.AreEqual(Id, CgroupContainerId.FromFile(file));
        Assert.IsNull(CgroupContainerId.FromFile(["9:name=systemd:/", "0::/"]));
    }
}
