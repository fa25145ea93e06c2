namespace Probes.Sdk.Tests;

[TestClass]
public sealed class PhaseIdTests
{
    // FNV-1a 32-bit reference vectors (the published test suite of the algorithm) plus names
    // with multi-byte UTF-8, so a consumer in any language can check its own implementation.
    [TestMethod]
    [DataRow("", 0x811C9DC5u)]
    [DataRow("a", 0xE40C292Cu)]
    [DataRow("foobar", 0xBF9CF968u)]
    public void Of_matches_published_fnv1a_vectors(string name, uint expected)
        => Assert.AreEqual(expected, PhaseId.Of(name));

    [TestMethod]
    public void Of_hashes_utf8_bytes_not_utf16_chars()
    {
        byte[] utf8 = "Größe"u8.ToArray();
        Assert.AreEqual(PhaseId.Of(utf8), PhaseId.Of("Größe"));
        Assert.AreNotEqual(PhaseId.Of("Grosse"), PhaseId.Of("Größe"));
    }
}
