using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Deliberately outside Probes.*: code in Probes.Hosting.Tests sees Probes.Hosting's members
// without a using, an application's code does not. This file compiles only because AddProbes
// lives where DI extensions conventionally do (the README's snippet has no using of ours).
namespace NewcomerApplication;

[TestClass]
public sealed class ConventionalNamespaceTests
{
    [TestMethod]
    public void AddProbes_is_found_with_the_usings_that_find_AddHostedService()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddProbes();

        Assert.AreEqual("Microsoft.Extensions.DependencyInjection", typeof(ProbesServiceCollectionExtensions).Namespace);
        using IHost host = builder.Build();
        Assert.IsNotNull(host.Services.GetService<Probes.IProbes>(), "AddProbes registered no IProbes");
    }
}
