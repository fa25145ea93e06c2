
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Containers;

/// <summary><c>podman ps --format json</c> as podman 4.3 prints it, parsed without podman.</summary>
[TestClass]
public sealed class PodmanStateTests
{
    // Recorded on this machine kind (podman 4.3.1), trimmed of fields we do not read.
    private const string Recorded = """
        [
          {
            "AutoRemove": false,
            "Command": ["/pause"],
            "Id": "b6e13a7a243dc62673dc100db736b7fe6778beec646f9c3cb356ce3e4801809e",
            "Image": "localhost/ctrexp:1",
            "ImageID": "c489b41220359d4ede7c4df1c3888b1dbb30861643acaa9eb41e158d03307cce",
            "IsInfra": false,
            "Labels": null,
            "Names": ["ctrexp1"],
            "Pid": 6558,
            "Pod": "",
            "PodName": "",
            "State": "running"
          },
          {
            "Id": "c0ffee0000000000000000000000000000000000000000000000000000000001",
            "Image": "localhost/web:2",
            "Names": ["web-1"],
            "Pod": "8d2f",
            "PodName": "shop"
          }
        ]
        """;

    [TestMethod]
    public void Ps_json_gives_name_image_and_pod_by_full_id()
    {
        Dictionary<string, ContainerMetadata> parsed = PodmanState.ParsePs(Recorded);
        Assert.HasCount(2, parsed);
        Assert.AreEqual(new ContainerMetadata("b6e13a7a243dc62673dc100db736b7fe6778beec646f9c3cb356ce3e4801809e", ContainerRuntime.Podman, "ctrexp1", "localhost/ctrexp:1"),
            parsed["b6e13a7a243dc62673dc100db736b7fe6778beec646f9c3cb356ce3e4801809e"]);
        Assert.AreEqual("shop", parsed["c0ffee0000000000000000000000000000000000000000000000000000000001"].Pod);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("[]")]
    [DataRow("Error: something podman said")]
    [DataRow("{\"Id\":\"x\"}")]
    public void Nothing_running_or_unexpected_output_gives_an_empty_map(string output)
    {
        Assert.IsEmpty(PodmanState.ParsePs(output));
    }

    [TestMethod]
    public void Missing_podman_is_not_an_error()
    {
        var podman = new PodmanState("/nonexistent/podman", TimeSpan.FromSeconds(5));
        Assert.IsEmpty(podman.Running());
        Assert.IsNull(podman.One(new string('a', 64)));
    }
}
