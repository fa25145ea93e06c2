using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Containers;

/// <summary>The container whose init had a host pid, from the pid files a runtime keeps until the container is removed.</summary>
[TestClass]
public sealed class ExitedContainerInitsTests
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string C = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    [TestMethod]
    public void The_one_container_whose_pid_file_names_the_pid_answers_and_a_shared_pid_answers_nothing()
    {
        string root = Path.Combine(Path.GetTempPath(), $"probes-run-root-{Guid.NewGuid():N}");
        try
        {
            void Container(string name, string pidFile)
            {
                string userdata = Path.Combine(root, "overlay-containers", name, "userdata");
                Directory.CreateDirectory(userdata);
                File.WriteAllText(Path.Combine(userdata, "pidfile"), pidFile);
            }
            Container(A, "4242");
            Container(B, "5000\n");
            Container(C, "5000");
            Container("not-an-id", "6000");
            Container(A.Replace('a', 'd'), "12345678901234567890123456789012345678901234567890"); // cut, not a number
            Directory.CreateDirectory(Path.Combine(root, "overlay-containers", A.Replace('a', 'e'))); // created, no pid yet

            var inits = new ExitedContainerInits([Path.Combine(root, "missing"), root]);
            Assert.AreEqual(A, inits.OwnerOf(4242));
            Assert.IsNull(inits.OwnerOf(5000), "a pid two containers' inits had is not guessed");
            Assert.IsNull(inits.OwnerOf(6000), "only directories named by a container id count");
            Assert.IsNull(inits.OwnerOf(7000));
            Assert.AreEqual(4, inits.Lookups);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
