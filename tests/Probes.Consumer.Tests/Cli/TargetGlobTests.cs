using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>--container GLOB</c> over the running containers' names, and <c>--image GLOB</c> over podman's images.</summary>
[TestClass]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class TargetGlobTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [TestMethod]
    public void Container_and_image_globs_select_the_matching_ones()
    {
        Requirements.Root();
        string podman = Requirements.Which("podman") ?? throw new AssertFailedException("podman is required");
        string image = SampleImage.Build();
        string prefix = $"r18-glob-{Environment.ProcessId}";
        string[] names = [$"{prefix}-a", $"{prefix}-b", $"r18-other-{Environment.ProcessId}"];
        try
        {
            foreach (string name in names)
            {
                SampleImage.RunBusy(podman, name, image, intervalMilliseconds: 5);
            }

            ProcessResult byName = ProbesBinary.Run("phases", "--container", $"{prefix}-*", "--duration", "2", "--format", "json");
            ProcessResult byImage = ProbesBinary.Run("phases", "--image", image[..^3] + "*", "--duration", "2", "--format", "json");
            ProcessResult none = ProbesBinary.Run("phases", "--container", $"{prefix}-zz*", "--duration", "1");

            Assert.AreEqual(0, byName.ExitCode, byName.Stderr);
            CollectionAssert.AreEquivalent(names[..2], Containers(byName.Stdout), byName.Stderr);
            Assert.AreEqual(0, byImage.ExitCode, byImage.Stderr);
            CollectionAssert.IsSubsetOf(names, Containers(byImage.Stdout), byImage.Stderr);
            Assert.AreEqual(3, none.ExitCode, none.Stderr);
            StringAssert.Contains(none.Stderr, $"no running container matches '{prefix}-zz*'");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. names], Timeout);
        }
    }

    private static string[] Containers(string json)
    {
        using JsonDocument report = JsonDocument.Parse(json);
        return report.RootElement.GetProperty("phases").EnumerateArray().Select(r => r.GetProperty("container").GetString()!).Distinct().ToArray();
    }
}
