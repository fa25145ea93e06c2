using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tests.Targets;

[TestClass]
public sealed class MappedAssembliesTests
{
    [TestMethod]
    public void Maps_lines_give_each_assembly_file_once_through_the_process_root()
    {
        string[] maps =
        [
            "7f0000000000-7f0000001000 r--p 00000000 08:01 1234    /app/Shop.dll",
            "7f0000001000-7f0000002000 r-xp 00001000 08:01 1234    /app/Shop.dll",
            "7f0000002000-7f0000003000 r--p 00000000 08:01 99      /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Runtime.dll",
            "7f0000003000-7f0000004000 r-xp 00000000 08:01 77      /usr/lib/libprobes.so",
            "7f0000004000-7f0000005000 rw-p 00000000 00:00 0       [heap]",
            "7f0000005000-7f0000006000 rw-p 00000000 00:00 0",
        ];
        CollectionAssert.AreEqual(
            new[] { "/proc/42/root/app/Shop.dll", "/proc/42/root/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Runtime.dll" },
            MappedAssemblies.Parse(maps, "/proc/42/root").ToArray());
    }

    [TestMethod]
    public void This_test_process_has_its_own_assembly_mapped()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("/proc/PID/maps is Linux only");
        }
        IReadOnlyList<string> files = MappedAssemblies.Of(Environment.ProcessId);
        Assert.IsTrue(files.Any(f => f.EndsWith("/Probes.Consumer.Tests.dll", StringComparison.Ordinal)), string.Join("\n", files));
        Assert.IsTrue(files.All(File.Exists), "a path through /proc/PID/root does not resolve");
    }
}
