using Probes.Consumer.Agent;
using Probes.Consumer.Export.Otlp;

namespace Probes.Consumer.Tests.Agent;

[TestClass]
public sealed class ContainerLabelsTests
{
    [TestMethod]
    public void The_resource_names_what_is_known_and_leaves_the_rest_out()
    {
        Assert.AreEqual(new ContainerResource("orders-1", "registry.example/orders:1.2", "orders-7d9f", "shop"),
            new ContainerLabels("orders-1", "c0ffee", "registry.example/orders:1.2", "orders-7d9f", "shop").ToResource());
        Assert.AreEqual(new ContainerResource("orders-1"), new ContainerLabels("orders-1", "c0ffee", "", "", "").ToResource(), "outside Kubernetes: no pod");
    }

    [TestMethod]
    public void A_name_the_runtime_was_given_is_bounded_like_a_label()
    {
        ContainerResource resource = new ContainerLabels(new string('n', 10_000), "c0ffee", "img", "", "").ToResource();
        Assert.AreEqual(LabelValue.MaxLength, resource.Name!.Length);
        StringAssert.EndsWith(resource.Name, "…");
    }
}
