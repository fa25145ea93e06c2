using System.Text;
using Probes.Consumer.Manifest;

namespace Probes.Consumer.Tests.Manifest;

[TestClass]
public sealed class PhaseManifestReaderTests
{
    private const string Json =
        """
        {"version":1,"assembly":"Shop","phases":[
          {"name":"LoadConfig","id":1111,"kind":"sync","method":"Shop.Config::Load()","file":"/src/Config.cs","line":12},
          {"name":"Checkout","id":4294967295,"kind":"async","method":"Shop.Cart::CheckoutAsync(Int32)","file":null,"line":null}]}
        """;

    [TestMethod]
    public void Reads_every_phase_from_the_embedded_resource_of_a_file()
    {
        byte[] image = TinyAssembly.With(("Other.txt", [1, 2, 3]), (PhaseManifestReader.ResourceName, Encoding.UTF8.GetBytes(Json)));
        PhaseManifest? manifest = PhaseManifestReader.Read(new MemoryStream(image));

        Assert.IsNotNull(manifest);
        Assert.AreEqual(1, manifest.Version);
        Assert.AreEqual("Shop", manifest.Assembly);
        Assert.HasCount(2, manifest.Phases);
        Assert.AreEqual(new PhaseEntry("LoadConfig", 1111, "sync", "Shop.Config::Load()", "/src/Config.cs", 12), manifest.Phases[0]);
        Assert.AreEqual(new PhaseEntry("Checkout", uint.MaxValue, "async", "Shop.Cart::CheckoutAsync(Int32)", null, null), manifest.Phases[1]);
    }

    [TestMethod]
    public void A_manifest_over_the_size_limit_is_refused_before_it_is_read()
    {
        byte[] image = TinyAssembly.With((PhaseManifestReader.ResourceName, new byte[PhaseManifestReader.MaxManifestBytes + 1]));
        var refused = Assert.ThrowsExactly<ManifestFormatException>(() => PhaseManifestReader.Read(new MemoryStream(image)));
        Assert.AreEqual($"the Probes.Manifest.json resource claims {PhaseManifestReader.MaxManifestBytes + 1} bytes, over the 4194304-byte limit", refused.Message);
    }

    [TestMethod]
    public void An_assembly_without_the_manifest_has_none()
    {
        Assert.IsNull(PhaseManifestReader.Read(new MemoryStream(TinyAssembly.With(("Other.txt", [1])))));
    }

    [TestMethod]
    public void A_file_that_is_not_an_assembly_has_none()
    {
        Assert.IsNull(PhaseManifestReader.Read(new MemoryStream(Encoding.ASCII.GetBytes("\x7f" + "ELF not a PE at all"))));
    }

    [TestMethod]
    [DataRow("{\"version\":2,\"assembly\":\"A\",\"phases\":[]}", "version 2")]
    [DataRow("{\"version\":1,\"assembly\":\"A\"}", "malformed")]
    [DataRow("{not json", "malformed")]
    public void A_malformed_manifest_is_a_typed_error(string json, string expected)
    {
        byte[] image = TinyAssembly.With((PhaseManifestReader.ResourceName, Encoding.UTF8.GetBytes(json)));
        ManifestFormatException e = Assert.ThrowsExactly<ManifestFormatException>(() => PhaseManifestReader.Read(new MemoryStream(image)));
        StringAssert.Contains(e.Message, expected);
    }
}
