namespace Probes.Sdk.Tests;

/// <summary>
/// Without a usable shim every probe is off for good and the application runs as if we were
/// not there. Each case runs the sample in its own process, because the SDK decides once.
/// </summary>
[TestClass]
public sealed class ShimFallbackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    public void Missing_shim_file_disables_probes_and_the_app_runs_normally()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"probes-noshim-{Guid.NewGuid():N}");
        try
        {
            CopyWithoutShim(SampleProgram.Service.Directory, copy);
            // The test process itself points PROBES_LIBRARY at the counting shim; the child must not inherit it.
            ProcessResult result = RunSample(Path.Combine(copy, "Probes.Sample.dll"), new Dictionary<string, string> { ["PROBES_LIBRARY"] = "" });
            StringAssert.Contains(result.Stdout, "probes=unavailable: libprobes.so was not found");
        }
        finally
        {
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    [TestMethod]
    public void Unloadable_shim_path_disables_probes()
    {
        ProcessResult result = RunSample(SampleProgram.Service.Dll, new Dictionary<string, string> { ["PROBES_LIBRARY"] = "/nonexistent/libprobes.so" });
        StringAssert.Contains(result.Stdout, "probes=unavailable: PROBES_LIBRARY=/nonexistent/libprobes.so could not be loaded");
    }

    [TestMethod]
    public void A_library_without_the_probe_abi_disables_probes()
    {
        string libc = "/lib/x86_64-linux-gnu/libc.so.6";
        Assert.IsTrue(File.Exists(libc), "this test needs the Debian x86-64 libc path");
        ProcessResult result = RunSample(SampleProgram.Service.Dll, new Dictionary<string, string> { ["PROBES_LIBRARY"] = libc });
        StringAssert.Contains(result.Stdout, $"probes=unavailable: {libc} does not export the probe ABI v1 symbols");
    }

    private static ProcessResult RunSample(string dll, IDictionary<string, string>? environment)
    {
        ProcessResult result = ProcessRunner.Run(SampleProgram.Dotnet, [dll, "--requests", "3", "--interval-ms", "1"], Timeout, environment)
            .EnsureSuccess("the sample without a usable shim");
        // The whole service ran: startup, every request, a clean exit, nothing on stderr.
        StringAssert.Contains(result.Stdout, "ready");
        StringAssert.Contains(result.Stdout, "done");
        Assert.AreEqual(string.Empty, result.Stderr);
        return result;
    }

    private static void CopyWithoutShim(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("runtimes", StringComparison.Ordinal) || Path.GetFileName(file) == "libprobes.so")
            {
                continue;
            }
            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
